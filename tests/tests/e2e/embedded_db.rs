//! With no DATABASE_URL the server runs its own PostgreSQL: it starts, keeps data across
//! restarts, and leaves no process behind.

use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tweetchat_tests::app::Api;
use tweetchat_tests::process::{ServerProcess, free_port};

/// Processes whose command line mentions `needle` (the cluster's data directory).
fn processes_mentioning(needle: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .filter(|cmd| cmd.contains(needle))
        .collect()
}

/// Where the cluster of `data_dir` lives: inside it, or where the pointer file says.
fn cluster_dir(data_dir: &Path) -> PathBuf {
    match std::fs::read_to_string(data_dir.join("postgres-location")) {
        Ok(pointer) => PathBuf::from(pointer.trim()),
        Err(_) => data_dir.join("postgres"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_database_url_the_server_runs_its_own_postgres_and_keeps_data_across_restarts() {
    // Mode 0700, like `mktemp -d`: as root, the postgres user cannot enter it.
    let data_dir = std::env::temp_dir().join(format!("tc-embedded-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).expect("data dir");
    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let data_arg = data_dir.to_string_lossy().into_owned();
    let port = free_port();
    let log = std::env::temp_dir().join(format!("tc-embedded-{}.log", std::process::id()));

    let server = ServerProcess::start(port, &["--data-dir", &data_arg], &[], log.clone()).await;
    let api = Api::new(port);
    api.sign_up("alice").await;
    let cluster = cluster_dir(&data_dir);
    let pgdata = cluster.join("data").to_string_lossy().into_owned();
    assert!(!processes_mentioning(&pgdata).is_empty(), "a private postgres runs for {pgdata}");
    assert!(server.terminate().await.success());
    assert!(processes_mentioning(&pgdata).is_empty(), "no postgres left behind: {:?}", processes_mentioning(&pgdata));

    let server = ServerProcess::start(port, &["--data-dir", &data_arg], &[], log.clone()).await;
    let (status, body) =
        api.post("/api/v1/auth/login", None, json!({"handle": "alice", "password": "a long enough password"})).await;
    assert_eq!(status, 200, "the account from before the restart is still there: {body}");
    assert!(server.terminate().await.success());
    assert!(processes_mentioning(&pgdata).is_empty());

    let _ = std::fs::remove_dir_all(&cluster);
    let _ = std::fs::remove_dir_all(&data_dir);
    let _ = std::fs::remove_file(&log);
}
