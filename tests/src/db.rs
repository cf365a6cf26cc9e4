//! Fresh databases for tests: one migrated template per test process, copied per test.

use sqlx::{Connection, PgConnection};
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::OnceCell;

static TEMPLATE: OnceCell<String> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The server the tests use. `scripts/test` provides one; running `cargo test` by hand needs it.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!("DATABASE_URL is not set: run the tests with scripts/test (it starts a private PostgreSQL), or point DATABASE_URL at a server where you may create databases")
    })
}

/// `server_url` with another database name.
pub fn url_for(database: &str) -> String {
    let url = server_url();
    let (before_query, query) = match url.split_once('?') {
        Some((b, q)) => (b.to_owned(), format!("?{q}")),
        None => (url.clone(), String::new()),
    };
    let base = match before_query.rfind('/') {
        Some(slash) if before_query[..slash].contains("://") && slash > before_query.find("://").unwrap_or(0) + 2 => {
            &before_query[..slash]
        }
        _ => before_query.as_str(),
    };
    format!("{base}/{database}{query}")
}

async fn admin() -> PgConnection {
    PgConnection::connect(&server_url()).await.expect("connect to DATABASE_URL")
}

async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("tc_tpl_{}", std::process::id());
            let mut conn = admin().await;
            drop_stale_databases(&mut conn).await;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .expect("drop old template");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create template");
            let mut template = PgConnection::connect(&url_for(&name)).await.expect("connect to template");
            tweetchat_storage::MIGRATOR.run(&mut template).await.expect("migrate template");
            template.close().await.ok();
            name
        })
        .await
}

/// Databases of test processes that are gone (killed before they could clean up).
async fn drop_stale_databases(conn: &mut PgConnection) {
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'tc\\_%'")
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut *conn).await;
        }
    }
}

/// A new, migrated, empty database; returns its name and URL.
pub async fn fresh_database() -> (String, String) {
    let template = template().await;
    let name = format!("tc_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut conn = admin().await;
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    conn.close().await.ok();
    let url = url_for(&name);
    (name, url)
}

/// Drops a test database; safe to call from `Drop` (it runs on its own thread and runtime).
pub fn drop_database_blocking(name: String) {
    let _ = std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return;
        };
        runtime.block_on(async {
            if let Ok(mut conn) = PgConnection::connect(&server_url()).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
            }
        });
    })
    .join();
}
