//! The application in-process, on port 0, against its own database.

use crate::db;
use crate::ws::Client;
use clap::Parser;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tweetchat_hub::HubConfig;
use tweetchat_scheduler::Clock;
use tweetchat_server::Application;
use tweetchat_server::settings::{Cli, Settings};
use uuid::Uuid;

pub struct TestApp {
    pub api: Api,
    pub db_url: String,
    pub db_name: String,
    shutdown: CancellationToken,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    clock: Option<Arc<dyn Clock>>,
    schedule_changed: Arc<tokio::sync::Notify>,
}

/// HTTP and websocket helpers for a server on a local port, in-process or not.
#[derive(Debug, Clone)]
pub struct Api {
    pub base: String,
    pub port: u16,
    pub http: reqwest::Client,
}

impl std::ops::Deref for TestApp {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

/// A signed-up person.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: Uuid,
    pub handle: String,
    pub token: String,
}

/// Settings as the command line would give them, pointing at `db_url`, on a free port.
pub fn settings(db_url: &str) -> Settings {
    let mut settings = Cli::parse_from(["tweetchat"]).settings;
    settings.database_url = Some(db_url.to_owned());
    settings.bind = "127.0.0.1:0".parse().expect("address");
    settings.db_connections = 10;
    settings.shutdown_grace_seconds = 5;
    // Every test signs up several people from 127.0.0.1; the auth limit has its own test.
    settings.auth_attempts_per_minute = 10_000;
    settings
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_, _| {}).await
    }

    /// Starts the app after `customize` has changed its settings or hub limits.
    pub async fn spawn_with(customize: impl FnOnce(&mut Settings, &mut HubConfig)) -> TestApp {
        let (db_name, db_url) = db::fresh_database().await;
        let mut settings = settings(&db_url);
        let mut hub = HubConfig::default();
        customize(&mut settings, &mut hub);
        Self::start(db_name, db_url, settings, hub, None).await
    }

    /// Starts the app with the scheduler reading `clock`.
    pub async fn spawn_with_clock(clock: Arc<dyn Clock>) -> TestApp {
        let (db_name, db_url) = db::fresh_database().await;
        let settings = settings(&db_url);
        Self::start(db_name, db_url, settings, HubConfig::default(), Some(clock)).await
    }

    /// Stops the app gracefully and starts a new one on the same database and clock: a
    /// restart, with whatever happened to the clock in between as downtime.
    pub async fn restart(&mut self) {
        self.stop().await;
        let settings = settings(&self.db_url);
        let db_name = std::mem::take(&mut self.db_name);
        let fresh = Self::start(db_name, self.db_url.clone(), settings, HubConfig::default(), self.clock.clone()).await;
        // The old app is stopped and no longer owns the database (its name was taken).
        drop(std::mem::replace(self, fresh));
    }

    /// Wakes the scheduler, as a change of schedule does (tests call it after moving a clock).
    pub fn wake_scheduler(&self) {
        self.schedule_changed.notify_one();
    }

    async fn start(
        db_name: String,
        db_url: String,
        settings: Settings,
        hub: HubConfig,
        clock: Option<Arc<dyn Clock>>,
    ) -> TestApp {
        let mut app = Application::build_with(settings, hub).await.expect("application builds");
        if let Some(clock) = &clock {
            app.set_clock(clock.clone());
        }
        let schedule_changed = app.state().schedule_changed.clone();
        let port = app.port();
        let shutdown = app.shutdown_token();
        let server = tokio::spawn(app.run_until_stopped());
        TestApp { api: Api::new(port), db_url, db_name, shutdown, server: Some(server), clock, schedule_changed }
    }

    /// Graceful shutdown, as on SIGTERM; waits for it to finish.
    pub async fn stop(&mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server stops cleanly");
        }
    }
}

impl Api {
    pub fn new(port: u16) -> Api {
        Api { base: format!("http://127.0.0.1:{port}"), port, http: reqwest::Client::new() }
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("response body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.request(reqwest::Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.request(reqwest::Method::POST, path, token, Some(body)).await
    }

    pub async fn sign_up(&self, handle: &str) -> TestUser {
        let (status, body) = self
            .post(
                "/api/v1/accounts",
                None,
                json!({"handle": handle, "display_name": handle, "password": "a long enough password"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "sign up {handle}: {body}");
        TestUser {
            id: body["user"]["id"].as_str().and_then(|s| s.parse().ok()).expect("user id"),
            handle: body["user"]["handle"].as_str().expect("handle").to_owned(),
            token: body["token"].as_str().expect("token").to_owned(),
        }
    }

    /// A series owned by `host`, and a session of it scheduled an hour ahead.
    pub async fn scheduled_session(&self, host: &TestUser, hashtag: &str) -> Uuid {
        let (status, body) = self
            .post("/api/v1/series", Some(&host.token), json!({"hashtag": hashtag, "title": format!("{hashtag} chat")}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "create series: {body}");
        let starts_at = chrono::Utc::now() + chrono::Duration::hours(1);
        let tag = hashtag.trim_start_matches('#');
        let (status, body) = self
            .post(
                &format!("/api/v1/series/{tag}/sessions"),
                Some(&host.token),
                json!({"starts_at": starts_at, "duration_minutes": 60}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "schedule session: {body}");
        body["id"].as_str().and_then(|s| s.parse().ok()).expect("session id")
    }

    /// A host, and a session of a new series that is live now.
    pub async fn live_session(&self) -> (TestUser, Uuid) {
        let host = self.sign_up("host").await;
        let session = self.scheduled_session(&host, "#WeNurses").await;
        let (status, body) =
            self.post(&format!("/api/v1/sessions/{session}/start"), Some(&host.token), json!({})).await;
        assert_eq!(status, StatusCode::OK, "start session: {body}");
        (host, session)
    }

    pub async fn connect(&self, session: Uuid, token: Option<&str>) -> Client {
        Client::connect(self.port, session, token, None).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if !self.db_name.is_empty() {
            db::drop_database_blocking(std::mem::take(&mut self.db_name));
        }
    }
}
