//! Archives: listings with their frozen figures, transcripts grouped by question, the post-chat
//! digest, full-text search and Atom feeds. Exports and imports are in [`super::exports`].

use super::sessions::SessionDetail;
use super::{Path, Query};
use crate::auth::MaybeSignedIn;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tweetchat_domain::archive::{Figures, group_by_question};
use tweetchat_domain::{Handle, Hashtag};
use tweetchat_hub::render;
use tweetchat_protocol::MessageView;
use tweetchat_storage::archive::{ArchivedSession, MATCH_END, MATCH_START, SearchOrder, SearchQuery, archived};
use tweetchat_storage::series::Series;
use tweetchat_storage::sessions::Session;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Where a message can be read by anyone who may read its transcript.
pub(crate) fn permalink(state: &AppState, session: Uuid, message: Uuid) -> String {
    format!("{}/transcript.html?session={session}#m-{message}", state.config.public_base_url.trim_end_matches('/'))
}

pub(crate) fn transcript_link(state: &AppState, session: Uuid) -> String {
    format!("{}/transcript.html?session={session}", state.config.public_base_url.trim_end_matches('/'))
}

/// The session, if the caller may read it; 404 for an unknown one, 401 for a private series
/// read anonymously (as the transcript does).
pub(crate) async fn readable_session(state: &AppState, id: Uuid, signed_in: bool) -> Result<Session, ApiError> {
    let session = state.db.session(id).await.map_err(ApiError::from_storage("session"))?;
    if !signed_in && !session.allow_viewers {
        return Err(ApiError::Unauthenticated);
    }
    Ok(session)
}

/// The figures of an archived session, or the `conflict` error that says it is not archived yet.
pub(crate) async fn archived_figures(state: &AppState, session: &Session, what: &str) -> Result<Figures, ApiError> {
    state.db.figures(session).await?.ok_or_else(|| {
        ApiError::Conflict(format!("session: {what} once the session is archived; it is {}", session.status().as_str()))
    })
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Skip this many (for the next page: the previous page's `next_offset`).
    pub offset: Option<i64>,
    /// At most this many, 1 to 100; default 20.
    pub limit: Option<i64>,
}

impl PageQuery {
    fn bounds(&self, default: i64, max: i64) -> Result<(i64, i64), ApiError> {
        let limit = self.limit.unwrap_or(default);
        if !(1..=max).contains(&limit) {
            return Err(ApiError::Invalid(format!("limit: must be between 1 and {max}")));
        }
        Ok((self.offset.unwrap_or(0).max(0), limit))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveSummary {
    pub session: SessionDetail,
    /// The figures frozen when the session was archived (see docs/api.md, Figures).
    #[schema(value_type = Object)]
    pub figures: Figures,
    /// The transcript page.
    pub transcript_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveList {
    /// Newest first.
    pub archives: Vec<ArchiveSummary>,
    /// Pass as `offset` for the next page; absent on the last page.
    pub next_offset: Option<i64>,
}

fn summary(state: &AppState, a: &ArchivedSession) -> ArchiveSummary {
    ArchiveSummary {
        session: SessionDetail::from(&a.session),
        figures: a.figures.clone(),
        transcript_url: transcript_link(state, a.session.id),
    }
}

async fn list(
    state: &AppState,
    series: Option<&Series>,
    public_only: bool,
    page: &PageQuery,
) -> Result<ArchiveList, ApiError> {
    let (offset, limit) = page.bounds(20, 100)?;
    let rows = state.db.archives(series.map(|s| s.id), public_only, offset, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let archives: Vec<ArchiveSummary> =
        rows.iter().take(usize::try_from(limit).unwrap_or(0)).map(|a| summary(state, a)).collect();
    Ok(ArchiveList { next_offset: more.then_some(offset + limit), archives })
}

pub(crate) async fn find_series(state: &AppState, hashtag: &str) -> Result<Series, ApiError> {
    let hashtag = Hashtag::parse(hashtag).map_err(|_| ApiError::NotFound("series"))?;
    state.db.series_by_hashtag(&hashtag).await.map_err(ApiError::from_storage("series"))
}

/// Archived sessions of every series open to viewers (all series for signed-in callers), newest first.
#[utoipa::path(get, path = "/api/v1/archives", tag = "archives", params(PageQuery),
    responses((status = 200, body = ArchiveList), (status = 422, body = crate::error::ErrorBody)))]
pub async fn site(
    State(state): State<AppState>,
    MaybeSignedIn(user): MaybeSignedIn,
    Query(page): Query<PageQuery>,
) -> Result<Json<ArchiveList>, ApiError> {
    Ok(Json(list(&state, None, user.is_none(), &page).await?))
}

/// Archived sessions of one series, newest first.
#[utoipa::path(get, path = "/api/v1/series/{hashtag}/archives", tag = "archives", params(("hashtag" = String, Path), PageQuery),
    responses((status = 200, body = ArchiveList), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn of_series(
    State(state): State<AppState>,
    MaybeSignedIn(user): MaybeSignedIn,
    Path(hashtag): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<ArchiveList>, ApiError> {
    let series = find_series(&state, &hashtag).await?;
    if user.is_none() && !series.allow_viewers {
        return Err(ApiError::Unauthenticated);
    }
    Ok(Json(list(&state, Some(&series), false, &page).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct GroupedQuery {
    /// Skip this many messages of the grouped order (the previous page's `next_after`).
    pub after: Option<i64>,
    /// At most this many messages, 1 to 1000; default 200.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupedEntry {
    /// 0 for a question or an answer; 1 for a reply to it, and so on.
    pub depth: u32,
    pub permalink: String,
    pub message: MessageView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TranscriptGroup {
    /// The question number; absent for the conversation (messages that answer nothing).
    pub question: Option<u32>,
    /// `Q1`, `Q2`, ... or `conversation`.
    pub label: String,
    pub entries: Vec<GroupedEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupedTranscript {
    pub session: SessionDetail,
    /// This page's groups, in order; a group cut by the page's end goes on in the next page.
    pub groups: Vec<TranscriptGroup>,
    /// Visible messages in the whole transcript.
    pub total: i64,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

/// A session's transcript grouped by question: Q1, its answers and their reply threads, then Q2,
/// ..., then the conversation. Hidden messages are left out.
#[utoipa::path(get, path = "/api/v1/sessions/{id}/transcript/grouped", tag = "archives", params(("id" = Uuid, Path), GroupedQuery),
    responses((status = 200, body = GroupedTranscript), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn grouped(
    State(state): State<AppState>,
    MaybeSignedIn(user): MaybeSignedIn,
    Path(id): Path<Uuid>,
    Query(query): Query<GroupedQuery>,
) -> Result<Json<GroupedTranscript>, ApiError> {
    let session = readable_session(&state, id, user.is_some()).await?;
    let limit = query.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::Invalid("limit: must be between 1 and 1000".into()));
    }
    let after = query.after.unwrap_or(0).max(0);
    let rows = state.db.visible_messages(id).await?;
    let messages: Vec<_> = rows.iter().map(archived).collect();
    let flat: Vec<(Option<u32>, usize, u32)> = group_by_question(&messages)
        .into_iter()
        .flat_map(|g| g.entries.into_iter().map(move |(i, depth)| (g.question, i, depth)))
        .collect();
    let start = usize::try_from(after).unwrap_or(usize::MAX).min(flat.len());
    let end = start.saturating_add(usize::try_from(limit).unwrap_or(0)).min(flat.len());
    let mut groups: Vec<TranscriptGroup> = Vec::new();
    for &(question, i, depth) in &flat[start..end] {
        if groups.last().is_none_or(|g| g.question != question) {
            let label = question.map_or_else(|| "conversation".to_owned(), tweetchat_domain::question_label);
            groups.push(TranscriptGroup { question, label, entries: Vec::new() });
        }
        if let Some(group) = groups.last_mut() {
            group.entries.push(GroupedEntry {
                depth,
                permalink: permalink(&state, id, rows[i].id),
                message: render::message_view(&rows[i]),
            });
        }
    }
    Ok(Json(GroupedTranscript {
        session: SessionDetail::from(&session),
        groups,
        total: flat.len() as i64,
        next_after: (end < flat.len()).then_some(end as i64),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DigestQuestion {
    pub number: u32,
    pub text: String,
    pub answers: u64,
    pub messages: u64,
    pub permalink: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Digest {
    pub session: SessionDetail,
    pub transcript_url: String,
    pub questions: Vec<DigestQuestion>,
    /// Links shared, most shared first.
    #[schema(value_type = Vec<Object>)]
    pub links: Vec<tweetchat_domain::archive::LinkCount>,
    /// Handles of first-time participants.
    pub newcomers: Vec<String>,
    #[schema(value_type = Object)]
    pub figures: Figures,
}

/// The post-chat digest of an archived session: figures, questions with their answer counts,
/// links shared and newcomers, ready to share.
#[utoipa::path(get, path = "/api/v1/sessions/{id}/digest", tag = "archives", params(("id" = Uuid, Path)),
    responses((status = 200, body = Digest), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn digest(
    State(state): State<AppState>,
    MaybeSignedIn(user): MaybeSignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<Digest>, ApiError> {
    let session = readable_session(&state, id, user.is_some()).await?;
    let figures = archived_figures(&state, &session, "the digest is ready").await?;
    let rows = state.db.visible_messages(id).await?;
    let questions = figures
        .questions
        .iter()
        .map(|q| DigestQuestion {
            number: q.number,
            text: q.text.clone(),
            answers: q.answers,
            messages: q.messages,
            permalink: rows
                .iter()
                .find(|m| m.question_number.and_then(|n| u32::try_from(n).ok()) == Some(q.number))
                .map_or_else(|| transcript_link(&state, id), |m| permalink(&state, id, m.id)),
        })
        .collect();
    Ok(Json(Digest {
        session: SessionDetail::from(&session),
        transcript_url: transcript_link(&state, id),
        questions,
        links: figures.links.clone(),
        newcomers: figures.first_time_participants.clone(),
        figures,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Words to find; quotes, `or` and `-word` work as in web search engines. 1 to 200 characters.
    pub q: String,
    /// Only this series (without `#`).
    pub hashtag: Option<String>,
    /// Only this author (with or without `@`).
    pub author: Option<String>,
    /// Messages written at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Messages written before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Only the question with this number and the answers labelled for it.
    pub question: Option<i32>,
    /// `relevance` (the default): best match first, among the newest 1,000 matches;
    /// `newest`: newest first, over every match.
    pub sort: Option<SearchSort>,
    pub offset: Option<i64>,
    /// 1 to 100; default 20.
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchSort {
    Relevance,
    Newest,
}

impl From<SearchSort> for SearchOrder {
    fn from(sort: SearchSort) -> Self {
        match sort {
            SearchSort::Relevance => SearchOrder::Relevance,
            SearchSort::Newest => SearchOrder::Newest,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    pub message_id: Uuid,
    pub session_id: Uuid,
    pub session_title: String,
    pub hashtag: String,
    pub seq: i64,
    pub author: Option<String>,
    pub created_at: DateTime<Utc>,
    pub question: Option<i32>,
    pub answers: Option<i32>,
    /// The matching passage as HTML: the message text escaped, matches in `<mark>`.
    pub snippet_html: String,
    pub permalink: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub results: Vec<SearchResult>,
    pub next_offset: Option<i64>,
}

pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Full-text search over the visible messages of public archived transcripts.
#[utoipa::path(get, path = "/api/v1/search", tag = "archives", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 422, body = crate::error::ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let text = params.q.trim();
    if text.is_empty() || text.chars().count() > 200 {
        return Err(ApiError::Invalid("q: must be 1 to 200 characters".into()));
    }
    if text.contains('\0') {
        return Err(ApiError::Invalid("q: must not contain NUL characters".into()));
    }
    let (offset, limit) = PageQuery { offset: params.offset, limit: params.limit }.bounds(20, 100)?;
    let hashtag = params.hashtag.as_deref().map(Hashtag::parse).transpose()?;
    let author = params.author.as_deref().map(Handle::parse).transpose()?;
    let query = SearchQuery {
        text: text.to_owned(),
        hashtag,
        author,
        from: params.from,
        to: params.to,
        question: params.question,
        order: params.sort.map_or(SearchOrder::Relevance, SearchOrder::from),
        offset,
        limit: limit + 1,
    };
    let hits = state.db.search(&query).await?;
    let more = hits.len() as i64 > limit;
    let results = hits
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|hit| SearchResult {
            permalink: permalink(&state, hit.session_id, hit.message_id),
            snippet_html: escape_html(&hit.snippet).replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>"),
            message_id: hit.message_id,
            session_id: hit.session_id,
            session_title: hit.session_title,
            hashtag: hit.hashtag,
            seq: hit.seq,
            author: hit.author_handle,
            created_at: hit.created_at,
            question: hit.question_number,
            answers: hit.answers_question,
        })
        .collect();
    Ok(Json(SearchResults { results, next_offset: more.then_some(offset + limit) }))
}

/// Entries in a feed: the newest archives.
const FEED_ENTRIES: i64 = 50;

fn feed(state: &AppState, title: String, self_path: &str, archives: &[ArchivedSession]) -> Response {
    use atom_syndication::{Entry, Feed, Link, Text};
    let base = state.config.public_base_url.trim_end_matches('/');
    let link = |href: String, rel: &str| Link { href, rel: rel.to_owned(), ..Link::default() };
    let entries: Vec<Entry> = archives
        .iter()
        .map(|a| {
            let f = &a.figures;
            let updated = a.session.archived_at.unwrap_or(a.session.ends_at);
            Entry {
                id: format!("urn:uuid:{}", a.session.id),
                title: Text::plain(format!("{}: {}", a.session.hashtag, a.session.title)),
                updated: updated.into(),
                published: Some(a.session.starts_at.into()),
                links: vec![link(transcript_link(state, a.session.id), "alternate")],
                summary: Some(Text::plain(format!(
                    "{} participants, {} messages, {} questions, {} links shared.",
                    f.participants,
                    f.messages,
                    f.questions.len(),
                    f.links.len()
                ))),
                ..Entry::default()
            }
        })
        .collect();
    let updated = archives.iter().filter_map(|a| a.session.archived_at).max().unwrap_or(DateTime::UNIX_EPOCH);
    let feed = Feed {
        id: format!("{base}{self_path}"),
        title: Text::plain(title),
        updated: updated.into(),
        links: vec![link(format!("{base}{self_path}"), "self"), link(format!("{base}/"), "alternate")],
        entries,
        ..Feed::default()
    };
    ([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], feed.to_string()).into_response()
}

/// An Atom feed of the newest archived transcripts of every series open to viewers.
#[utoipa::path(get, path = "/api/v1/archives.atom", tag = "archives",
    responses((status = 200, description = "Atom feed", content_type = "application/atom+xml")))]
pub async fn site_feed(State(state): State<AppState>) -> Result<Response, ApiError> {
    let archives = state.db.archives(None, true, 0, FEED_ENTRIES).await?;
    Ok(feed(&state, "tweetchat: new archives".into(), "/api/v1/archives.atom", &archives))
}

/// An Atom feed of the newest archived transcripts of one series.
#[utoipa::path(get, path = "/api/v1/series/{hashtag}/archives.atom", tag = "archives", params(("hashtag" = String, Path)),
    responses((status = 200, description = "Atom feed", content_type = "application/atom+xml"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn series_feed(State(state): State<AppState>, Path(hashtag): Path<String>) -> Result<Response, ApiError> {
    let series = find_series(&state, &hashtag).await?;
    // Feed readers do not sign in: a private series has no feed.
    if !series.allow_viewers {
        return Err(ApiError::NotFound("series"));
    }
    let archives = state.db.archives(Some(series.id), true, 0, FEED_ENTRIES).await?;
    let path = format!("/api/v1/series/{}/archives.atom", series.hashtag.trim_start_matches('#').to_lowercase());
    Ok(feed(&state, format!("{}: new archives", series.hashtag), &path, &archives))
}
