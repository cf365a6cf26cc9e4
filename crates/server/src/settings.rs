//! Command line and environment: every setting is a flag with an environment fallback.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// tweetchat: live hashtag chats, scheduled, moderated and archived.
#[derive(Debug, Parser)]
#[command(
    name = "tweetchat",
    version,
    about,
    after_help = "Logging: RUST_LOG sets log levels (default: info), e.g. RUST_LOG=debug or RUST_LOG=info,tweetchat_hub=debug."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage the private PostgreSQL cluster of the data directory (used by scripts/test).
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Manage site administrators.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum AdminAction {
    /// Create a site administrator (or make an existing account one). The password is read
    /// from TWEETCHAT_ADMIN_PASSWORD, never from the command line, so it stays out of shell
    /// history and process lists.
    Create {
        /// The administrator's handle, e.g. @admin.
        handle: String,
    },
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum DbAction {
    /// Start the cluster (initialising it on first use) and print its DATABASE_URL.
    Start,
    /// Stop the cluster.
    Stop,
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(long, global = true, env = "TWEETCHAT_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// PostgreSQL to use. Without it, a private cluster is started from the system's
    /// PostgreSQL binaries in <data-dir>/postgres.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Where the service keeps its files (the private PostgreSQL cluster among them).
    #[arg(long, global = true, env = "TWEETCHAT_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// The address people use to reach the service; cookies are Secure when it is https.
    #[arg(long, global = true, env = "TWEETCHAT_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,

    /// Extra browser origins allowed to open websockets and send cookie-authenticated
    /// requests, comma-separated. The public URL's origin is always allowed.
    #[arg(long, global = true, env = "TWEETCHAT_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Log format.
    #[arg(long, global = true, env = "TWEETCHAT_LOG_FORMAT", value_enum, default_value = "human")]
    pub log_format: LogFormat,

    /// Folder of the web front end.
    #[arg(long, global = true, env = "TWEETCHAT_WEB_DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web"))]
    pub web_dir: PathBuf,

    /// Longest message, in characters.
    #[arg(long, global = true, env = "TWEETCHAT_MAX_MESSAGE_CHARS", default_value_t = 280)]
    pub max_message_chars: usize,

    /// Posts and likes one person may make per minute.
    #[arg(long, global = true, env = "TWEETCHAT_POST_RATE_PER_MINUTE", default_value_t = 30)]
    pub post_rate_per_minute: u32,

    /// Sign-in and sign-up attempts allowed per minute from one address (and sign-ins per
    /// handle), against password guessing and mass registration.
    #[arg(long, global = true, env = "TWEETCHAT_AUTH_ATTEMPTS_PER_MINUTE", default_value_t = 10)]
    pub auth_attempts_per_minute: u32,

    /// On first start, when no administrator exists, create one with this handle (and the
    /// password in TWEETCHAT_ADMIN_PASSWORD). `tweetchat admin create` does the same by hand.
    #[arg(long, global = true, env = "TWEETCHAT_ADMIN_HANDLE")]
    pub admin_handle: Option<String>,

    /// Password for the administrator created at first start (10 to 128 characters).
    #[arg(long, global = true, env = "TWEETCHAT_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Database connections in the pool.
    #[arg(long, global = true, env = "TWEETCHAT_DB_CONNECTIONS", default_value_t = 20)]
    pub db_connections: u32,

    /// Seconds to wait for connections to finish at shutdown.
    #[arg(long, global = true, env = "TWEETCHAT_SHUTDOWN_GRACE", default_value_t = 10)]
    pub shutdown_grace_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

impl Settings {
    /// The public URL's origin plus the extra ones, without trailing slashes. `localhost` and
    /// `127.0.0.1` are the same machine to a person, so each implies the other.
    pub fn origins(&self) -> Vec<String> {
        let public = origin_of(&self.public_url);
        let mut origins = vec![public.clone()];
        if public.contains("://127.0.0.1") {
            origins.push(public.replace("://127.0.0.1", "://localhost"));
        } else if public.contains("://localhost") {
            origins.push(public.replace("://localhost", "://127.0.0.1"));
        }
        origins.extend(
            self.allowed_origins.iter().map(|o| o.trim().trim_end_matches('/').to_owned()).filter(|o| !o.is_empty()),
        );
        origins
    }
}

/// `https://example.org/some/path` → `https://example.org`.
fn origin_of(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    match url.find("://") {
        Some(scheme_end) => match url[scheme_end + 3..].find('/') {
            Some(path_start) => url[..scheme_end + 3 + path_start].to_owned(),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_url_origin_is_always_allowed() {
        let cli = Cli::parse_from([
            "tweetchat",
            "--public-url",
            "https://chat.example.org/app/",
            "--allowed-origins",
            "https://a.test,https://b.test/",
        ]);
        assert_eq!(cli.settings.origins(), vec!["https://chat.example.org", "https://a.test", "https://b.test"]);
    }

    #[test]
    fn every_flag_may_come_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "tweetchat",
            "serve",
            "--public-url",
            "https://chat.example.org",
            "--log-format",
            "json",
            "--bind",
            "127.0.0.1:9000",
        ])
        .expect("flags after `serve` are accepted");
        assert!(matches!(cli.command, Some(Command::Serve)));
        assert_eq!(cli.settings.public_url, "https://chat.example.org");
        assert_eq!(cli.settings.log_format, LogFormat::Json);
        let cli = Cli::try_parse_from(["tweetchat", "admin", "create", "@root", "--log-format", "json"])
            .expect("and after the other subcommands");
        assert_eq!(cli.settings.log_format, LogFormat::Json);
    }

    #[test]
    fn help_documents_every_setting() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        for flag in
            ["--bind", "--database-url", "--data-dir", "--public-url", "--allowed-origins", "--log-format", "RUST_LOG"]
        {
            assert!(help.contains(flag), "{flag} missing from --help");
        }
    }
}
