//! The tweetchat server: reads its settings, opens (or starts) the database, assembles the
//! hub, the scheduler and the HTTP edge, and shuts them down in order.
//!
//! # Layout
//! - [`settings`]: the command line, with environment fallbacks.
//! - [`telemetry`]: the log subscriber (human or JSON, filtered by `RUST_LOG`).
//! - [`Application`]: build it, ask its port, run it until stopped. `main.rs` is a few lines
//!   around it, and the end-to-end tests start the same thing in-process.

pub mod settings;
pub mod telemetry;

use anyhow::Context;
use settings::Settings;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tweetchat_http::{AppState, EdgeConfig};
use tweetchat_hub::{Hub, HubConfig, HubMetrics};
use tweetchat_scheduler::{Clock, SystemClock};
use tweetchat_storage::Database;
use tweetchat_storage::embedded::{DATABASE_NAME, EmbeddedPostgres};

/// A built, not yet running, server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    embedded: Option<EmbeddedPostgres>,
    shutdown: CancellationToken,
    background: TaskTracker,
    grace: Duration,
    clock: Arc<dyn Clock>,
}

impl Application {
    /// Opens the database (starting the private cluster if no URL is set), migrates it, and
    /// binds the listener. Port 0 picks a free port; see [`Application::port`].
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, HubConfig::default()).await
    }

    /// As [`Application::build`], with the hub's timings and limits given (tests shorten them).
    pub async fn build_with(settings: Settings, mut hub_config: HubConfig) -> anyhow::Result<Self> {
        let (db, embedded) = open_database(&settings).await?;
        db.migrate().await.context("applying database migrations")?;
        first_admin(&db, &settings).await?;
        hub_config.max_text_chars = settings.max_message_chars;
        hub_config.posts_per_minute = settings.post_rate_per_minute;
        let hub = Hub::new(db.clone(), hub_config, HubMetrics::default());
        let edge = EdgeConfig {
            public_base_url: settings.public_url.clone(),
            allowed_origins: settings.origins(),
            web_dir: settings.web_dir.clone(),
            auth_attempts_per_minute: settings.auth_attempts_per_minute,
        };
        let state = AppState::new(db, hub, edge);
        let listener = TcpListener::bind(settings.bind).await.with_context(|| format!("binding {}", settings.bind))?;
        Ok(Application {
            listener,
            state,
            embedded,
            shutdown: CancellationToken::new(),
            background: TaskTracker::new(),
            grace: Duration::from_secs(settings.shutdown_grace_seconds),
            clock: Arc::new(SystemClock),
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or_default()
    }

    /// Cancel it to stop the server gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// The scheduler's clock (tests run time fast or jump it).
    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the shutdown token is cancelled, then: stops accepting connections,
    /// lets pending posts commit and tells every websocket client to come back, stops the
    /// scheduler and the cluster tasks (this instance leaves the `instances` table), closes the
    /// pool, and stops the private cluster.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        use axum::serve::ListenerExt;
        let Application { listener, state, embedded, shutdown, background, grace, clock } = self;
        let hub = state.hub.clone();
        let db = state.db.clone();
        tweetchat_scheduler::spawn(
            db.clone(),
            hub.clone(),
            clock,
            state.schedule_changed.clone(),
            shutdown.clone(),
            &background,
        );
        let address = listener.local_addr()?.to_string();
        // Counted among the instances before the first client arrives; a failure here is not
        // fatal (the heartbeat task keeps trying), but the log says so.
        let alive = match tweetchat_hub::cluster::join(&hub, &address).await {
            Ok(alive) => alive.to_string(),
            Err(error) => {
                tracing::warn!(%error, "first heartbeat failed");
                "unknown".to_owned()
            }
        };
        tweetchat_hub::cluster::spawn(hub.clone(), address.clone(), shutdown.clone(), &background);
        tracing::info!(%address, instance = %db.instance_id(), instances_alive = %alive, "tweetchat is listening");

        // Small chat frames must not wait for Nagle's algorithm.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let app = tweetchat_http::router(state);
        let signal = shutdown.clone();
        let served = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(async move { signal.cancelled().await })
            .into_future();
        // axum waits for open connections, websockets included, before returning; the hub
        // closes those, so run both.
        let server = tokio::spawn(served);
        shutdown.cancelled().await;
        tracing::info!("shutting down");
        hub.shutdown(grace).await;
        background.close();
        background.wait().await;
        match tokio::time::timeout(grace, server).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => tracing::warn!(%error, "HTTP server ended with an error"),
            Ok(Err(error)) => tracing::warn!(%error, "HTTP server task failed"),
            Err(_) => tracing::warn!("HTTP connections still open after the grace period"),
        }
        db.close().await;
        if let Some(cluster) = embedded {
            cluster.stop().await.context("stopping the private PostgreSQL")?;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Applies pending migrations and exits: no listener, no scheduler.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let (db, embedded) = open_database(settings).await?;
    let result = db.migrate().await.context("applying database migrations");
    db.close().await;
    if let Some(cluster) = embedded {
        cluster.stop().await.context("stopping the private PostgreSQL")?;
    }
    result?;
    tracing::info!("migrations applied");
    Ok(())
}

/// `tweetchat admin create HANDLE`: creates a site administrator, or makes the account with
/// that handle one, with the password from `TWEETCHAT_ADMIN_PASSWORD`. A deactivated account
/// is refused, unchanged.
pub async fn create_admin(settings: &Settings, handle: &str) -> anyhow::Result<()> {
    let password = settings
        .admin_password
        .clone()
        .context("set TWEETCHAT_ADMIN_PASSWORD to the new administrator's password (10 to 128 characters)")?;
    let (db, embedded) = open_database(settings).await?;
    let result = async {
        db.migrate().await.context("applying database migrations")?;
        ensure_admin(&db, handle, password).await
    }
    .await;
    db.close().await;
    if let Some(cluster) = embedded {
        cluster.stop().await.context("stopping the private PostgreSQL")?;
    }
    result
}

/// At start-up: the administrator named in the settings, if none exists yet.
async fn first_admin(db: &Database, settings: &Settings) -> anyhow::Result<()> {
    let (Some(handle), Some(password)) = (&settings.admin_handle, &settings.admin_password) else {
        return Ok(());
    };
    if db.has_admin().await? {
        return Ok(());
    }
    ensure_admin(db, handle, password.clone()).await
}

async fn ensure_admin(db: &Database, handle: &str, password: String) -> anyhow::Result<()> {
    let handle = tweetchat_domain::Handle::parse(handle).context("administrator handle")?;
    tweetchat_http::auth::check_password_rules(&password).map_err(|e| anyhow::anyhow!("administrator {e}"))?;
    let hash = tweetchat_http::auth::hash_password(password).await.map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let user = db
        .ensure_admin(&handle, handle.as_str().trim_start_matches('@'), &hash)
        .await
        .with_context(|| format!("making {handle} a site administrator"))?;
    tracing::info!(handle = %user.handle, "site administrator ready");
    Ok(())
}

async fn open_database(settings: &Settings) -> anyhow::Result<(Database, Option<EmbeddedPostgres>)> {
    match &settings.database_url {
        Some(url) => {
            let options = url.parse().context("DATABASE_URL is not a valid PostgreSQL URL")?;
            let db = Database::connect(options, settings.db_connections).await.context("connecting to DATABASE_URL")?;
            Ok((db, None))
        }
        None => {
            let cluster = EmbeddedPostgres::start(&settings.data_dir).await?;
            let db = Database::connect(cluster.connect_options(DATABASE_NAME), settings.db_connections)
                .await
                .context("connecting to the private PostgreSQL")?;
            Ok((db, Some(cluster)))
        }
    }
}

/// Completes when SIGINT or SIGTERM arrives.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
