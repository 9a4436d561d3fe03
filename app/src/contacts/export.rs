//! Downloading contacts as CSV: the dialog (how many, in which order, with which
//! additional data) and the rules every cell follows. The file itself is streamed
//! by the server's plain GET route `/contacts/export.csv`, so the browser
//! downloads it natively; the page shows progress for large exports.

use super::url::ContactsUrl;
use crate::error::AppError;
use crate::format;
use leptos::server_fn::codec::Json;
use leptos::{html, prelude::*};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The route that streams the file.
pub const EXPORT_PATH: &str = "/contacts/export.csv";
/// The most contacts one export may hold unless the operator sets another.
pub const DEFAULT_MAX_ROWS: u64 = 100_000;
/// "Recent sessions": the contact's latest conversations that labels and
/// conversation fields are taken from.
pub const RECENT_CONVERSATIONS: i64 = 5;

/// The order of the file, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ExportSort {
    #[default]
    LastInteraction,
    CreatedAt,
}

impl ExportSort {
    pub fn param(self) -> &'static str {
        match self {
            ExportSort::LastInteraction => "last_interaction",
            ExportSort::CreatedAt => "created_at",
        }
    }

    pub fn parse(s: &str) -> Option<ExportSort> {
        [ExportSort::LastInteraction, ExportSort::CreatedAt]
            .into_iter()
            .find(|o| o.param() == s)
    }
}

/// What the dialog asks for, beyond the list's search, filter and segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportOptions {
    pub limit: u64,
    pub sort: ExportSort,
    pub labels: bool,
    pub conversation_fields: bool,
    /// Names this download for progress reports.
    pub token: Option<String>,
}

impl ExportOptions {
    /// Reads the dialog's options from the route's query parameters.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Result<ExportOptions, String> {
        let limit = match get("limit") {
            None => DEFAULT_MAX_ROWS,
            Some(n) => n
                .trim()
                .parse::<u64>()
                .map_err(|_| "The number of contacts must be a whole number.".to_string())?,
        };
        let sort = match get("by") {
            None => ExportSort::default(),
            Some(s) => ExportSort::parse(&s)
                .ok_or_else(|| "Sort by last interaction or created date.".to_string())?,
        };
        let token = get("token").filter(|t| {
            !t.is_empty() && t.len() <= 64 && t.chars().all(|c| c.is_ascii_alphanumeric())
        });
        Ok(ExportOptions {
            limit,
            sort,
            labels: get("labels").as_deref() == Some("1"),
            conversation_fields: get("conversation_fields").as_deref() == Some("1"),
            token,
        })
    }

    /// Checks the number of contacts against the allowed range.
    pub fn check(&self, max: u64) -> Result<(), String> {
        if self.limit == 0 || self.limit > max {
            return Err(format!(
                "Choose between 1 and {} contacts.",
                format::count(max as i64)
            ));
        }
        Ok(())
    }
}

/// The download link: the page's search, filter and segment plus the options.
pub fn export_href(url: &ContactsUrl, options: &ExportOptions) -> String {
    let list = ContactsUrl {
        page: 1,
        contact: None,
        edit: false,
        sort: Default::default(),
        ..url.clone()
    }
    .href();
    let query = list.split_once('?').map(|(_, q)| q).unwrap_or("");
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    parts.push(format!("limit={}", options.limit));
    parts.push(format!("by={}", options.sort.param()));
    if options.labels {
        parts.push("labels=1".into());
    }
    if options.conversation_fields {
        parts.push("conversation_fields=1".into());
    }
    if let Some(token) = &options.token {
        parts.push(format!("token={token}"));
    }
    format!("{EXPORT_PATH}?{}", parts.join("&"))
}

/// The file name: the day of the download, UTC.
pub fn file_name(now_ms: i64) -> String {
    format!(
        "contacts-{}.csv",
        crate::filter::day_of(now_ms).format("%Y-%m-%d")
    )
}

/// Characters that make a spreadsheet evaluate a cell when they lead it.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a value would be evaluated, or would be mistaken for a neutralized
/// one (apostrophes before a trigger), and so needs a leading apostrophe.
fn needs_apostrophe(value: &str) -> bool {
    value.trim_start_matches('\'').starts_with(TRIGGERS)
}

/// A cell a spreadsheet will show as text, never evaluate (OWASP CSV injection):
/// a value starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
/// leading apostrophe, which spreadsheets hide and read as "this is text".
/// Phone numbers are written in E.164 (`+15551234567`) and so get one too: they
/// stay readable and can never run. Import removes the apostrophe again; a value
/// that itself starts with apostrophes before such a character gets one more, so
/// the round trip is exact.
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    if needs_apostrophe(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// The inverse of [`safe_cell`], for import.
pub fn unsafe_cell(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if needs_apostrophe(rest) => rest,
        _ => value,
    }
}

/// Where a running export stands, for the page's progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ExportProgress {
    pub written: u64,
    pub total: u64,
    pub done: bool,
}

/// Progress of the exports running on this server, by token. Provided by the server.
#[derive(Clone, Default)]
pub struct ExportProgressBoard(
    pub std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, ExportProgress>>>,
);

impl ExportProgressBoard {
    /// Tokens are per workspace: another workspace's token finds nothing.
    pub fn key(workspace: i64, token: &str) -> String {
        format!("{workspace}:{token}")
    }

    pub fn set(&self, token: &str, progress: ExportProgress) {
        if let Ok(mut board) = self.0.lock() {
            // Finished exports are forgotten once read; keep the board small anyway.
            if board.len() > 1_000 {
                board.retain(|_, p| !p.done);
            }
            board.insert(token.to_string(), progress);
        }
    }

    pub fn get(&self, token: &str) -> Option<ExportProgress> {
        self.0.lock().ok()?.get(token).copied()
    }
}

/// The export limit of this server (the operator can change it).
#[derive(Debug, Clone, Copy)]
pub struct ExportLimit(pub u64);

#[server(input = Json)]
pub async fn get_export_limit() -> Result<u64, AppError> {
    crate::store::respond(async move {
        crate::accounts::require_admin()?;
        Ok(use_context::<ExportLimit>().map_or(DEFAULT_MAX_ROWS, |l| l.0))
    })
    .await
}

#[server(input = Json)]
pub async fn get_export_progress(token: String) -> Result<Option<ExportProgress>, AppError> {
    crate::store::respond(async move {
        let session = crate::accounts::require_admin()?;
        Ok(use_context::<ExportProgressBoard>()
            .and_then(|b| b.get(&ExportProgressBoard::key(session.workspace_id, &token))))
    })
    .await
}

/// A token for one download: the time it started, which tells a person's
/// downloads apart (a rare clash only mixes up two progress bars).
fn new_token() -> String {
    format!("{:x}", chrono::Utc::now().timestamp_millis())
}

/// What the dialog needs to know about the list shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListInfo {
    /// `None` while the list is being counted.
    pub total: Option<i64>,
    pub has_conversation_fields: bool,
}

#[component]
pub fn ExportButton(url: ReadSignal<ContactsUrl>, info: StoredValue<ListInfo>) -> impl IntoView {
    let open = RwSignal::new(false);
    let progress = RwSignal::new(None::<ExportProgress>);
    view! {
        <button type="button" class="button" on:click=move |_| open.set(true)>"Download CSV"</button>
        <Show when=move || open.get()>
            {move || {
                let ListInfo { total, has_conversation_fields } = info.get_value();
                Suspend::new(export_dialog(
                    url.get_untracked(),
                    total,
                    has_conversation_fields,
                    progress,
                    Callback::new(move |_| open.set(false)),
                ))
            }}
        </Show>
        {move || progress.get().map(|p| {
            let text = if p.done {
                format!("CSV ready: {} exported.", format::plural(p.written as i64, "contact", "contacts"))
            } else {
                format!("Preparing CSV… {} of {} contacts", format::count(p.written as i64), format::count(p.total as i64))
            };
            view! {
                <div class="export-progress" role="status" aria-live="polite">
                    <span>{text}</span>
                    <progress max=p.total.max(1) value=p.written></progress>
                </div>
            }
        })}
    }
}

/// The export dialog's code is loaded the first time someone opens it.
#[lazy]
async fn export_dialog(
    url: ContactsUrl,
    total: Option<i64>,
    has_conversation_fields: bool,
    progress: RwSignal<Option<ExportProgress>>,
    on_close: Callback<()>,
) -> AnyView {
    view! { <ExportDialog url total has_conversation_fields progress on_close/> }.into_any()
}

#[component]
fn ExportDialog(
    url: ContactsUrl,
    total: Option<i64>,
    has_conversation_fields: bool,
    progress: RwSignal<Option<ExportProgress>>,
    on_close: Callback<()>,
) -> impl IntoView {
    let limit = crate::json::resource(|| (), |_| get_export_limit());
    let count = RwSignal::new(String::new());
    let sort = RwSignal::new(ExportSort::LastInteraction);
    let labels = RwSignal::new(false);
    let conversation_fields = RwSignal::new(false);
    let token = StoredValue::new(new_token());
    let first_input = NodeRef::<html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = first_input.get() {
            let _ = input.focus();
        }
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    };
    view! {
        <div class="dialog-backdrop" on:click=move |_| on_close.run(())></div>
        <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="export-title" on:keydown=on_keydown>
            <h2 id="export-title">"Download contacts as CSV"</h2>
            <Suspense fallback=|| view! { <p role="status">"Loading…"</p> }>
                {move || {
                    let url = url.clone();
                    Suspend::new(async move {
                        let max = limit.await.unwrap_or(DEFAULT_MAX_ROWS);
                        // Until the list is counted, its size is bounded by the limit alone.
                        let upper = total.map_or(max, |t| t.max(0) as u64).min(max).max(1);
                        if count.get_untracked().is_empty() {
                            count.set(upper.to_string());
                        }
                        let options = move || -> Result<ExportOptions, String> {
                            let limit = count
                                .get()
                                .trim()
                                .parse::<u64>()
                                .map_err(|_| "Enter a whole number of contacts.".to_string())?;
                            let options = ExportOptions {
                                limit,
                                sort: sort.get(),
                                labels: labels.get(),
                                conversation_fields: conversation_fields.get() && has_conversation_fields,
                                token: Some(token.get_value()),
                            };
                            options.check(upper)?;
                            Ok(options)
                        };
                        let error = move || options().err();
                        let download = move |ev: leptos::ev::MouseEvent| {
                            let Ok(options) = options() else {
                                ev.prevent_default();
                                return;
                            };
                            // The browser follows the link natively; the token lets the
                            // page ask the server how far it has got.
                            progress.set(Some(ExportProgress { written: 0, total: options.limit, done: false }));
                            watch_progress(token.get_value(), progress);
                            // Closed after the click: a link removed while it is being
                            // followed would not download.
                            set_timeout(move || on_close.run(()), std::time::Duration::from_millis(100));
                        };
                        let href = {
                            let url = url.clone();
                            move || options().map(|o| export_href(&url, &o)).unwrap_or_default()
                        };
                        view! {
                            <div class="editor">
                                <div class="editor-row">
                                    <label for="export-count">"Number of contacts"</label>
                                    <input
                                        id="export-count"
                                        type="number"
                                        min="1"
                                        max=upper
                                        node_ref=first_input
                                        aria-describedby="export-range export-error"
                                        aria-invalid=move || error().is_some().to_string()
                                        prop:value=move || count.get()
                                        on:input=move |ev| count.set(event_target_value(&ev))
                                    />
                                    <p class="muted small" id="export-range">
                                        {format!("Between 1 and {} (the {}).", format::count(upper as i64),
                                            if total.is_some_and(|t| (t.max(0) as u64) <= max) { "contacts in this list" } else { "most one file may hold" })}
                                    </p>
                                    {move || error().map(|e| view! { <p class="field-error" id="export-error" role="alert">{e}</p> })}
                                </div>
                                <fieldset class="editor-row">
                                    <legend>"Sort by"</legend>
                                    <label class="check">
                                        <input type="radio" name="export-sort" prop:checked=move || sort.get() == ExportSort::LastInteraction
                                            on:change=move |_| sort.set(ExportSort::LastInteraction)/>
                                        "Last interaction"
                                    </label>
                                    <label class="check">
                                        <input type="radio" name="export-sort" prop:checked=move || sort.get() == ExportSort::CreatedAt
                                            on:change=move |_| sort.set(ExportSort::CreatedAt)/>
                                        "Created date"
                                    </label>
                                </fieldset>
                                <fieldset class="editor-row">
                                    <legend>"Additional data"</legend>
                                    <label class="check">
                                        <input type="checkbox" prop:checked=move || labels.get()
                                            on:change=move |ev| labels.set(event_target_checked(&ev))/>
                                        "Include labels from recent sessions"
                                    </label>
                                    {has_conversation_fields.then(|| view! {
                                        <label class="check">
                                            <input type="checkbox" prop:checked=move || conversation_fields.get()
                                                on:change=move |ev| conversation_fields.set(event_target_checked(&ev))/>
                                            "Include custom fields from recent sessions"
                                        </label>
                                    })}
                                    <p class="muted small">
                                        {format!("Recent sessions are each contact's latest {RECENT_CONVERSATIONS} conversations.")}
                                    </p>
                                </fieldset>
                                <div class="dialog-actions">
                                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                                    <a
                                        class="button primary"
                                        class:disabled=move || error().is_some()
                                        aria-disabled=move || error().is_some().to_string()
                                        href=href
                                        download=file_name(chrono::Utc::now().timestamp_millis())
                                        on:click=download
                                    >
                                        "Download"
                                    </a>
                                </div>
                            </div>
                        }
                    })
                }}
            </Suspense>
        </div>
    }
}

/// Polls the server for the download's progress until it is done.
#[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
fn watch_progress(token: String, progress: RwSignal<Option<ExportProgress>>) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let mut misses = 0;
        loop {
            gloo_timers::future::TimeoutFuture::new(400).await;
            match get_export_progress(token.clone()).await {
                Ok(Some(p)) => {
                    misses = 0;
                    if progress.try_set(Some(p)).is_some() {
                        break;
                    }
                    if p.done {
                        gloo_timers::future::TimeoutFuture::new(4_000).await;
                        progress.try_set(None);
                        break;
                    }
                }
                // Not started yet, or the server forgot it: give up after a while.
                _ => {
                    misses += 1;
                    if misses > 50 {
                        progress.try_set(None);
                        break;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralized_and_restored_on_import() {
        for dangerous in ["=1+1", "+15551234567", "-2", "@SUM(A1)", "\tx", "\rx"] {
            let safe = safe_cell(dangerous);
            assert!(safe.starts_with('\''), "{dangerous:?}");
            assert_eq!(unsafe_cell(&safe), dangerous);
        }
        for tricky in ["'=1", "''+2", "'"] {
            assert_eq!(unsafe_cell(&safe_cell(tricky)), tricky);
        }
        for plain in ["Ann", "ann@example.com", "'quoted'", "1+1", ""] {
            assert_eq!(safe_cell(plain), plain);
            assert_eq!(unsafe_cell(plain), plain);
        }
    }

    #[test]
    fn the_download_link_keeps_the_lists_search_filter_and_segment() {
        let url = ContactsUrl {
            page: 4,
            q: "müller".into(),
            segment: None,
            contact: Some(3),
            ..Default::default()
        };
        let options = ExportOptions {
            limit: 250,
            sort: ExportSort::CreatedAt,
            labels: true,
            conversation_fields: false,
            token: Some("abc".into()),
        };
        assert_eq!(
            export_href(&url, &options),
            "/contacts/export.csv?q=m%C3%BCller&limit=250&by=created_at&labels=1&token=abc"
        );
        let get = |k: &str| match k {
            "limit" => Some("250".to_string()),
            "by" => Some("created_at".to_string()),
            "labels" => Some("1".to_string()),
            "token" => Some("abc".to_string()),
            _ => None,
        };
        assert_eq!(ExportOptions::from_query(get), Ok(options));
    }

    #[test]
    fn the_number_of_contacts_stays_in_range() {
        let at = |limit| ExportOptions {
            limit,
            sort: ExportSort::LastInteraction,
            labels: false,
            conversation_fields: false,
            token: None,
        };
        assert!(at(0).check(100).is_err());
        assert!(at(1).check(100).is_ok());
        assert!(at(100).check(100).is_ok());
        assert_eq!(
            at(101).check(100),
            Err("Choose between 1 and 100 contacts.".into())
        );
        assert!(ExportOptions::from_query(|k| (k == "limit").then(|| "ten".into())).is_err());
        assert!(ExportOptions::from_query(|k| (k == "by").then(|| "name".into())).is_err());
    }

    #[test]
    fn files_are_named_with_the_utc_day() {
        assert_eq!(file_name(1_764_028_800_000), "contacts-2025-11-25.csv");
    }
}
