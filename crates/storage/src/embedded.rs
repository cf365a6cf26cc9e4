//! A private PostgreSQL cluster run from the system's server binaries, so that a fresh clone
//! works with nothing but the `postgresql` package installed.
//!
//! The cluster listens on a Unix socket only (no TCP port to collide with anything), keeps its
//! files under the data directory, and is stopped by [`EmbeddedPostgres::stop`]. PostgreSQL
//! refuses to run as root, so as root every command runs as the `postgres` system user; when
//! that user cannot reach the data directory (a checkout under `/root` or a `mktemp -d` folder
//! is mode 0700) the cluster lives under [`ROOT_FALLBACK_DIR`] instead, in a folder named after
//! the data directory, and the log says where.

use sqlx::postgres::PgConnectOptions;
use std::ffi::OsStr;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tokio::process::Command;

/// Where root's clusters live when the `postgres` user cannot enter the data directory.
pub const ROOT_FALLBACK_DIR: &str = "/var/lib/tweetchat/clusters";
/// The database the application uses inside its private cluster.
pub const DATABASE_NAME: &str = "tweetchat";
const SUPERUSER: &str = "postgres";
const PORT: u16 = 5432;
/// A Unix socket path must fit in `sockaddr_un.sun_path` (108 bytes with the NUL).
const MAX_SOCKET_PATH: usize = 100;
/// Tests open a pool per test database; the default 100 connections is too few for them.
const MAX_CONNECTIONS: u32 = 400;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "no PostgreSQL server binaries found (looked at `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH). \
         Either install PostgreSQL (Debian/Ubuntu: `apt-get install postgresql`), \
         or set DATABASE_URL to use a server you already run"
    )]
    NoBinaries,
    #[error(
        "running as root, but there is no `postgres` system user to run the private PostgreSQL as \
         (PostgreSQL refuses to run as root). Install PostgreSQL from your distribution, which creates it, \
         or set DATABASE_URL"
    )]
    NoUnprivilegedUser,
    #[error("{action} failed: {detail}")]
    Command { action: String, detail: String },
    #[error("preparing {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// A running private cluster.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bindir: PathBuf,
    pgdata: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<SystemUser>,
}

#[derive(Debug, Clone)]
struct SystemUser {
    name: String,
    uid: u32,
    gid: u32,
}

impl EmbeddedPostgres {
    /// Starts (initialising on first use) the cluster that belongs to `data_dir`, or adopts it
    /// if it is still running (after a crash of the server, say), and makes sure the
    /// application database exists.
    pub async fn start(data_dir: &Path) -> Result<Self, EmbeddedError> {
        let bindir = find_bindir().await.ok_or(EmbeddedError::NoBinaries)?;
        let run_as = unprivileged_user()?;
        create_dir(data_dir, None, 0o755)?;
        let data_dir =
            data_dir.canonicalize().map_err(|source| EmbeddedError::Io { path: data_dir.to_owned(), source })?;
        let base = cluster_base(&data_dir, run_as.as_ref())?;
        create_dir(&base, run_as.as_ref(), 0o700)?;
        let pgdata = base.join("data");
        let socket_dir = socket_dir_for(&base, run_as.as_ref())?;
        let cluster = EmbeddedPostgres { bindir, pgdata, socket_dir, run_as };

        if !cluster.pgdata.join("PG_VERSION").exists() {
            tracing::info!(path = %cluster.pgdata.display(), "initialising a private PostgreSQL cluster");
            cluster.initdb().await?;
        }
        cluster.write_settings()?;
        if cluster.is_running().await {
            tracing::warn!(path = %cluster.pgdata.display(), "adopting a private PostgreSQL that was left running");
        } else {
            let log = base.join("postgres.log");
            let log_arg = log.as_os_str().to_owned();
            cluster
                .run_tool(
                    "pg_ctl",
                    "starting PostgreSQL",
                    &[
                        OsStr::new("-D"),
                        cluster.pgdata.as_os_str(),
                        OsStr::new("-l"),
                        &log_arg,
                        OsStr::new("-w"),
                        OsStr::new("-t"),
                        OsStr::new("60"),
                        OsStr::new("start"),
                    ],
                )
                .await
                .map_err(|error| with_log_tail(error, &log))?;
        }
        cluster.create_database().await?;
        tracing::info!(socket = %cluster.socket_dir.display(), "private PostgreSQL is ready");
        Ok(cluster)
    }

    /// Connection options for `database` in this cluster.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new().socket(&self.socket_dir).port(PORT).username(SUPERUSER).database(database)
    }

    /// A `DATABASE_URL` for `database`, for processes that are handed the cluster.
    pub fn url(&self, database: &str) -> String {
        let host: String = self
            .socket_dir
            .to_string_lossy()
            .chars()
            .map(|c| match c {
                ' ' => "%20".to_owned(),
                '%' => "%25".to_owned(),
                '&' => "%26".to_owned(),
                '#' => "%23".to_owned(),
                '+' => "%2B".to_owned(),
                c => c.to_string(),
            })
            .collect();
        format!("postgres://{SUPERUSER}@localhost:{PORT}/{database}?host={host}")
    }

    /// The cluster's data directory (`PGDATA`).
    pub fn pgdata(&self) -> &Path {
        &self.pgdata
    }

    /// Stops the cluster, waiting for it to finish writing.
    pub async fn stop(&self) -> Result<(), EmbeddedError> {
        if !self.is_running().await {
            return Ok(());
        }
        self.run_tool(
            "pg_ctl",
            "stopping PostgreSQL",
            &[
                OsStr::new("-D"),
                self.pgdata.as_os_str(),
                OsStr::new("-m"),
                OsStr::new("fast"),
                OsStr::new("-w"),
                OsStr::new("-t"),
                OsStr::new("60"),
                OsStr::new("stop"),
            ],
        )
        .await?;
        tracing::info!("private PostgreSQL stopped");
        Ok(())
    }

    async fn is_running(&self) -> bool {
        self.pgdata.join("postmaster.pid").exists()
            && self
                .run_tool(
                    "pg_ctl",
                    "checking PostgreSQL",
                    &[OsStr::new("-D"), self.pgdata.as_os_str(), OsStr::new("status")],
                )
                .await
                .is_ok()
    }

    async fn initdb(&self) -> Result<(), EmbeddedError> {
        let base = [
            OsStr::new("-D"),
            self.pgdata.as_os_str(),
            OsStr::new("-U"),
            OsStr::new(SUPERUSER),
            OsStr::new("--auth=trust"),
            OsStr::new("-E"),
            OsStr::new("UTF8"),
        ];
        // C.UTF-8 gives Unicode-aware case folding and text search; not every system has it.
        let with_locale = [&base[..], &[OsStr::new("--locale=C.UTF-8")]].concat();
        if self.run_tool("initdb", "initdb", &with_locale).await.is_ok() {
            return Ok(());
        }
        let _ = std::fs::remove_dir_all(&self.pgdata);
        let plain = [&base[..], &[OsStr::new("--locale=C")]].concat();
        self.run_tool("initdb", "initdb", &plain).await
    }

    /// Written on every start so a moved socket directory takes effect.
    fn write_settings(&self) -> Result<(), EmbeddedError> {
        let conf = self.pgdata.join("postgresql.conf");
        let include_line = "include_if_exists = 'tweetchat.conf'";
        let current =
            std::fs::read_to_string(&conf).map_err(|source| EmbeddedError::Io { path: conf.clone(), source })?;
        if !current.contains(include_line) {
            let appended = format!("{current}\n# Settings written by tweetchat on every start.\n{include_line}\n");
            std::fs::write(&conf, appended).map_err(|source| EmbeddedError::Io { path: conf.clone(), source })?;
        }
        let ours = self.pgdata.join("tweetchat.conf");
        let socket = self.socket_dir.to_string_lossy().replace('\'', "''");
        let settings = format!(
            "listen_addresses = ''\nunix_socket_directories = '{socket}'\nport = {PORT}\nmax_connections = {MAX_CONNECTIONS}\n"
        );
        std::fs::write(&ours, settings).map_err(|source| EmbeddedError::Io { path: ours.clone(), source })?;
        if let Some(user) = &self.run_as {
            std::os::unix::fs::chown(&ours, Some(user.uid), Some(user.gid))
                .map_err(|source| EmbeddedError::Io { path: ours.clone(), source })?;
        }
        Ok(())
    }

    async fn create_database(&self) -> Result<(), EmbeddedError> {
        use sqlx::Connection;
        let fail = |e: sqlx::Error| EmbeddedError::Command {
            action: "creating the tweetchat database".into(),
            detail: e.to_string(),
        };
        let mut conn = sqlx::PgConnection::connect_with(&self.connect_options("postgres")).await.map_err(fail)?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(DATABASE_NAME)
            .fetch_one(&mut conn)
            .await
            .map_err(fail)?;
        if !exists {
            sqlx::query(&format!("CREATE DATABASE {DATABASE_NAME}")).execute(&mut conn).await.map_err(fail)?;
        }
        conn.close().await.map_err(fail)
    }

    async fn run_tool(&self, tool: &str, action: &str, args: &[&OsStr]) -> Result<(), EmbeddedError> {
        let program = self.bindir.join(tool);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(&user.name).arg("--").arg(&program);
                c
            }
            None => Command::new(&program),
        };
        // The postgres user may not be allowed into our working directory.
        command.args(args).current_dir("/").stdin(std::process::Stdio::null()).kill_on_drop(false);
        let output = command.output().await.map_err(|e| EmbeddedError::Command {
            action: action.into(),
            detail: format!("could not run {}: {e}", program.display()),
        })?;
        if output.status.success() {
            Ok(())
        } else {
            let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            if detail.is_empty() {
                detail = String::from_utf8_lossy(&output.stdout).trim().to_owned();
            }
            Err(EmbeddedError::Command { action: action.into(), detail })
        }
    }
}

fn with_log_tail(error: EmbeddedError, log: &Path) -> EmbeddedError {
    match error {
        EmbeddedError::Command { action, detail } => {
            let tail = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            EmbeddedError::Command { action, detail: format!("{detail}\n{}", tail.join("\n")) }
        }
        other => other,
    }
}

async fn find_bindir() -> Option<PathBuf> {
    let has_server = |dir: &Path| ["initdb", "pg_ctl", "postgres"].iter().all(|tool| dir.join(tool).is_file());
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output().await {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if output.status.success() && has_server(&dir) {
            return Some(dir);
        }
    }
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let dir = entry.path().join("bin");
            has_server(&dir).then_some((version, dir))
        })
        .collect();
    versioned.sort();
    if let Some((_, dir)) = versioned.pop() {
        return Some(dir);
    }
    std::env::var_os("PATH").and_then(|path| std::env::split_paths(&path).find(|dir| has_server(dir)))
}

fn unprivileged_user() -> Result<Option<SystemUser>, EmbeddedError> {
    if !nix::unistd::Uid::effective().is_root() {
        return Ok(None);
    }
    match nix::unistd::User::from_name(SUPERUSER) {
        Ok(Some(user)) => Ok(Some(SystemUser { name: user.name, uid: user.uid.as_raw(), gid: user.gid.as_raw() })),
        _ => Err(EmbeddedError::NoUnprivilegedUser),
    }
}

/// `<data_dir>/postgres`, unless the cluster's user cannot reach it.
fn cluster_base(data_dir: &Path, run_as: Option<&SystemUser>) -> Result<PathBuf, EmbeddedError> {
    let preferred = data_dir.join("postgres");
    let Some(user) = run_as else {
        return Ok(preferred);
    };
    if data_dir.ancestors().all(|dir| can_enter(dir, user)) {
        return Ok(preferred);
    }
    let fallback =
        Path::new(ROOT_FALLBACK_DIR).join(format!("{:016x}", fnv1a(data_dir.as_os_str().as_encoded_bytes())));
    create_dir(Path::new(ROOT_FALLBACK_DIR), None, 0o755)?;
    if let Some(parent) = Path::new(ROOT_FALLBACK_DIR).parent() {
        let _ = std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755));
    }
    tracing::warn!(
        data_dir = %data_dir.display(),
        cluster = %fallback.display(),
        "the postgres user cannot enter the data directory; keeping the private PostgreSQL cluster elsewhere"
    );
    let pointer = data_dir.join("postgres-location");
    std::fs::write(&pointer, format!("{}\n", fallback.display()))
        .map_err(|source| EmbeddedError::Io { path: pointer, source })?;
    Ok(fallback)
}

fn socket_dir_for(base: &Path, run_as: Option<&SystemUser>) -> Result<PathBuf, EmbeddedError> {
    let preferred = base.join("run");
    let dir = if preferred.join(".s.PGSQL.5432").as_os_str().len() <= MAX_SOCKET_PATH {
        preferred
    } else {
        std::env::temp_dir().join(format!("tweetchat-pg-{:016x}", fnv1a(base.as_os_str().as_encoded_bytes())))
    };
    create_dir(&dir, run_as, 0o700)?;
    Ok(dir)
}

fn can_enter(dir: &Path, user: &SystemUser) -> bool {
    let Ok(meta) = std::fs::metadata(dir) else {
        return false;
    };
    let mode = meta.mode();
    if meta.uid() == user.uid {
        mode & 0o100 != 0
    } else if meta.gid() == user.gid {
        mode & 0o010 != 0
    } else {
        mode & 0o001 != 0
    }
}

fn create_dir(dir: &Path, owner: Option<&SystemUser>, mode: u32) -> Result<(), EmbeddedError> {
    let io = |source| EmbeddedError::Io { path: dir.to_owned(), source };
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(io)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).map_err(io)?;
    }
    if let Some(user) = owner {
        std::os::unix::fs::chown(dir, Some(user.uid), Some(user.gid)).map_err(io)?;
    }
    Ok(())
}

/// A stable hash for folder names (std's hasher may change between Rust releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
}
