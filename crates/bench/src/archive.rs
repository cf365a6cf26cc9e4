//! The archive benchmark: fill a database with archived chats, then time transcript reads and
//! full-text searches over HTTP against a running server.
//!
//! The generator writes straight into PostgreSQL with `generate_series`: a million messages
//! through the websocket would take hours and measure the hub, not the archive. It runs once per
//! database; a second run finds the series it made and only measures.

use crate::stats::{self, Percentiles};
use anyhow::{Context as _, Result, bail};
use clap::Args;
use sqlx::Connection as _;
use std::time::{Duration, Instant};
use uuid::Uuid;

#[derive(Debug, Clone, Args)]
pub struct ArchiveArgs {
    /// PostgreSQL of the server under test (already migrated: start the server first).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,

    /// Base URL of the server under test.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,

    /// Archived sessions to generate.
    #[arg(long, default_value_t = 10_000)]
    pub sessions: i64,

    /// Messages to generate over all sessions.
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: i64,

    /// Messages of the one large session whose transcript is timed.
    #[arg(long, default_value_t = 5_000)]
    pub large_transcript: i64,

    /// Timed requests of each kind (after 10 untimed ones).
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
}

/// Words the generated messages are made of, and the searches are drawn from.
const WORDS: &[&str] = &[
    "handover",
    "shift",
    "patient",
    "ward",
    "nurse",
    "doctor",
    "checklist",
    "safety",
    "medication",
    "rota",
    "night",
    "staffing",
    "training",
    "mentor",
    "student",
    "community",
    "discharge",
    "family",
    "care",
    "plan",
    "team",
    "listen",
    "time",
    "quiet",
    "notes",
    "record",
    "escalate",
    "risk",
    "falls",
    "pressure",
    "ulcer",
    "nutrition",
    "hydration",
    "dementia",
    "delirium",
    "pain",
    "comfort",
    "dignity",
    "respect",
    "burnout",
    "wellbeing",
    "break",
    "support",
    "leadership",
    "manager",
    "policy",
    "audit",
    "quality",
    "improvement",
    "learning",
    "reflection",
    "feedback",
    "compassion",
    "courage",
    "commitment",
    "communication",
    "language",
    "interpreter",
    "consent",
    "capacity",
    "advocacy",
    "infection",
    "hands",
    "gloves",
    "apron",
    "isolation",
    "vaccine",
    "clinic",
    "theatre",
    "recovery",
    "midwife",
    "district",
    "hospice",
    "palliative",
    "stroke",
    "cardiac",
    "respiratory",
    "oxygen",
    "observations",
    "sepsis",
    "fluids",
    "bloods",
    "results",
    "referral",
    "pathway",
    "waiting",
    "bed",
    "flow",
    "agency",
    "bank",
    "recruitment",
    "retention",
    "uniform",
    "parking",
    "coffee",
    "tea",
    "chocolate",
    "kindness",
    "humour",
    "story",
    "question",
    "answer",
    "idea",
    "change",
];

const SERIES_PREFIX: &str = "bencharchive";

pub async fn run(args: &ArchiveArgs) -> Result<()> {
    if args.sessions < 2 || args.messages < args.large_transcript + args.sessions - 1 || args.large_transcript < 20 {
        bail!("need at least 2 sessions, a large transcript of 20 or more, and enough messages for one per session");
    }
    let mut db = sqlx::PgConnection::connect(&args.database_url).await.context("connecting to the database")?;
    let generated: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM series WHERE hashtag_key = $1)")
        .bind(format!("{SERIES_PREFIX}1"))
        .fetch_one(&mut db)
        .await
        .context("is the database migrated? start the server on it first")?;
    if generated {
        eprintln!("archive data found; measuring only");
    } else {
        generate(&mut db, args).await?;
    }
    let large: Uuid = sqlx::query_scalar(
        "SELECT s.id FROM sessions s JOIN series r ON r.id = s.series_id
          WHERE r.hashtag_key LIKE $1 ORDER BY s.last_seq DESC LIMIT 1",
    )
    .bind(format!("{SERIES_PREFIX}%"))
    .fetch_one(&mut db)
    .await
    .context("finding the large session")?;
    let counts: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM sessions WHERE status = 'archived'), (SELECT count(*) FROM messages)",
    )
    .fetch_one(&mut db)
    .await?;
    println!("database: {} archived sessions, {} messages; large session {large}", counts.0, counts.1);
    measure(args, large).await
}

async fn generate(db: &mut sqlx::PgConnection, args: &ArchiveArgs) -> Result<()> {
    let started = Instant::now();
    eprintln!("generating {} sessions and {} messages ...", args.sessions, args.messages);
    sqlx::query(
        "INSERT INTO users (id, handle, handle_key, display_name)
         SELECT gen_random_uuid(), '@bench_u' || g, 'bench_u' || g, 'Bench person ' || g FROM generate_series(1, 1000) g
         ON CONFLICT DO NOTHING",
    )
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO series (id, hashtag, hashtag_key, title, owner_id)
         SELECT gen_random_uuid(), '#BenchArchive' || g, $1 || g, 'Bench archive ' || g,
                (SELECT id FROM users WHERE handle_key = 'bench_u1')
           FROM generate_series(1, 20) g",
    )
    .bind(SERIES_PREFIX)
    .execute(&mut *db)
    .await?;
    // Session 1 is the large one; the other messages are shared out evenly.
    let rest = args.messages - args.large_transcript;
    let others = args.sessions - 1;
    sqlx::query(
        "CREATE TEMP TABLE bench_sessions AS
         SELECT g AS n, gen_random_uuid() AS id,
                (SELECT id FROM series WHERE hashtag_key = $1 || (1 + g % 20)) AS series_id,
                date_trunc('hour', now()) - make_interval(hours => (g * 2)::int) AS starts_at,
                CASE WHEN g = 1 THEN $2 ELSE $3 / $4 + CASE WHEN g - 1 <= $3 % $4 THEN 1 ELSE 0 END END AS count
           FROM generate_series(1, $4 + 1) g",
    )
    .bind(SERIES_PREFIX)
    .bind(args.large_transcript)
    .bind(rest)
    .bind(others)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO sessions (id, series_id, title, starts_at, ends_at, status, next_due_at, started_at, closed_at,
                               archived_at, last_seq)
         SELECT id, series_id, 'Bench chat ' || n, starts_at, starts_at + interval '1 hour', 'archived', NULL, starts_at,
                starts_at + interval '1 hour', starts_at + interval '75 minutes', count
           FROM bench_sessions",
    )
    .execute(&mut *db)
    .await?;
    let words: Vec<String> = WORDS.iter().map(|w| (*w).to_owned()).collect();
    let chunk = 500;
    let mut from = 1;
    while from <= args.sessions {
        // Every 20th message is a question; a third of the rest answer it with `A<n>`. The word
        // subquery names `i`, so PostgreSQL draws new words for every row.
        sqlx::query(
            "INSERT INTO messages (id, session_id, seq, kind, author_id, text, question_number, answers_question, likes,
                                   created_at)
             SELECT gen_random_uuid(), s.id, i,
                    CASE WHEN i % 20 = 1 THEN 'question' ELSE 'post' END,
                    u.ids[1 + ((s.n * 7919 + i * 104729) % array_length(u.ids, 1))],
                    CASE WHEN i % 20 = 1 THEN 'Q' || (i / 20 + 1) || ': '
                         WHEN i % 3 = 0 THEN 'A' || (i / 20 + 1) || ' ' ELSE '' END
                    || (SELECT string_agg(($3::text[])[1 + floor(random() * array_length($3::text[], 1))::int], ' ')
                          FROM generate_series(1, 6 + i % 10) k),
                    CASE WHEN i % 20 = 1 THEN i / 20 + 1 END,
                    CASE WHEN i % 20 <> 1 AND i % 3 = 0 THEN i / 20 + 1 END,
                    (i * 31) % 7,
                    s.starts_at + make_interval(secs => i * 3600.0 / s.count)
               FROM bench_sessions s
               CROSS JOIN LATERAL generate_series(1, s.count) i
               CROSS JOIN (SELECT array_agg(id) AS ids FROM users WHERE handle_key LIKE 'bench\\_u%') u
              WHERE s.n BETWEEN $1 AND $2",
        )
        .bind(from)
        .bind(from + chunk - 1)
        .bind(&words)
        .execute(&mut *db)
        .await
        .context("inserting messages")?;
        from += chunk;
        eprintln!(
            "  sessions up to {} of {} ({:.0} s)",
            (from - 1).min(args.sessions),
            args.sessions,
            started.elapsed().as_secs_f64()
        );
    }
    sqlx::query("ANALYZE").execute(&mut *db).await?;
    println!("generated in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Times `requests` GETs of the paths `path_of(i)` gives, after ten untimed ones.
async fn time_gets(
    http: &reqwest::Client,
    base: &str,
    requests: usize,
    path_of: impl Fn(usize) -> String,
) -> Result<Percentiles> {
    let mut histogram = stats::merged();
    for i in 0..requests + 10 {
        let path = path_of(i);
        let started = Instant::now();
        let response = http.get(format!("{base}{path}")).send().await.with_context(|| format!("GET {path}"))?;
        let status = response.status();
        let body = response.bytes().await?;
        let took = started.elapsed();
        if !status.is_success() {
            bail!("GET {path}: {status}: {}", String::from_utf8_lossy(&body));
        }
        if i >= 10 {
            stats::record_merged(&mut histogram, took);
        }
    }
    Ok(Percentiles::of(&histogram))
}

/// Times reading the whole transcript of `session` page by page, as a reader's browser does.
async fn time_whole_transcript(
    http: &reqwest::Client,
    base: &str,
    requests: usize,
    session: Uuid,
) -> Result<Percentiles> {
    let mut histogram = stats::merged();
    for i in 0..requests + 10 {
        let started = Instant::now();
        let mut after = 0;
        loop {
            let path = format!("/api/v1/sessions/{session}/transcript?limit=1000&after={after}");
            let response = http.get(format!("{base}{path}")).send().await.with_context(|| format!("GET {path}"))?;
            if !response.status().is_success() {
                bail!("GET {path}: {}", response.status());
            }
            let page: serde_json::Value = response.json().await?;
            match page["next_after"].as_i64() {
                Some(next) => after = next,
                None => break,
            }
        }
        if i >= 10 {
            stats::record_merged(&mut histogram, started.elapsed());
        }
    }
    Ok(Percentiles::of(&histogram))
}

async fn measure(args: &ArchiveArgs, large: Uuid) -> Result<()> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let base = args.url.trim_end_matches('/');
    let n = args.requests;
    let word = |i: usize| WORDS[(i * 7 + 3) % WORDS.len()];
    // The generator writes no figures; the server computes and stores them on first read, as
    // for an archive from before figures existed. Read the listed pages once so that the timed
    // reads are what readers of a real archive see.
    for i in 1..=20 {
        for offset in [0, 40] {
            http.get(format!("{base}/api/v1/series/{SERIES_PREFIX}{i}/archives?offset={offset}")).send().await?;
        }
    }
    let pages = usize::try_from((args.large_transcript + 999) / 1000).unwrap_or(1);
    let rows: Vec<(&str, Percentiles)> = vec![
        (
            "transcript page (1000 messages)",
            time_gets(&http, base, n, |i| {
                format!("/api/v1/sessions/{large}/transcript?limit=1000&after={}", (i % pages) * 1000)
            })
            .await?,
        ),
        ("whole transcript, page by page", time_whole_transcript(&http, base, n, large).await?),
        (
            "grouped transcript page (1000)",
            time_gets(&http, base, n, |i| {
                format!("/api/v1/sessions/{large}/transcript/grouped?limit=1000&after={}", (i % pages) * 1000)
            })
            .await?,
        ),
        (
            "JSON export (whole transcript)",
            time_gets(&http, base, n, |_| format!("/api/v1/sessions/{large}/export/json")).await?,
        ),
        ("archives, site-wide, first page", time_gets(&http, base, n, |_| "/api/v1/archives".to_owned()).await?),
        (
            "archives of a hashtag, page 3",
            time_gets(&http, base, n, |i| format!("/api/v1/series/{SERIES_PREFIX}{}/archives?offset=40", 1 + i % 20))
                .await?,
        ),
        ("Atom feed, site-wide", time_gets(&http, base, n, |_| "/api/v1/archives.atom".to_owned()).await?),
        ("search, one word", time_gets(&http, base, n, |i| format!("/api/v1/search?q={}", word(i))).await?),
        (
            "search, one word, newest first",
            time_gets(&http, base, n, |i| format!("/api/v1/search?q={}&sort=newest", word(i))).await?,
        ),
        (
            "search, one word, page 5",
            time_gets(&http, base, n, |i| format!("/api/v1/search?q={}&offset=80", word(i))).await?,
        ),
        (
            "search, two words + hashtag",
            time_gets(&http, base, n, |i| {
                format!("/api/v1/search?q={}%20{}&hashtag={SERIES_PREFIX}{}", word(i), word(i + 1), 1 + i % 20)
            })
            .await?,
        ),
        (
            "search, word + author + dates",
            time_gets(&http, base, n, |i| {
                format!(
                    "/api/v1/search?q={}&author=bench_u{}&from=2025-06-01T00:00:00Z&to=2026-06-01T00:00:00Z",
                    word(i),
                    1 + i % 1000
                )
            })
            .await?,
        ),
    ];
    println!("{:<34} {:>7} {:>9} {:>9} {:>9}", "request", "count", "p50 ms", "p99 ms", "max ms");
    for (name, p) in rows {
        println!("{name:<34} {:>7} {:>9.1} {:>9.1} {:>9.1}", p.count, p.p50_ms, p.p99_ms, p.max_ms);
    }
    Ok(())
}
