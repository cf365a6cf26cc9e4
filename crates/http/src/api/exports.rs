//! Exports of archived sessions (JSON, CSV, Markdown, standalone HTML) and the import of a JSON
//! export. No export holds a hidden message; every one is built from the same visible rows.

use super::Path;
use super::archives::{archived_figures, escape_html, find_series, permalink, readable_session, transcript_link};
use super::sessions::{SessionDetail, require_role};
use crate::auth::{MaybeSignedIn, SignedIn};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tweetchat_domain::Role;
use tweetchat_domain::archive::{ArchivedMessage, Figures, group_by_question};
use tweetchat_storage::archive::{ExportDocument, Imported, archived, kind_str};
use tweetchat_storage::sessions::Session;
use utoipa::ToSchema;
use uuid::Uuid;

/// The largest file an import accepts.
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

/// The standalone page must work when saved anywhere, and nothing in it may run.
const HTML_EXPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const HTML_STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}\
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}\
ol{list-style:none;padding:0}li{margin:.6rem 0}.reply{margin-left:1.5rem;border-left:3px solid #ddd;padding-left:.6rem}\
.who{font-weight:600}time{color:#555;font-size:.9em}.text{white-space:pre-wrap;margin:.1rem 0}";

/// One export format.
#[derive(Debug, Clone, Copy)]
enum Format {
    Json,
    Csv,
    Markdown,
    Html,
}

impl Format {
    fn parse(name: &str) -> Result<Format, ApiError> {
        match name {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "md" | "markdown" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            other => Err(ApiError::Invalid(format!("format: {other:?} is not one of json, csv, md, html"))),
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
}

/// Everything a text export shows, read once.
struct Transcript<'a> {
    session: &'a Session,
    figures: &'a Figures,
    messages: Vec<ArchivedMessage>,
}

/// Export an archived session's transcript: `json`, `csv`, `md` or `html`.
#[utoipa::path(get, path = "/api/v1/sessions/{id}/export/{format}", tag = "archives",
    params(("id" = Uuid, Path), ("format" = String, Path, description = "json, csv, md or html")),
    responses((status = 200, description = "The file, as an attachment"), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    MaybeSignedIn(user): MaybeSignedIn,
    Path((id, format)): Path<(Uuid, String)>,
) -> Result<Response, ApiError> {
    let format = Format::parse(&format)?;
    let session = readable_session(&state, id, user.is_some()).await?;
    let figures = archived_figures(&state, &session, "exports are available").await?;
    let body = match format {
        Format::Json => {
            let document = state.db.export(&session).await?.ok_or(ApiError::NotFound("session"))?;
            serde_json::to_string_pretty(&document).map_err(|e| ApiError::Internal(Box::new(e)))?
        }
        other => {
            let rows = state.db.visible_messages(id).await?;
            let transcript =
                Transcript { session: &session, figures: &figures, messages: rows.iter().map(archived).collect() };
            match other {
                Format::Csv => csv_export(&state, &transcript)?,
                Format::Markdown => markdown_export(&state, &transcript),
                _ => html_export(&state, &transcript),
            }
        }
    };
    let name = format!(
        "{}-{}.{}",
        session.hashtag.trim_start_matches('#').to_lowercase(),
        session.starts_at.format("%Y-%m-%d"),
        format.extension()
    );
    let mut response = ([(header::CONTENT_TYPE, format.content_type())], body).into_response();
    // The name is a hashtag (letters, digits, `_`), a date and an extension: no quoting issues.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    if matches!(format, Format::Html) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(HTML_EXPORT_CSP));
    }
    Ok(response)
}

fn csv_export(state: &AppState, t: &Transcript<'_>) -> Result<String, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| ApiError::Internal(Box::new(e));
    writer
        .write_record([
            "id",
            "seq",
            "kind",
            "created_at",
            "author_handle",
            "author_display_name",
            "question",
            "answers",
            "reply_to",
            "likes",
            "text",
            "permalink",
        ])
        .map_err(internal)?;
    let text = |v: Option<String>| v.unwrap_or_default();
    for m in &t.messages {
        writer
            .write_record([
                m.id.to_string(),
                m.seq.to_string(),
                kind_str(m.kind).to_owned(),
                m.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                text(m.author.as_ref().map(|a| a.handle.clone())),
                text(m.author.as_ref().map(|a| a.display_name.clone())),
                text(m.question_number.map(|n| n.to_string())),
                text(m.answers_question.map(|n| n.to_string())),
                text(m.reply_to.map(|r| r.to_string())),
                m.likes.to_string(),
                m.text.clone(),
                permalink(state, t.session.id, m.id),
            ])
            .map_err(internal)?;
    }
    let bytes = writer.into_inner().map_err(|e| ApiError::Internal(Box::new(e.into_error())))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(Box::new(e)))
}

/// Text that Markdown shows exactly as written: HTML's special characters as entities (so a
/// `<script>` is never raw HTML), Markdown's own escaped with a backslash, and line breaks kept
/// inside the list item (`indent`).
fn markdown_text(text: &str, indent: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (n, line) in text.lines().enumerate() {
        if n > 0 {
            out.push_str("\\\n");
            out.push_str(indent);
        }
        for c in line.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' | '!' | '(' | ')' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
    out
}

fn who(m: &ArchivedMessage) -> String {
    m.author.as_ref().map_or_else(|| "tweetchat".to_owned(), |a| a.handle.clone())
}

fn summary_line(f: &Figures) -> String {
    format!(
        "{} participants, {} messages, {} questions, {} replies, {} likes",
        f.participants,
        f.messages,
        f.questions.len(),
        f.replies,
        f.likes
    )
}

fn markdown_export(state: &AppState, t: &Transcript<'_>) -> String {
    let s = t.session;
    let mut out = format!(
        "# {}: {}\n\n{} (UTC). {}.\n\nTranscript: <{}>\n",
        markdown_text(&s.hashtag, ""),
        markdown_text(&s.title, ""),
        s.starts_at.format("%Y-%m-%d %H:%M"),
        summary_line(t.figures),
        transcript_link(state, s.id)
    );
    for group in group_by_question(&t.messages) {
        let mut entries = group.entries.iter();
        // A question's group starts with the question itself, which becomes the heading.
        let heading = match group.question {
            Some(_) => entries.next().map(|&(q, _)| markdown_text(&t.messages[q].text, "")).unwrap_or_default(),
            None => "Conversation".to_owned(),
        };
        out.push_str(&format!("\n## {heading}\n\n"));
        for &(i, depth) in entries {
            let m = &t.messages[i];
            let indent = "  ".repeat(depth as usize);
            out.push_str(&format!(
                "{indent}- **{}** ({}): {}\n",
                markdown_text(&who(m), ""),
                m.created_at.format("%H:%M"),
                markdown_text(&m.text, &format!("{indent}  "))
            ));
        }
    }
    out
}

fn html_export(state: &AppState, t: &Transcript<'_>) -> String {
    let s = t.session;
    let title = escape_html(&format!("{}: {}", s.hashtag, s.title));
    let mut out = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{HTML_EXPORT_CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <style>{HTML_STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n<p>{} (UTC). {}. \
         <a href=\"{}\">Transcript online</a>.</p>\n",
        s.starts_at.format("%Y-%m-%d %H:%M"),
        escape_html(&summary_line(t.figures)),
        escape_html(&transcript_link(state, s.id))
    );
    for group in group_by_question(&t.messages) {
        let mut entries = group.entries.iter();
        let heading = match group.question {
            Some(_) => entries.next().map(|&(q, _)| t.messages[q].text.clone()).unwrap_or_default(),
            None => "Conversation".to_owned(),
        };
        out.push_str(&format!("<section>\n<h2>{}</h2>\n<ol>\n", escape_html(&heading)));
        for &(i, depth) in entries {
            let m = &t.messages[i];
            let class = if depth > 0 { " class=\"reply\"" } else { "" };
            let style =
                if depth > 1 { format!(" style=\"margin-left:{}rem\"", 1.5 * f64::from(depth)) } else { String::new() };
            out.push_str(&format!(
                "<li id=\"m-{}\"{class}{style}><span class=\"who\">{}</span> <time datetime=\"{}\">{}</time>\
                 <p class=\"text\">{}</p></li>\n",
                m.id,
                escape_html(&who(m)),
                m.created_at.to_rfc3339(),
                m.created_at.format("%H:%M"),
                escape_html(&m.text)
            ));
        }
        out.push_str("</ol>\n</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// `false` when this session was already here: nothing was written.
    pub imported: bool,
    pub session: SessionDetail,
}

/// Import a JSON export (the body is the file). The series is created if it does not exist
/// here; otherwise the caller must be one of its hosts. An API token needs the `moderate`
/// scope. All or nothing; the same file twice imports once.
#[utoipa::path(post, path = "/api/v1/archives/import", tag = "archives",
    request_body(content = Object, description = "A JSON export (docs/archive-format.md)", content_type = "application/json"),
    responses((status = 201, body = ImportResult), (status = 200, body = ImportResult), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: SignedIn,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    caller.require_moderate_scope()?;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::Invalid(format!("file: larger than the import limit of {} MiB", MAX_IMPORT_BYTES / (1024 * 1024)))
        } else {
            ApiError::Invalid(format!("file: {}", rejection.body_text()))
        }
    })?;
    let document: ExportDocument = serde_json::from_slice(&body)
        .map_err(|e| ApiError::Invalid(format!("file: not a tweetchat JSON export ({e})")))?;
    let hashtag = document.validate()?;
    if let Ok(series) = find_series(&state, hashtag.as_str()).await {
        require_role(&state, series.id, &caller, Role::Host).await?;
    }
    match state.db.import(&document, caller.user.id).await? {
        Imported::New(session) => {
            Ok((StatusCode::CREATED, Json(ImportResult { imported: true, session: SessionDetail::from(&session) })))
        }
        Imported::AlreadyPresent(session) => {
            Ok((StatusCode::OK, Json(ImportResult { imported: false, session: SessionDetail::from(&session) })))
        }
    }
}
