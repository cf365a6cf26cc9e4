//! The `tweetchat` binary as a child process: for tests that kill it, restart it, or run it
//! without a database URL.

use crate::PATIENCE;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

pub struct ServerProcess {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

/// The `tweetchat` binary next to this test binary (`scripts/test` builds it first).
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(Path::parent).expect("target directory");
    let bin = dir.join("tweetchat");
    assert!(bin.exists(), "{} is missing: build it with `cargo build --bins` (scripts/test does)", bin.display());
    bin
}

/// A free port on 127.0.0.1 (bound and released; fine for tests on a quiet loopback).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

impl ServerProcess {
    /// Starts the binary with `args` and environment `env`, logging to `log`, and waits for
    /// `/readyz`.
    pub async fn start(port: u16, args: &[&str], env: &[(&str, &str)], log: PathBuf) -> ServerProcess {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&log).expect("log file");
        let err = file.try_clone().expect("log file");
        let mut command = Command::new(binary());
        command
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(args)
            .env_remove("DATABASE_URL")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .kill_on_drop(true);
        let child = command.spawn().expect("tweetchat starts");
        let server = ServerProcess { child, port, log };
        server.wait_ready(Duration::from_secs(60)).await;
        server
    }

    pub async fn wait_ready(&self, limit: Duration) {
        let url = format!("http://127.0.0.1:{}/readyz", self.port);
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if reqwest::get(&url).await.is_ok_and(|response| response.status().is_success()) {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "server not ready in {limit:?}; log:\n{}", self.log_text());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id().and_then(|id| i32::try_from(id).ok()).expect("child pid"))
    }

    /// SIGKILL: no chance to clean up, as in a crash.
    pub async fn crash(mut self) {
        let _ = kill(self.pid(), Signal::SIGKILL);
        let _ = self.child.wait().await;
    }

    /// SIGTERM, and wait for a clean exit.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let _ = kill(self.pid(), Signal::SIGTERM);
        tokio::time::timeout(PATIENCE * 2, self.child.wait())
            .await
            .expect("server exits after SIGTERM")
            .expect("exit status")
    }
}
