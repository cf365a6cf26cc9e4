//! The `tweetchat` binary. See the library for how the server is put together.

use clap::Parser;
use std::process::ExitCode;
use tweetchat_server::settings::{AdminAction, Cli, Command, DbAction};
use tweetchat_server::{Application, shutdown_signal, telemetry};
use tweetchat_storage::embedded::{DATABASE_NAME, EmbeddedPostgres};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.settings.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            raise_open_files_limit();
            let app = Application::build(cli.settings).await?;
            let stop = app.shutdown_token();
            tokio::spawn(async move {
                shutdown_signal().await;
                stop.cancel();
            });
            app.run_until_stopped().await
        }
        Command::Migrate => tweetchat_server::migrate(&cli.settings).await,
        Command::Admin { action: AdminAction::Create { handle } } => {
            tweetchat_server::create_admin(&cli.settings, &handle).await
        }
        Command::Db { action } => {
            let cluster = EmbeddedPostgres::start(&cli.settings.data_dir).await?;
            match action {
                DbAction::Start => {
                    use std::io::Write;
                    let mut out = std::io::stdout();
                    writeln!(out, "{}", cluster.url(DATABASE_NAME))?;
                }
                DbAction::Stop => cluster.stop().await?,
            }
            Ok(())
        }
    }
}

/// Each websocket is a file descriptor; the usual soft limit of 1024 is too low for a big chat.
fn raise_open_files_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE)
        && soft < hard
        && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_err()
    {
        tracing::warn!(soft, hard, "could not raise the open files limit");
    }
}
