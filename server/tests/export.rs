//! The CSV download: what the file holds, in which order, and that spreadsheets
//! can open it safely.

mod common;

use common::{contact, conversation, field_def, spawn_app, spawn_app_with, TestApp};

async fn download(app: &TestApp, query: &str) -> (u16, String, String) {
    let res = app
        .client
        .get(app.url(&format!("/contacts/export.csv?{query}")))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let disposition = res
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, disposition, res.text().await.unwrap())
}

fn records(body: &str) -> Vec<Vec<String>> {
    let body = body.strip_prefix('\u{feff}').expect("a byte order mark");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn label(app: &TestApp, ws: i64, name: &str) -> i64 {
    sqlx::query_as::<_, (i64,)>(
        "INSERT INTO labels (workspace_id, name, color) VALUES ($1, $2, '#000') RETURNING id",
    )
    .bind(ws)
    .bind(name)
    .fetch_one(&app.pool)
    .await
    .unwrap()
    .0
}

#[tokio::test]
async fn the_file_follows_the_search_and_order_with_readable_headers() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let plan = field_def(&app.pool, ws, "plan", "select", &["Free", "Pro"]).await;
    let tags = field_def(&app.pool, ws, "tags", "multi_select", &["a", "b"]).await;
    let ann = contact(
        &app.pool,
        ws,
        "Ann Müller",
        Some("ann@example.com"),
        Some("+15551234567"),
        2,
    )
    .await;
    contact(&app.pool, ws, "Bob Müller", None, None, 1).await;
    contact(&app.pool, ws, "Carl Other", None, None, 3).await;
    for (field, value) in [(plan, "Pro"), (tags, r#"["a","b"]"#)] {
        sqlx::query(
            "INSERT INTO contact_field_values (contact_id, field_id, value) VALUES ($1, $2, $3)",
        )
        .bind(ann)
        .bind(field)
        .bind(value)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let (status, disposition, body) =
        download(&app, "q=m%C3%BCller&limit=10&by=last_interaction").await;
    assert_eq!(status, 200, "{body}");
    let today = chrono::Utc::now().format("%Y-%m-%d");
    assert_eq!(
        disposition,
        format!("attachment; filename=\"contacts-{today}.csv\"")
    );
    assert!(body.contains("\r\n"), "RFC 4180 line ends");
    let rows = records(&body);
    assert_eq!(
        rows[0],
        [
            "Name",
            "Email",
            "Phone",
            "Created At",
            "Last Interaction",
            "Campaign Opt-in",
            "plan",
            "tags"
        ]
    );
    assert_eq!(rows.len(), 3, "the search narrows the file: {rows:?}");
    assert_eq!(rows[1][0], "Bob Müller", "newest interaction first");
    assert_eq!(rows[2][0], "Ann Müller");
    assert_eq!(rows[2][1], "ann@example.com");
    assert_eq!(
        rows[2][2], "'+15551234567",
        "a phone is text, never a formula"
    );
    assert!(
        rows[2][3].ends_with('Z') && rows[2][3].contains('T'),
        "ISO 8601 UTC: {}",
        rows[2][3]
    );
    assert_eq!(rows[2][5], "no");
    assert_eq!(&rows[2][6..], ["Pro", "a; b"]);

    let (_, _, body) = download(&app, "limit=2&by=created_at").await;
    let rows = records(&body);
    assert_eq!(rows.len(), 3, "the limit holds");
    assert_eq!(
        (rows[1][0].as_str(), rows[2][0].as_str()),
        ("Bob Müller", "Ann Müller")
    );
}

#[tokio::test]
async fn cells_a_spreadsheet_would_evaluate_are_neutralized_and_quoting_is_rfc_4180() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    for (i, name) in [
        "=HYPERLINK(\"http://evil\")",
        "+SUM(1)",
        "-2+3",
        "@cmd",
        "\tTabbed",
        "Comma, \"quoted\"\nnewline",
    ]
    .iter()
    .enumerate()
    {
        contact(&app.pool, ws, name, None, None, i as i64).await;
    }
    let (status, _, body) = download(&app, "limit=10").await;
    assert_eq!(status, 200);
    let names: Vec<String> = records(&body)
        .into_iter()
        .skip(1)
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(
        names,
        [
            "'=HYPERLINK(\"http://evil\")",
            "'+SUM(1)",
            "'-2+3",
            "'@cmd",
            "'\tTabbed",
            "Comma, \"quoted\"\nnewline",
        ]
    );
    assert!(
        body.contains("\"Comma, \"\"quoted\"\"\nnewline\""),
        "quotes doubled inside quotes"
    );
}

#[tokio::test]
async fn labels_and_conversation_fields_come_from_recent_conversations_when_asked() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let id = contact(&app.pool, ws, "Ann", None, None, 1).await;
    let old = label(&app, ws, "old-news").await;
    let vip = label(&app, ws, "vip").await;
    let (priority,): (i64,) = sqlx::query_as(
        "INSERT INTO conversation_field_defs (workspace_id, key, label, field_type, options, position) \
         VALUES ($1, 'priority', 'Priority', 'text', '[]', 1) RETURNING id",
    )
    .bind(ws)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // Seven conversations, oldest first: only the latest five are "recent".
    for i in 0..7_i64 {
        let conv = conversation(&app.pool, ws, id).await;
        sqlx::query("UPDATE conversations SET last_message_at = $1 WHERE id = $2")
            .bind(1_000 + i)
            .bind(conv)
            .execute(&app.pool)
            .await
            .unwrap();
        let tag = if i == 0 { old } else { vip };
        sqlx::query("INSERT INTO conversation_labels (conversation_id, label_id) VALUES ($1, $2)")
            .bind(conv)
            .bind(tag)
            .execute(&app.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO conversation_field_values (conversation_id, field_id, value) VALUES ($1, $2, $3)")
            .bind(conv)
            .bind(priority)
            .bind(format!("p{i}"))
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let (_, _, plain) = download(&app, "limit=5").await;
    assert_eq!(
        records(&plain)[0].len(),
        6,
        "no additional columns unless asked"
    );

    let (status, _, body) = download(&app, "limit=5&labels=1&conversation_fields=1").await;
    assert_eq!(status, 200, "{body}");
    let rows = records(&body);
    assert_eq!(
        &rows[0][6..],
        [
            "Labels (recent conversations)",
            "Priority (recent conversations)"
        ]
    );
    assert_eq!(rows[1][6], "vip", "the oldest conversation is not recent");
    assert_eq!(rows[1][7], "p6", "the value of the latest conversation");
}

#[tokio::test]
async fn a_number_outside_the_allowed_range_is_refused_with_a_message() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    contact(&app.pool, ws, "Ann", None, None, 1).await;
    for query in ["limit=0", "limit=100001", "limit=ten", "by=name"] {
        let (status, _, body) = download(&app, query).await;
        assert_eq!(status, 422, "{query}");
        assert!(!body.to_lowercase().contains("sql"), "{body}");
        assert!(body.len() < 200 && !body.is_empty(), "{body}");
    }
    let broken = "f=%7B%22join%22%3A%22all%22%2C%22conditions%22%3A%5B%7B%22field%22%3A%7B%22kind%22%3A%22custom%22%2C%22id%22%3A999%7D%2C%22op%22%3A%22is_empty%22%7D%5D%7D";
    let (status, _, body) = download(&app, broken).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.starts_with("Filter condition 1"), "{body}");
}

#[tokio::test]
async fn an_export_streams_many_rows_and_reports_progress() {
    let app = spawn_app().await;
    app.seed(3_000, "Acme").await;
    let (status, _, body) = download(&app, "limit=3000&token=t1").await;
    assert_eq!(status, 200);
    assert_eq!(records(&body).len(), 3_001);
    let (status, progress) = app
        .call(
            <app::contacts::export::GetExportProgress as leptos::server_fn::ServerFn>::PATH,
            serde_json::json!({ "token": "t1" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        progress,
        serde_json::json!({ "written": 3000, "total": 3000, "done": true })
    );
}

#[tokio::test]
async fn a_compressed_download_is_complete() {
    let app = spawn_app().await;
    app.seed(500, "Acme").await;
    let res = app
        .client
        .get(app.url("/contacts/export.csv?limit=500"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let body = res
        .bytes()
        .await
        .expect("the whole body, not a cut connection");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut text).unwrap();
    assert_eq!(records(&text).len(), 501);
}

/// The export's order as the database gives it: by `column` descending, then
/// by id, the contacts without a value last.
async fn names_in_order(app: &TestApp, ws: i64, column: &str, limit: i64) -> Vec<Vec<String>> {
    sqlx::query_as::<_, (String, String)>(&format!(
        "SELECT name, COALESCE(email, '') FROM contacts WHERE workspace_id = $1 \
         ORDER BY {column} IS NULL, {column} DESC, id DESC LIMIT $2"
    ))
    .bind(ws)
    .bind(limit)
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(name, email)| vec![name, email])
    .collect()
}

#[tokio::test]
async fn an_export_read_in_many_chunks_keeps_every_contact_once_in_order() {
    let app = spawn_app_with(|store| store.with_export_chunk(7)).await;
    let ws = app.seed(300, "Acme").await;
    // Ties and contacts without an interaction: the chunks must resume right
    // within equal values and across the boundary to the missing ones.
    sqlx::query(
        "UPDATE contacts SET last_interaction_at = CASE WHEN id % 5 = 0 THEN NULL \
         ELSE 1700000000000 + (id % 13) * 1000 END, created_at = 1600000000000 + (id % 11) * 1000 \
         WHERE workspace_id = $1",
    )
    .bind(ws)
    .execute(&app.pool)
    .await
    .unwrap();
    for (by, column) in [
        ("last_interaction", "last_interaction_at"),
        ("created_at", "created_at"),
    ] {
        // All, a limit inside a chunk, and one ending among the missing values.
        for limit in [300, 123, 250] {
            let (status, _, body) = download(&app, &format!("limit={limit}&by={by}")).await;
            assert_eq!(status, 200, "{body}");
            let file: Vec<Vec<String>> = records(&body)
                .into_iter()
                .skip(1)
                .map(|r| r[..2].to_vec())
                .collect();
            assert_eq!(
                file,
                names_in_order(&app, ws, column, limit).await,
                "by {by}, limit {limit}"
            );
        }
    }
}

/// Saves one custom field the way the table's cell does.
async fn save_field(app: &TestApp, id: i64, field: i64, expected: Option<&str>, value: &str) {
    let version = common::version(&app.pool, id).await.unwrap();
    let change = serde_json::json!({ "field": { "kind": "custom", "id": field }, "expected": expected, "value": value });
    let (status, body) = app.save(id, version, vec![change]).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn edited_and_cleared_field_values_show_in_the_next_export() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let plan = field_def(&app.pool, ws, "plan", "select", &["Free", "Pro"]).await;
    let company = field_def(&app.pool, ws, "company", "text", &[]).await;
    let ann = contact(&app.pool, ws, "Ann", None, None, 1).await;
    let fields = |body: String| records(&body)[1][6..].to_vec();

    save_field(&app, ann, plan, None, "Pro").await;
    save_field(&app, ann, company, None, "Acme GmbH").await;
    assert_eq!(
        fields(download(&app, "limit=10").await.2),
        ["Pro", "Acme GmbH"]
    );
    // A change of case only: the folded value stays the same, the file's does not.
    save_field(&app, ann, company, Some("Acme GmbH"), "ACME GmbH").await;
    save_field(&app, ann, plan, Some("Pro"), "").await;
    assert_eq!(
        fields(download(&app, "limit=10").await.2),
        ["", "ACME GmbH"]
    );
}
