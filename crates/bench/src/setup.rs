//! HTTP setup: poster and host accounts, a series with a unique hashtag, a session starting now,
//! started (live) so that posts are accepted.

use anyhow::{Context as _, Result, anyhow, bail};
use futures_util::{StreamExt as _, TryStreamExt as _, stream};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// Everything the websocket phase needs.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub session_id: Uuid,
    /// As the server returned it (`#BenchXXXX`).
    pub hashtag: String,
    /// One bearer token per poster, in poster order.
    pub poster_tokens: Vec<String>,
}

pub struct Api {
    client: Client,
    base: String,
}

impl Api {
    pub fn new(base: &str) -> Result<Self> {
        let client = Client::builder()
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .context("building the HTTP client")?;
        Ok(Api { client, base: base.to_owned() })
    }

    /// POSTs `body` (if any) and returns the JSON answer of a 2xx response; any other status is
    /// an error carrying the server's error body.
    async fn post(&self, path: &str, token: Option<&str>, body: Option<&Value>) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut req = self.client.post(&url);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| anyhow!("POST {url}: {e} (is the server running and reachable?)"))?;
        let status = resp.status();
        let text = resp.text().await.with_context(|| format!("POST {url}: reading the response"))?;
        if !status.is_success() {
            return Err(
                HttpError { method_path: format!("POST {path}"), status, detail: describe_error_body(&text) }.into()
            );
        }
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text)
            .with_context(|| format!("POST {path}: response is not JSON: {}", truncate(&text, 300)))
    }

    /// Registers an account; returns its bearer token.
    pub async fn register(&self, handle: &str, display_name: &str, password: &str) -> Result<String> {
        let body = json!({"handle": handle, "display_name": display_name, "password": password});
        let v =
            self.post("/api/v1/accounts", None, Some(&body)).await.with_context(|| format!("registering @{handle}"))?;
        string_at(&v, "/token").context("registration response has no \"token\"")
    }

    /// Creates a series; returns its hashtag as the server spells it.
    pub async fn create_series(&self, token: &str, hashtag: &str, title: &str) -> Result<String> {
        let body = json!({"hashtag": hashtag, "title": title});
        let v = self
            .post("/api/v1/series", Some(token), Some(&body))
            .await
            .with_context(|| format!("creating series #{hashtag}"))?;
        Ok(string_at(&v, "/hashtag").unwrap_or_else(|_| format!("#{hashtag}")))
    }

    pub async fn create_session(
        &self,
        token: &str,
        hashtag: &str,
        starts_at: chrono::DateTime<chrono::Utc>,
        minutes: u64,
    ) -> Result<Uuid> {
        let tag = hashtag.trim_start_matches('#');
        let body = json!({"starts_at": starts_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "duration_minutes": minutes});
        let v = self.post(&format!("/api/v1/series/{tag}/sessions"), Some(token), Some(&body)).await?;
        let id = string_at(&v, "/id").context("session response has no \"id\"")?;
        id.parse().with_context(|| format!("session id {id:?} is not a UUID"))
    }

    pub async fn start_session(&self, token: &str, id: Uuid) -> Result<()> {
        self.post(&format!("/api/v1/sessions/{id}/start"), Some(token), None)
            .await
            .with_context(|| format!("starting session {id}"))?;
        Ok(())
    }
}

/// A non-2xx answer.
#[derive(Debug)]
pub struct HttpError {
    method_path: String,
    pub status: StatusCode,
    detail: String,
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} → {}: {}", self.method_path, self.status, self.detail)
    }
}

impl std::error::Error for HttpError {}

/// `code: message` from `{"error":{"code","message"}}`, or the raw body.
pub fn describe_error_body(body: &str) -> String {
    let parsed: Option<(String, String)> = serde_json::from_str::<Value>(body).ok().and_then(|v| {
        let e = v.get("error")?;
        Some((e.get("code")?.as_str()?.to_owned(), e.get("message").and_then(Value::as_str).unwrap_or("").to_owned()))
    });
    match parsed {
        Some((code, message)) if message.is_empty() => code,
        Some((code, message)) => format!("{code}: {message}"),
        None if body.trim().is_empty() => "(empty body)".to_owned(),
        None => truncate(&body.split_whitespace().collect::<Vec<_>>().join(" "), 500),
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn string_at(v: &Value, pointer: &str) -> Result<String> {
    v.pointer(pointer).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| anyhow!("missing string at {pointer}"))
}

/// A short random lowercase tag (base 36) that makes handles and the hashtag unique per run.
pub fn run_tag() -> String {
    let mut n = Uuid::new_v4().as_u128();
    let mut s = String::with_capacity(7);
    for _ in 0..7 {
        let d = u32::try_from(n % 36).unwrap_or(0);
        s.push(char::from_digit(d, 36).unwrap_or('x'));
        n /= 36;
    }
    s
}

/// Handles stay within 15 characters of `[a-z0-9]` (a conservative Twitter-like rule):
/// `b` + 7-character tag + `h` or `p<index>`.
pub fn host_handle(tag: &str) -> String {
    format!("b{tag}h")
}

pub fn poster_handle(tag: &str, index: usize) -> String {
    format!("b{tag}p{index}")
}

/// Registers the host and `posters` accounts, creates the series and a session, starts it.
pub async fn prepare(api: &Api, posters: usize, concurrency: usize, session_minutes: u64) -> Result<Fixture> {
    let tag = run_tag();
    let password = format!("bench-{tag}-password");

    let host_token = api.register(&host_handle(&tag), "Bench host", &password).await?;
    eprintln!("setup: registered host @{}", host_handle(&tag));

    let started = std::time::Instant::now();
    let poster_tokens: Vec<String> = stream::iter(0..posters)
        .map(|i| {
            let password = &password;
            let handle = poster_handle(&tag, i);
            async move { api.register(&handle, &format!("Bench poster {i}"), password).await }
        })
        .buffered(concurrency)
        .try_collect()
        .await?;
    eprintln!("setup: registered {posters} posters in {:.1} s", started.elapsed().as_secs_f64());

    let hashtag = api.create_series(&host_token, &format!("Bench{}", tag.to_uppercase()), "Bench").await?;
    let now = chrono::Utc::now();
    let session_id = match api.create_session(&host_token, &hashtag, now, session_minutes).await {
        Ok(id) => id,
        // A server may refuse a start time that is already (a second) in the past: try once
        // more a minute ahead; `start` makes it live right away either way.
        Err(e) if is_client_error(&e) => {
            eprintln!("setup: session starting now refused ({e:#}); retrying with a start one minute ahead");
            api.create_session(&host_token, &hashtag, now + chrono::Duration::minutes(1), session_minutes)
                .await
                .with_context(|| format!("creating a session in {hashtag}"))?
        }
        Err(e) => return Err(e.context(format!("creating a session in {hashtag}"))),
    };
    api.start_session(&host_token, session_id).await?;
    eprintln!("setup: series {hashtag}, session {session_id} is live");
    if poster_tokens.len() != posters {
        bail!("registered {} posters, wanted {posters}", poster_tokens.len());
    }
    Ok(Fixture { session_id, hashtag, poster_tokens })
}

fn is_client_error(e: &anyhow::Error) -> bool {
    e.downcast_ref::<HttpError>()
        .is_some_and(|h| h.status == StatusCode::BAD_REQUEST || h.status == StatusCode::UNPROCESSABLE_ENTITY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_described() {
        assert_eq!(
            describe_error_body(r#"{"error":{"code":"handle_taken","message":"That handle is taken."}}"#),
            "handle_taken: That handle is taken."
        );
        assert_eq!(describe_error_body(r#"{"error":{"code":"forbidden"}}"#), "forbidden");
        assert_eq!(describe_error_body("Bad Gateway"), "Bad Gateway");
        assert_eq!(describe_error_body(""), "(empty body)");
        assert_eq!(describe_error_body(&"x".repeat(600)).chars().count(), 501);
    }

    #[test]
    fn handles_are_short_and_unique() {
        let a = run_tag();
        let b = run_tag();
        assert_ne!(a, b);
        assert_eq!(a.len(), 7);
        assert!(a.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert!(poster_handle(&a, 99_999).len() <= 15);
        assert!(host_handle(&a).len() <= 15);
    }

    #[test]
    fn http_errors_are_recognised_through_context() {
        let e = anyhow::Error::from(HttpError {
            method_path: "POST /x".into(),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: "invalid_field".into(),
        });
        assert!(is_client_error(&e.context("creating")));
        let e = anyhow::Error::from(HttpError {
            method_path: "POST /x".into(),
            status: StatusCode::FORBIDDEN,
            detail: "forbidden".into(),
        });
        assert!(!is_client_error(&e));
    }
}
