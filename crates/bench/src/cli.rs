//! Command-line arguments and their validation.

use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(name = "tweetchat-bench", version, about = "Load generator speaking the real tweetchat protocol.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up a live session, connect participants, post at a fixed rate and report delivery,
    /// latency and (optionally) server memory.
    Run(RunArgs),
    /// Fill a database with archived chats (once), then time transcript reads and searches.
    Archive(crate::archive::ArchiveArgs),
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Base URL of the server used for the HTTP setup (and for websockets unless --instances).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,

    /// Comma-separated base URLs of server instances sharing one database; websocket
    /// connections are spread over them round-robin (multi-instance mode).
    #[arg(long, value_delimiter = ',')]
    pub instances: Vec<String>,

    /// Websocket connections in total (posters included).
    #[arg(long, default_value_t = 100)]
    pub participants: usize,

    /// How many of the participants are signed-in posters (the first K connections); the rest
    /// are anonymous viewers.
    #[arg(long, default_value_t = 10)]
    pub posters: usize,

    /// Total posts per second over all posters (each poster sends rate/posters per second).
    #[arg(long, default_value_t = 10.0)]
    pub rate: f64,

    /// Length of the measured posting window, in seconds.
    #[arg(long, default_value_t = 30.0)]
    pub seconds: f64,

    /// Seconds of posting at the same rate before the measured window; those posts are not
    /// counted in sent/acked/delivered/lost/latency.
    #[arg(long, default_value_t = 0.0)]
    pub warmup_seconds: f64,

    /// After posting stops, wait at most this long for every participant to receive every
    /// acked message.
    #[arg(long, default_value_t = 10.0)]
    pub drain_timeout_seconds: f64,

    /// Connections being opened at the same time.
    #[arg(long, default_value_t = 200)]
    pub connect_concurrency: usize,

    /// Give up on one connection (TCP + upgrade + welcome) after this many seconds.
    #[arg(long, default_value_t = 10.0)]
    pub connect_timeout_seconds: f64,

    /// Account registrations in flight at the same time (the server hashes passwords with
    /// Argon2, so more than its core count only queues).
    #[arg(long, default_value_t = 4)]
    pub setup_concurrency: usize,

    /// PID(s) of the server process(es), comma-separated: report VmRSS / VmHWM from
    /// /proc/PID/status (summed over all PIDs).
    #[arg(long, value_delimiter = ',')]
    pub server_pid: Vec<u32>,

    /// Print the report as one JSON object on stdout (progress still goes to stderr).
    #[arg(long)]
    pub json: bool,

    /// Exit with status 3 if any message was lost, duplicated or out of order, or any
    /// connection dropped or failed to connect.
    #[arg(long)]
    pub strict: bool,
}

/// Durations and URLs derived from [`RunArgs`], checked once.
#[derive(Debug, Clone)]
pub struct Plan {
    pub http_url: String,
    /// Websocket base URLs (`ws://host:port`), one per instance.
    pub ws_bases: Vec<String>,
    pub participants: usize,
    pub posters: usize,
    pub rate: f64,
    pub seconds: Duration,
    pub warmup: Duration,
    pub drain_timeout: Duration,
    pub connect_timeout: Duration,
    pub connect_concurrency: usize,
    pub setup_concurrency: usize,
    pub server_pids: Vec<u32>,
}

impl RunArgs {
    pub fn plan(&self) -> Result<Plan> {
        if self.participants == 0 {
            bail!("--participants must be at least 1");
        }
        if self.posters == 0 {
            bail!("--posters must be at least 1");
        }
        if self.posters > self.participants {
            bail!("--posters ({}) cannot exceed --participants ({})", self.posters, self.participants);
        }
        if !(self.rate.is_finite() && self.rate >= 0.001 && self.rate <= 1_000_000.0) {
            bail!("--rate must be a number of posts per second between 0.001 and 1000000");
        }
        let http_url = normalise_http(&self.url)?;
        let instances = if self.instances.is_empty() { vec![self.url.clone()] } else { self.instances.clone() };
        let ws_bases =
            instances.iter().map(|u| normalise_http(u).map(|h| http_to_ws(&h))).collect::<Result<Vec<_>>>()?;
        let seconds = seconds_arg("--seconds", self.seconds)?;
        if seconds.is_zero() {
            bail!("--seconds must be greater than 0");
        }
        Ok(Plan {
            http_url,
            ws_bases,
            participants: self.participants,
            posters: self.posters,
            rate: self.rate,
            seconds,
            warmup: seconds_arg("--warmup-seconds", self.warmup_seconds)?,
            drain_timeout: seconds_arg("--drain-timeout-seconds", self.drain_timeout_seconds)?,
            connect_timeout: seconds_arg("--connect-timeout-seconds", self.connect_timeout_seconds)?,
            connect_concurrency: self.connect_concurrency.max(1),
            setup_concurrency: self.setup_concurrency.max(1),
            server_pids: self.server_pid.clone(),
        })
    }
}

fn seconds_arg(name: &str, value: f64) -> Result<Duration> {
    if !(value.is_finite() && value >= 0.0) {
        bail!("{name} must be a non-negative number of seconds");
    }
    Duration::try_from_secs_f64(value).with_context(|| format!("{name} is out of range"))
}

/// `http://host:port/` → `http://host:port`. Only plain HTTP is supported: the bench is built
/// without TLS (benchmark the server directly, not through a TLS proxy).
fn normalise_http(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    if url.starts_with("https://") {
        bail!(
            "{url}: https is not supported (the bench is built without TLS); point it at the server's plain http listener"
        );
    }
    if !url.starts_with("http://") || url.len() <= "http://".len() {
        bail!("{url}: expected a URL like http://127.0.0.1:8080");
    }
    Ok(url.to_owned())
}

fn http_to_ws(http: &str) -> String {
    format!("ws://{}", http.trim_start_matches("http://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> RunArgs {
        let cli = Cli::try_parse_from(["tweetchat-bench", "run", "--participants", "5", "--posters", "2"])
            .expect("valid args");
        let Command::Run(args) = cli.command else { panic!("the run subcommand was parsed") };
        args
    }

    #[test]
    fn urls_are_normalised_and_mapped_to_websockets() {
        let mut a = args();
        a.url = "http://127.0.0.1:8080/".into();
        a.instances = vec!["http://10.0.0.1:1".into(), "http://10.0.0.2:2/".into()];
        let plan = a.plan().expect("valid plan");
        assert_eq!(plan.http_url, "http://127.0.0.1:8080");
        assert_eq!(plan.ws_bases, vec!["ws://10.0.0.1:1", "ws://10.0.0.2:2"]);
        a.instances.clear();
        assert_eq!(a.plan().expect("valid plan").ws_bases, vec!["ws://127.0.0.1:8080"]);
    }

    #[test]
    fn instances_are_comma_separated() {
        let cli = Cli::try_parse_from([
            "tweetchat-bench",
            "run",
            "--instances",
            "http://a:1,http://b:2",
            "--server-pid",
            "1,2",
        ])
        .expect("valid args");
        let Command::Run(args) = cli.command else { panic!("the run subcommand was parsed") };
        assert_eq!(args.instances.len(), 2);
        assert_eq!(args.server_pid, vec![1, 2]);
    }

    #[test]
    fn bad_arguments_are_refused() {
        let mut a = args();
        a.posters = 6;
        assert!(a.plan().is_err());
        let mut a = args();
        a.rate = 0.0;
        assert!(a.plan().is_err());
        let mut a = args();
        a.seconds = f64::NAN;
        assert!(a.plan().is_err());
        let mut a = args();
        a.url = "https://example.org".into();
        assert!(a.plan().is_err());
        let mut a = args();
        a.url = "127.0.0.1:8080".into();
        assert!(a.plan().is_err());
    }
}
