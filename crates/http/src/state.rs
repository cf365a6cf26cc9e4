use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;
use tweetchat_hub::Hub;
use tweetchat_storage::Database;

/// Settings of the HTTP edge.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// Where people reach the service, e.g. `https://chat.example.org`. Cookies are `Secure`
    /// when it is https.
    pub public_base_url: String,
    /// Origins allowed to open websockets and to make cookie-authenticated changes.
    pub allowed_origins: Vec<String>,
    /// The folder with the web front end's files.
    pub web_dir: PathBuf,
    /// Sign-in and sign-up attempts per minute per address (and sign-ins per handle).
    pub auth_attempts_per_minute: u32,
}

impl EdgeConfig {
    pub fn secure_cookies(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }
}

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub hub: Hub,
    pub config: Arc<EdgeConfig>,
    pub metrics: Arc<Registry>,
    pub requests: Family<RequestLabels, Counter>,
    /// Told whenever sessions or plans change here, so the scheduler looks again at once.
    pub schedule_changed: Arc<tokio::sync::Notify>,
    /// Sign-in and sign-up attempts by client address.
    pub auth_by_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// Sign-in attempts by handle: guessing one person's password from many addresses.
    pub auth_by_handle: Arc<DefaultKeyedRateLimiter<String>>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub status: u16,
}

impl AppState {
    pub fn new(db: Database, hub: Hub, config: EdgeConfig) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("tweetchat_http_requests", "HTTP requests answered, by method and status", requests.clone());
        hub.metrics().register(&mut registry, db.instance_id());
        let per_minute = NonZeroU32::new(config.auth_attempts_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(per_minute);
        AppState {
            db,
            hub,
            auth_by_address: Arc::new(RateLimiter::keyed(quota)),
            auth_by_handle: Arc::new(RateLimiter::keyed(quota)),
            config: Arc::new(config),
            metrics: Arc::new(registry),
            requests,
            schedule_changed: Arc::new(tokio::sync::Notify::new()),
        }
    }
}
