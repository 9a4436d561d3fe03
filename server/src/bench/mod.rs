//! `contacts bench`: server-side timings over generated data, as a Markdown table,
//! with the peers' strategy on the same data as the baseline.

mod baseline;
pub mod size;

use crate::db::{self, DbError, SqlStore};
use crate::seed::{self, SeedOptions};
use axum::{body::Body, http::Request};
use sqlx::AnyPool;
use std::time::Instant;
use tower::ServiceExt;

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub contacts: u64,
    pub iterations: usize,
    pub database_url: Option<String>,
    /// Where the release build's WASM, JS and CSS are, for their sizes.
    pub site_root: std::path::PathBuf,
    /// Only these parts (`pages`, `compare`, `saves`, `export`, `bulk`, `size`); all when empty.
    pub only: Vec<String>,
}

impl BenchOptions {
    fn runs(&self, part: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| p == part)
    }
}

/// The parts of the benchmark, for `--only`.
pub const PARTS: [&str; 6] = ["pages", "compare", "saves", "export", "bulk", "size"];

#[derive(Debug, Clone)]
pub struct Timing {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    /// The footer's total, as the page showed it, or as `count_contacts`
    /// answered when the page left it out.
    pub total: String,
    /// The separate count, when the page came without its total.
    pub count: Option<(f64, f64)>,
}

/// The list query a page URL asks for, as the page reads it.
fn list_query_of(uri: &str) -> app::domain::ListQuery {
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    let pairs = form_urlencoded::parse(query.as_bytes()).into_owned();
    app::contacts::url::ContactsUrl::from_pairs(pairs).list_query()
}

/// The value at quantile `q` (0..=1) of sorted samples, in milliseconds.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Times `GET uri`. With `changing`, every request comes right after a change
/// to the workspace (untimed), so nothing remembered for it can be reused.
async fn time_get(
    app: &axum::Router,
    uri: &str,
    iterations: usize,
    changing: Option<&AnyPool>,
) -> Result<Timing, DbError> {
    let mut samples = Vec::with_capacity(iterations);
    let mut total = String::new();
    for i in 0..iterations + iterations / 10 {
        if let Some(pool) = changing {
            sqlx::query("UPDATE workspaces SET change_seq = change_seq + 1")
                .execute(pool)
                .await?;
        }
        let request = Request::get(uri)
            .body(Body::empty())
            .expect("valid request");
        let start = Instant::now();
        // Each request runs in its own task, as in the server, so a rare panic
        // in rendering fails that request instead of the whole benchmark.
        let response = match tokio::spawn(app.clone().oneshot(request)).await {
            Ok(response) => response.expect("infallible"),
            Err(err) => {
                eprintln!("GET {uri} failed: {err}");
                continue;
            }
        };
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|e| DbError::Query(sqlx::Error::Protocol(e.to_string())))?;
        let elapsed = start.elapsed().as_secs_f64() * 1000.0;
        if !status.is_success() || !body.windows(11).any(|w| w == b"contact-row") {
            return Err(DbError::Query(sqlx::Error::Protocol(format!(
                "GET {uri} answered {status} without rows"
            ))));
        }
        if total.is_empty() {
            total = footer_total(&String::from_utf8_lossy(&body));
        }
        // The first tenth warms caches and is not counted.
        if i >= iterations / 10 {
            samples.push(elapsed);
        }
    }
    samples.sort_by(f64::total_cmp);
    // A page without its total: the browser asks `count_contacts` next.
    let mut count = None;
    if total == "?" {
        use leptos::server_fn::ServerFn;
        let body = serde_json::json!({ "query": list_query_of(uri) }).to_string();
        let mut counts = Vec::new();
        for _ in 0..(iterations / 4).max(3) {
            let (ms, status, _) =
                post(app, app::contacts::total::CountContacts::PATH, body.clone()).await;
            if status != 200 {
                return Err(DbError::Query(sqlx::Error::Protocol(format!(
                    "count for {uri} answered {status}"
                ))));
            }
            counts.push(ms);
        }
        let request = Request::post(app::contacts::total::CountContacts::PATH)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .expect("valid request");
        let response = app.clone().oneshot(request).await.expect("infallible");
        let answer = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        total = String::from_utf8_lossy(&answer).to_string();
        counts.sort_by(f64::total_cmp);
        count = Some((quantile(&counts, 0.50), quantile(&counts, 0.95)));
    }
    Ok(Timing {
        total,
        count,
        p50: quantile(&samples, 0.50),
        p95: quantile(&samples, 0.95),
        p99: quantile(&samples, 0.99),
    })
}

/// The account the benchmark acts as.
const BENCH_USER: &str = "bench@example.com";

pub async fn run(opts: &BenchOptions) -> Result<String, DbError> {
    let url = opts
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://data/bench-{}.db", opts.contacts));
    let pool = db::connect(&url).await?;
    let (have,): (i64,) =
        sqlx::query_as("SELECT CAST(COALESCE(SUM(contact_count), 0) AS BIGINT) FROM workspaces")
            .fetch_one(&pool)
            .await?;
    if (have as u64) < opts.contacts {
        let report = seed::seed(
            &pool,
            &SeedOptions {
                contacts: opts.contacts - have as u64,
                seed: 1,
                workspace: "Bench".into(),
                progress: true,
            },
        )
        .await?;
        eprintln!(
            "seeded {} contacts in {:.1}s",
            report.contacts,
            report.elapsed.as_secs_f64()
        );
    }
    // Start from a checkpointed log, as a server that has been running would:
    // otherwise the first writes pay for copying the seed's whole log.
    if db::Backend::of(&pool) == db::Backend::Sqlite {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await?;
    }
    // As the server does: the search indexes are merged between requests.
    db::merge_search_in_background(&pool);
    let app_pool = pool.clone();
    // Counts are measured, not remembered: the count cache is off here, and
    // measured on its own below.
    let store = SqlStore::new(pool).without_count_cache();
    let compared_store = store.clone();
    // Every request carries an admin's session, as the browser's would.
    let workspace: (String,) = sqlx::query_as("SELECT name FROM workspaces ORDER BY id LIMIT 1")
        .fetch_one(&app_pool)
        .await?;
    db::add_user(
        &app_pool,
        &workspace.0,
        BENCH_USER,
        Some("Benchmark"),
        app::accounts::Role::Admin,
        Some("benchmark-only-password"),
    )
    .await?;
    let cookie = axum::http::HeaderValue::from_str(&format!(
        "{}={}",
        app::accounts::SESSION_COOKIE,
        db::open_session(&store, BENCH_USER).await?
    ))
    .map_err(|e| DbError::Invalid(e.to_string()))?;
    let options = crate::http::leptos_options("target/site", "127.0.0.1:0".parse().expect("addr"));
    // No export limit here: the benchmark streams every contact.
    let app = crate::http::router_with(
        store,
        options,
        crate::http::Limits {
            export_max_rows: u64::MAX,
            import_max_bytes: u64::MAX,
            ..Default::default()
        },
    )
    .layer(axum::middleware::map_request(
        move |mut request: axum::extract::Request| {
            let cookie = cookie.clone();
            async move {
                request
                    .headers_mut()
                    .insert(axum::http::header::COOKIE, cookie);
                request
            }
        },
    ));
    let middle = (opts.contacts / 10 / 2).max(1);
    // A rare term: one contact's email address, which no one else has.
    let rare: Option<(String,)> = sqlx::query_as(
        "SELECT email FROM contacts WHERE email IS NOT NULL ORDER BY id LIMIT 1 OFFSET 777",
    )
    .fetch_optional(&app_pool)
    .await?;
    let rare = rare.map(|(e,)| e).unwrap_or_else(|| "nobody".into());
    let cases = [
        ("first page".to_string(), "/contacts".to_string()),
        (format!("page {middle}"), format!("/contacts?page={middle}")),
        ("sorted by name".into(), "/contacts?sort=name".into()),
        (
            "sorted by a number field".into(),
            field_sort(&app_pool).await?,
        ),
        (
            "search, rare term".into(),
            format!("/contacts?q={}", rare.replace('@', "%40")),
        ),
        ("search, common term".into(), "/contacts?q=example".into()),
        ("search, 3 characters".into(), "/contacts?q=ann".into()),
        ("search, 2 characters".into(), "/contacts?q=li".into()),
        (
            "search, 1 character (王)".into(),
            "/contacts?q=%E7%8E%8B".into(),
        ),
        (
            "search, phone fragment".into(),
            "/contacts?q=%2B49%2015".into(),
        ),
        (
            "filter: plan, created in the last 365 days (a date range), label".into(),
            three_condition_filter(&app_pool).await?,
        ),
        (
            "selecting a segment (the same three conditions)".into(),
            segment_url(&app_pool).await?,
        ),
        (
            "filter with few matches: plan, created on one day, label".into(),
            one_day_filter(&app_pool).await?,
        ),
    ];
    let mut out = String::new();
    out.push_str(&format!(
        "Contacts: {} · iterations: {} · database: {}\n\n",
        opts.contacts, opts.iterations, url
    ));
    out.push_str(
        "| operation (full SSR of the page) | URL | p50 ms | p95 ms | p99 ms | total shown | total apart (count_contacts) p50 / p95 ms |\n",
    );
    out.push_str("|---|---|---:|---:|---:|---:|---:|\n");
    let cases = cases
        .into_iter()
        .map(|(label, uri)| (label, uri, false))
        .chain([(
            format!("page {middle}, each right after a change (no marks to reuse)"),
            format!("/contacts?page={middle}"),
            true,
        )]);
    for (label, uri, changing) in cases.filter(|_| opts.runs("pages")) {
        let changing = changing.then_some(&app_pool);
        let t = time_get(&app, &uri, opts.iterations, changing).await?;
        let count = match t.count {
            Some((p50, p95)) => format!("{p50:.2} / {p95:.2}"),
            None => "with the page".into(),
        };
        let line = format!(
            "| {label} | `{uri}` | {:.2} | {:.2} | {:.2} | {} | {count} |\n",
            t.p50, t.p95, t.p99, t.total
        );
        // Progress as it goes: some cases take a while at a million contacts.
        eprint!("{line}");
        out.push_str(&line);
    }
    if opts.runs("compare") {
        out.push_str(&compare(&compared_store, &app_pool, opts.iterations, &rare, middle).await?);
    }
    out.push_str(
        "\n| write or check (server function) | p50 ms | p95 ms | p99 ms | response bytes |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|\n");
    for line in writes(&app, &app_pool, opts).await? {
        eprint!("{line}");
        out.push_str(&line);
    }
    if opts.runs("size") {
        out.push_str(&size::report(&opts.site_root, "contacts"));
    }
    Ok(out)
}

/// Our store against the peers' strategy, query for query: the page and its
/// total, timed at the store (no rendering on either side), answers compared.
async fn compare(
    store: &SqlStore,
    pool: &sqlx::AnyPool,
    iterations: usize,
    rare: &str,
    middle: u64,
) -> Result<String, DbError> {
    use app::domain::{ListQuery, PAGE_SIZE};
    use app::store::ContactStore;
    use baseline::Narrowing;
    let fail = |e: app::store::StoreError| DbError::Invalid(e.to_string());
    let (ws,): (i64,) = sqlx::query_as("SELECT id FROM workspaces ORDER BY id LIMIT 1")
        .fetch_one(pool)
        .await?;
    let workspace = store
        .workspace(ws)
        .await
        .map_err(fail)?
        .ok_or_else(|| DbError::Invalid("no workspace".into()))?;
    let middle = u32::try_from(middle).unwrap_or(u32::MAX);
    let search = |q: &str| ListQuery {
        page: 1,
        q: q.to_string(),
        ..ListQuery::default()
    };
    let mut cases: Vec<(String, ListQuery, Narrowing<'_>, u32)> = vec![
        ("first page".into(), search(""), Narrowing::None, 1),
        (
            format!("page {middle}"),
            ListQuery {
                page: middle,
                ..ListQuery::default()
            },
            Narrowing::None,
            middle,
        ),
        (
            "search, rare term".into(),
            search(rare),
            Narrowing::Search(rare),
            1,
        ),
        (
            "search, common term".into(),
            search("example"),
            Narrowing::Search("example"),
            1,
        ),
        (
            "search, 3 characters".into(),
            search("ann"),
            Narrowing::Search("ann"),
            1,
        ),
        (
            "search, 2 characters".into(),
            search("li"),
            Narrowing::Search("li"),
            1,
        ),
        (
            "search, phone fragment".into(),
            search("+49 15"),
            // Phones are stored in E.164: the peer would need the digits too.
            Narrowing::Search("4915"),
            1,
        ),
    ];
    if let Some(ThreeConditions {
        filter,
        plan_field,
        label,
        created,
    }) = three_conditions(pool).await?
    {
        cases.push((
            "filter: plan, created in the last 365 days (a date range), label".into(),
            ListQuery {
                page: 1,
                filter,
                ..ListQuery::default()
            },
            Narrowing::ThreeConditions {
                plan_field,
                plan: "Pro",
                created,
                label,
            },
            1,
        ));
    }
    // The baseline scans: a few runs each keep the benchmark's time reasonable.
    let baseline_runs = (iterations / 20).clamp(3, 20);
    let mut out = String::from(
        "\n| ours vs the peers' strategy (store query: page + total) | ours page p50 ms | ours page p95 ms | ours page + total p50 ms | ours page + total p95 ms | baseline p50 ms | baseline p95 ms | baseline ÷ ours (page + total, p50) | same rows and total |\n|---|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for (label, query, narrowing, page) in &cases {
        let mut ours = Vec::with_capacity(iterations);
        let mut pages = Vec::with_capacity(iterations);
        let mut answer = None;
        for _ in 0..iterations {
            let start = Instant::now();
            let result = store.contact_page(&workspace, query).await.map_err(fail)?;
            pages.push(start.elapsed().as_secs_f64() * 1000.0);
            // The browser asks for a total the page left out.
            let total = match result.total {
                Some(total) => total,
                None => store
                    .count_contacts(&workspace, query)
                    .await
                    .map_err(fail)?,
            };
            ours.push(start.elapsed().as_secs_f64() * 1000.0);
            answer = Some(baseline::Answer {
                ids: result.rows.iter().map(|r| r.id).collect(),
                total,
            });
        }
        pages.sort_by(f64::total_cmp);
        let mut theirs = Vec::with_capacity(baseline_runs);
        let mut their_answer = None;
        for _ in 0..baseline_runs {
            let start = Instant::now();
            let result = baseline::list(pool, ws, narrowing, *page, PAGE_SIZE).await?;
            theirs.push(start.elapsed().as_secs_f64() * 1000.0);
            their_answer = Some(result);
        }
        ours.sort_by(f64::total_cmp);
        theirs.sort_by(f64::total_cmp);
        let same = match (&answer, &their_answer) {
            (Some(a), Some(b)) if a == b => "yes".to_string(),
            (Some(a), Some(b)) => format!("**no**: totals {} and {}", a.total, b.total),
            _ => "?".into(),
        };
        let line = format!(
            "| {label} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.1} | {:.0}× | {same} |\n",
            quantile(&pages, 0.5),
            quantile(&pages, 0.95),
            quantile(&ours, 0.5),
            quantile(&ours, 0.95),
            quantile(&theirs, 0.5),
            quantile(&theirs, 0.95),
            quantile(&theirs, 0.5) / quantile(&ours, 0.5),
        );
        eprint!("{line}");
        out.push_str(&line);
    }
    // Paging on through a common search, as a person does: the total is counted
    // for the first page and remembered for the next ones.
    let caching = SqlStore::new(pool.clone());
    let mut next_pages = Vec::with_capacity(iterations);
    for i in 0..iterations {
        if i % 5 == 0 {
            caching
                .contact_page(&workspace, &search("example"))
                .await
                .map_err(fail)?;
        }
        let query = ListQuery {
            page: 2 + (i % 5) as u32,
            ..search("example")
        };
        let start = Instant::now();
        caching
            .contact_page(&workspace, &query)
            .await
            .map_err(fail)?;
        next_pages.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    next_pages.sort_by(f64::total_cmp);
    let line = format!(
        "| search, common term, pages 2–6 after the first (total from the count cache) | {:.2} | {:.2} | | | | | | |\n",
        quantile(&next_pages, 0.5),
        quantile(&next_pages, 0.95),
    );
    eprint!("{line}");
    out.push_str(&line);
    Ok(out)
}

/// The memory this process holds, in MB (Linux): its anonymous resident
/// pages. SQLite's memory map of the database file is resident too, but it is
/// the system's page cache, shared and given back under pressure.
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("RssAnon:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Streams every contact as CSV and reports rows per second and memory.
async fn export_all(app: &axum::Router, pool: &sqlx::AnyPool) -> Result<String, DbError> {
    use futures::StreamExt;
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM contacts")
        .fetch_one(pool)
        .await?;
    let before = rss_mb();
    let request = Request::get(format!("/contacts/export.csv?limit={rows}"))
        .body(Body::empty())
        .expect("valid request");
    let start = Instant::now();
    let response = app.clone().oneshot(request).await.expect("infallible");
    if !response.status().is_success() {
        return Err(DbError::Query(sqlx::Error::Protocol(format!(
            "the export answered {}",
            response.status()
        ))));
    }
    let mut body = response.into_body().into_data_stream();
    let (mut bytes, mut chunks, mut peak) = (0_usize, 0_u64, before);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| DbError::Query(sqlx::Error::Protocol(e.to_string())))?;
        bytes += chunk.len();
        chunks += 1;
        if chunks % 50 == 0 {
            peak = peak.max(rss_mb());
        }
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(format!(
        "| export {rows} contacts to CSV: {:.0} rows/s, {:.1} s, memory held (anonymous resident) {:.0} MB before, {:.0} MB at most while streaming | | | | {bytes} |\n",
        rows as f64 / secs,
        secs,
        before,
        peak.max(rss_mb()),
    ))
}

/// Exports `rows` contacts, then checks and imports that file back (every row
/// matches an existing contact, so the import updates them).
async fn import_rows(app: &axum::Router, rows: u64) -> Result<Vec<String>, DbError> {
    use app::contacts::import::{CheckImport, GetImportProgress, StartImport};
    use leptos::server_fn::ServerFn;
    let fail = |what: &str| DbError::Query(sqlx::Error::Protocol(format!("import bench: {what}")));
    let request = Request::get(format!("/contacts/export.csv?limit={rows}"))
        .body(Body::empty())
        .expect("valid request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let file = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .map_err(|_| fail("export"))?;
    let request = Request::post(app::contacts::import::UPLOAD_PATH)
        .body(Body::from(file))
        .expect("valid request");
    let start = Instant::now();
    let response = app.clone().oneshot(request).await.expect("infallible");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .map_err(|_| fail("upload"))?;
    let upload: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| fail("upload answer"))?;
    let uploaded = start.elapsed().as_secs_f64();
    let request = serde_json::json!({ "id": upload["id"], "mapping": upload["mapping"], "on_existing": "update" });
    let start = Instant::now();
    let (_, status, _) = post(
        app,
        CheckImport::PATH,
        serde_json::json!({ "request": request }).to_string(),
    )
    .await;
    if status != 200 {
        return Err(fail("check"));
    }
    let checked = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let (_, status, _) = post(
        app,
        StartImport::PATH,
        serde_json::json!({ "request": request, "only_valid": true }).to_string(),
    )
    .await;
    if status != 200 {
        return Err(fail("start"));
    }
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let request = Request::post(GetImportProgress::PATH)
            .header("content-type", "application/json")
            .body(Body::from(
                serde_json::json!({ "id": upload["id"] }).to_string(),
            ))
            .expect("valid request");
        let response = app.clone().oneshot(request).await.expect("infallible");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|_| fail("progress"))?;
        let progress: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if progress["finished"] == true {
            break;
        }
    }
    let imported = start.elapsed().as_secs_f64();
    Ok(vec![format!(
        "| import {rows} rows (all updating existing contacts): upload {uploaded:.1} s, check {checked:.1} s, import {imported:.1} s ({:.0} rows/s), memory held now {:.0} MB | | | | |\n",
        rows as f64 / imported,
        rss_mb(),
    )])
}

/// Times one POST of a server function; returns milliseconds, status and body size.
async fn post(app: &axum::Router, path: &str, body: String) -> (f64, u16, usize) {
    let request = Request::post(path)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(Body::from(body))
        .expect("valid request");
    let start = Instant::now();
    let response = match tokio::spawn(app.clone().oneshot(request)).await {
        Ok(response) => response.expect("infallible"),
        Err(_) => return (f64::NAN, 500, 0),
    };
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .map(|b| b.len())
        .unwrap_or(0);
    (start.elapsed().as_secs_f64() * 1000.0, status, bytes)
}

fn row(label: &str, mut samples: Vec<f64>, bytes: usize) -> String {
    samples.sort_by(f64::total_cmp);
    format!(
        "| {label} | {:.2} | {:.2} | {:.2} | {bytes} |\n",
        quantile(&samples, 0.50),
        quantile(&samples, 0.95),
        quantile(&samples, 0.99),
    )
}

/// Inline saves, Live checks and one bulk delete of 10,000 contacts.
async fn writes(
    app: &axum::Router,
    pool: &sqlx::AnyPool,
    opts: &BenchOptions,
) -> Result<Vec<String>, DbError> {
    let iterations = opts.iterations;
    use app::contacts::{bulk_delete::DeleteContacts, live::LiveCheck};
    use leptos::server_fn::ServerFn;
    let mut lines = Vec::new();

    // Inline saves of the email of contacts spread over the table, each against
    // the value read just before (as the browser would send it).
    let mut samples = Vec::new();
    let mut size = 0;
    let saves = if opts.runs("saves") {
        iterations * 10
    } else {
        0
    };
    for i in 0..saves {
        let (id, email, _) = spread_contact(pool, i, saves).await?;
        let change = serde_json::json!({ "field": { "kind": "email" }, "expected": email, "value": format!("bench.{i}@example.com") });
        let (ms, bytes) = timed_save(app, id, change, "an inline save").await?;
        samples.push(ms);
        size = bytes;
    }
    if opts.runs("saves") {
        lines.push(row("inline save (email)", samples, size));

        // The same saves on the opt-in switch, which no search index holds:
        // the difference is what rewriting the contact's search terms costs.
        let mut samples = Vec::new();
        for i in 0..saves {
            let (id, _, opt) = spread_contact(pool, i, saves).await?;
            let change = serde_json::json!({ "field": { "kind": "campaign_opt_in" }, "expected": opt.to_string(), "value": (!opt).to_string() });
            let (ms, bytes) = timed_save(app, id, change, "an opt-in save").await?;
            samples.push(ms);
            size = bytes;
        }
        lines.push(row("inline save (opt-in, no search terms)", samples, size));

        let mut samples = Vec::new();
        for _ in 0..iterations * 5 {
            let (ms, status, bytes) = post(app, LiveCheck::PATH, "{}".into()).await;
            if status != 200 {
                return Err(answered("a live check", status));
            }
            samples.push(ms);
            size = bytes;
        }
        lines.push(row("Live check, nothing changed", samples, size));
    }
    // The export only reads; the bulk part writes (an import, a delete).
    if opts.runs("export") {
        lines.push(export_all(app, pool).await?);
    }
    if !opts.runs("bulk") {
        return Ok(lines);
    }
    lines.extend(import_rows(app, 100_000).await?);

    // One bulk delete: the 10,000 newest contacts, with their conversations.
    let ids: Vec<(i64,)> = sqlx::query_as("SELECT id FROM contacts ORDER BY id DESC LIMIT 10000")
        .fetch_all(pool)
        .await?;
    let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
    let body = serde_json::json!({ "target": { "Ids": ids } });
    let (ms, status, bytes) = post(app, DeleteContacts::PATH, body.to_string()).await;
    if status != 200 {
        return Err(answered("the bulk delete", status));
    }
    lines.push(row(
        &format!("delete {} contacts (one run)", ids.len()),
        vec![ms],
        bytes,
    ));
    Ok(lines)
}

/// The contact the `i`th of `n` saves edits (spread over the table): its id,
/// email and opt-in.
async fn spread_contact(
    pool: &sqlx::AnyPool,
    i: usize,
    n: usize,
) -> Result<(i64, Option<String>, bool), DbError> {
    let (id, email, opt): (i64, Option<String>, i64) = sqlx::query_as(
        "SELECT id, email, CAST(campaign_opt_in AS BIGINT) FROM contacts \
         WHERE id >= (SELECT MAX(id) FROM contacts) * $1 / $2 ORDER BY id LIMIT 1",
    )
    .bind(i as i64 * 7919 % n as i64)
    .bind(n as i64)
    .fetch_one(pool)
    .await?;
    Ok((id, email, opt != 0))
}

/// One inline save of one change: its time and response size.
async fn timed_save(
    app: &axum::Router,
    id: i64,
    change: serde_json::Value,
    what: &str,
) -> Result<(f64, usize), DbError> {
    use app::contacts::inline_edit::SaveContact;
    use leptos::server_fn::ServerFn;
    let body = serde_json::json!({ "id": id, "version": 0, "changes": [change] });
    let (ms, status, bytes) = post(app, SaveContact::PATH, body.to_string()).await;
    if status != 200 {
        return Err(answered(what, status));
    }
    Ok((ms, bytes))
}

/// A request of the benchmark's that was refused.
fn answered(what: &str, status: u16) -> DbError {
    DbError::Query(sqlx::Error::Protocol(format!("{what} answered {status}")))
}

/// The URL of the table sorted by the seed's "lifetime value" number field.
async fn field_sort(pool: &sqlx::AnyPool) -> Result<String, DbError> {
    let id: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM contact_field_defs WHERE key = 'lifetime_value' LIMIT 1")
            .fetch_optional(pool)
            .await?;
    Ok(id.map_or("/contacts".into(), |(id,)| {
        format!("/contacts?sort=field:{id}")
    }))
}

/// The URL of a three-condition filter: a custom field, a date range and a label.
async fn three_condition_filter(pool: &sqlx::AnyPool) -> Result<String, DbError> {
    Ok(match three_conditions(pool).await? {
        Some(three) => app::contacts::url::ContactsUrl::default()
            .with_filter(three.filter)
            .href(),
        None => "/contacts".into(),
    })
}

/// The three conditions with "created on one day" (100 days ago): a filter
/// whose matches are few and far apart in the list's order.
async fn one_day_filter(pool: &sqlx::AnyPool) -> Result<String, DbError> {
    use app::filter::{Op, Value};
    Ok(match three_conditions(pool).await? {
        Some(mut three) => {
            let day = chrono::Utc::now().date_naive() - chrono::Days::new(100);
            three.filter.conditions[1].op = Op::On;
            three.filter.conditions[1].value = Value::Date(day);
            app::contacts::url::ContactsUrl::default()
                .with_filter(three.filter)
                .href()
        }
        None => "/contacts".into(),
    })
}

/// The benchmark's filter, with the ids and bounds the baseline needs.
struct ThreeConditions {
    filter: app::filter::Filter,
    plan_field: i64,
    label: i64,
    /// The created-at range in epoch ms, `[from, before)`.
    created: (i64, i64),
}

/// Plan is Pro, created in the last year, label vip (when the seed has them).
async fn three_conditions(pool: &sqlx::AnyPool) -> Result<Option<ThreeConditions>, DbError> {
    use app::filter::{day_start, Condition, FieldRef, Filter, Join, Op, Value, DAY_MS};
    let plan: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM contact_field_defs WHERE key = 'plan' LIMIT 1")
            .fetch_optional(pool)
            .await?;
    let label: Option<(i64,)> = sqlx::query_as("SELECT id FROM labels WHERE name = 'vip' LIMIT 1")
        .fetch_optional(pool)
        .await?;
    let (Some((plan,)), Some((label,))) = (plan, label) else {
        return Ok(None);
    };
    // A fixed range of days (the last 365 up to today), not "in the last N
    // days": both sides of the comparison then count the same instants however
    // long the benchmark runs.
    let (from, to) = (last_year_start(), chrono::Utc::now().date_naive());
    let filter = Filter {
        join: Join::All,
        conditions: vec![
            Condition {
                field: FieldRef::Custom(plan),
                op: Op::Is,
                value: Value::Text("Pro".into()),
            },
            Condition {
                field: FieldRef::CreatedAt,
                op: Op::Between,
                value: Value::Range(from, to),
            },
            Condition {
                field: FieldRef::Labels,
                op: Op::HasAnyOf,
                value: Value::List(vec![label.to_string()]),
            },
        ],
    };
    Ok(Some(ThreeConditions {
        filter,
        plan_field: plan,
        label,
        created: (day_start(from), day_start(to) + DAY_MS),
    }))
}

/// The first day of the benchmark's "created in the last year" range.
fn last_year_start() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive() - chrono::Days::new(365)
}

/// Saves the three-condition filter as a segment (once) and returns the URL
/// that selects it.
async fn segment_url(pool: &sqlx::AnyPool) -> Result<String, DbError> {
    let Some(ThreeConditions { filter, .. }) = three_conditions(pool).await? else {
        return Ok("/contacts".into());
    };
    let definition = serde_json::to_string(&filter).unwrap_or_default();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO segments (workspace_id, name, definition, created_at, updated_at) \
         SELECT id, 'Bench: Pro, recent, vip', $1, 0, 0 FROM workspaces ORDER BY id LIMIT 1 \
         ON CONFLICT (workspace_id, name) DO UPDATE SET definition = excluded.definition RETURNING id",
    )
    .bind(definition)
    .fetch_one(pool)
    .await?;
    Ok(format!("/contacts?segment={id}"))
}

/// "1,234" from the footer's "Showing 1–10 of 1,234 contacts"; "?" when the
/// footer has no total (it is being counted apart).
fn footer_total(html: &str) -> String {
    html.split("id=\"contacts-total\"")
        .nth(1)
        .and_then(|rest| rest.split("</td>").next())
        .and_then(|cell| cell.split(" of ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or("?")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::{footer_total, quantile};

    #[test]
    fn the_footer_total_is_read_from_the_page() {
        let html =
            r#"<td id="contacts-total" class="table-total">Showing 1–10 of 1,234 contacts</td>"#;
        assert_eq!(footer_total(html), "1,234");
        let counting =
            r#"<td id="contacts-total">Showing 1–10 · counting…</td></tr></tfoot> of the rest"#;
        assert_eq!(footer_total(counting), "?");
    }

    #[test]
    fn quantiles_pick_ranked_samples() {
        let s: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&s, 0.5), 51.0);
        assert_eq!(quantile(&s, 0.95), 95.0);
        assert_eq!(quantile(&s, 1.0), 100.0);
        assert!(quantile(&[], 0.5).is_nan());
    }
}
