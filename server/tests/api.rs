//! The JSON API under /api/v1, against the real server and database: tokens,
//! contacts, incoming conversations and messages, segments, and its errors.

mod common;

use app::contacts::live::LiveCheck;
use app::store::ContactStore;
use common::{contact, field_def, spawn_app, TestApp};
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

/// A workspace with a token for it.
async fn with_token(app: &TestApp, name: &str) -> (i64, String) {
    let ws = app.workspace(name).await;
    let (_, token) = app.store.create_token(ws, "tests").await.unwrap();
    (ws, token)
}

async fn api(
    app: &TestApp,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let client = app.stranger();
    let mut request = client.request(method.parse().unwrap(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let res = request.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn every_route_refuses_a_missing_wrong_or_revoked_token() {
    let app = spawn_app().await;
    let (ws, token) = with_token(&app, "Acme").await;
    let id = contact(&app.pool, ws, "Ann Lee", None, None, 1).await;
    let routes = [
        ("GET", "/api/v1/contacts".to_string(), None),
        (
            "POST",
            "/api/v1/contacts".into(),
            Some(json!({ "name": "Bob" })),
        ),
        ("GET", format!("/api/v1/contacts/{id}"), None),
        (
            "PATCH",
            format!("/api/v1/contacts/{id}"),
            Some(json!({ "version": 1, "changes": { "name": "X" } })),
        ),
        ("DELETE", format!("/api/v1/contacts/{id}"), None),
        (
            "POST",
            "/api/v1/conversations".into(),
            Some(json!({ "contact": { "email": "z@example.com" } })),
        ),
        (
            "POST",
            "/api/v1/conversations/1/messages".into(),
            Some(json!({ "body": "hi" })),
        ),
        ("GET", "/api/v1/segments".into(), None),
        ("GET", "/api/v1/segments/1/contacts".into(), None),
    ];
    let wrong = format!("{token}x");
    for (method, path, body) in &routes {
        for token in [None, Some("ct_nonsense"), Some(wrong.as_str())] {
            let (status, answer) = api(&app, token, method, path, body.clone()).await;
            assert_eq!(status, 401, "{method} {path} with {token:?}: {answer}");
            assert_eq!(code(&answer), "unauthorized");
        }
    }
    // A browser session is no API token.
    let res = app
        .client
        .get(app.url("/api/v1/contacts"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    let tokens = app.store.tokens(ws).await.unwrap();
    assert!(app.store.revoke_token(ws, tokens[0].id).await.unwrap());
    let (status, _) = api(&app, Some(&token), "GET", "/api/v1/contacts", None).await;
    assert_eq!(status, 401, "a revoked token stops working at once");
    let stored: (String,) = sqlx::query_as("SELECT token_hash FROM api_tokens")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(stored.0, token, "only a hash is kept");
    assert!(!stored.0.contains(&token[3..]));
}

#[tokio::test]
async fn contacts_are_created_read_updated_and_deleted_with_the_edit_rules() {
    let app = spawn_app().await;
    let (ws, token) = with_token(&app, "Acme").await;
    field_def(&app.pool, ws, "plan", "select", &["Free", "Pro"]).await;
    field_def(&app.pool, ws, "tags", "multi_select", &["a", "b", "c"]).await;
    let t = Some(token.as_str());

    let (status, created) = api(
        &app,
        t,
        "POST",
        "/api/v1/contacts",
        Some(json!({
            "name": "  Jürgen Müller ",
            "email": "JM@Example.de",
            "phone": "+49 151 1234 5678",
            "campaign_opt_in": true,
            "fields": { "plan": "Pro", "tags": ["c", "a"] }
        })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["name"], "Jürgen Müller");
    assert_eq!(created["phone"], "+4915112345678");
    assert_eq!(created["campaign_opt_in"], true);
    assert_eq!(created["fields"]["plan"], "Pro");
    assert_eq!(created["fields"]["tags"], json!(["a", "c"]));
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));

    // Searchable at once, by the page's own rules.
    let (status, list) = api(&app, t, "GET", "/api/v1/contacts?q=m%C3%BCller", None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 1);
    assert_eq!(list["contacts"][0]["id"], id);

    let (status, read) = api(&app, t, "GET", &format!("/api/v1/contacts/{id}"), None).await;
    assert_eq!((status, &read["email"]), (200, &json!("JM@Example.de")));

    let version = read["version"].as_i64().unwrap();
    let (status, updated) = api(
        &app,
        t,
        "PATCH",
        &format!("/api/v1/contacts/{id}"),
        Some(json!({ "version": version, "changes": { "phone": null, "fields": { "plan": "Free" } } })),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["phone"], Value::Null);
    assert_eq!(updated["fields"]["plan"], "Free");
    assert_eq!(updated["version"], version + 1);

    // The old version again: someone changed the contact since.
    let (status, conflict) = api(
        &app,
        t,
        "PATCH",
        &format!("/api/v1/contacts/{id}"),
        Some(json!({ "version": version, "changes": { "name": "Stale" } })),
    )
    .await;
    assert_eq!((status, code(&conflict)), (409, "conflict"), "{conflict}");
    assert_eq!(conflict["error"]["field"], "name");
    // With the values it saw, the old version saves a field nobody else
    // changed, as inline edits do; a field someone changed still conflicts.
    let (status, merged) = api(
        &app,
        t,
        "PATCH",
        &format!("/api/v1/contacts/{id}"),
        Some(
            json!({ "version": version, "changes": { "name": "Jürgen M." },
                     "expected": { "name": "Jürgen Müller" } }),
        ),
    )
    .await;
    assert_eq!(
        (status, &merged["name"]),
        (200, &json!("Jürgen M.")),
        "{merged}"
    );
    let (status, conflict) = api(
        &app,
        t,
        "PATCH",
        &format!("/api/v1/contacts/{id}"),
        Some(
            json!({ "version": version, "changes": { "fields": { "plan": "Pro" } },
                     "expected": { "fields": { "plan": "Pro" } } }),
        ),
    )
    .await;
    assert_eq!((status, code(&conflict)), (409, "conflict"), "{conflict}");
    assert_eq!(conflict["error"]["field"], "fields.plan");

    let (status, _) = api(&app, t, "DELETE", &format!("/api/v1/contacts/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, gone) = api(&app, t, "GET", &format!("/api/v1/contacts/{id}"), None).await;
    assert_eq!((status, code(&gone)), (404, "not_found"));
    let (status, _) = api(&app, t, "DELETE", &format!("/api/v1/contacts/{id}"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn invalid_bodies_get_json_errors_that_name_the_field() {
    let app = spawn_app().await;
    let (ws, token) = with_token(&app, "Acme").await;
    field_def(&app.pool, ws, "plan", "select", &["Free", "Pro"]).await;
    let id = contact(&app.pool, ws, "Ann Lee", None, None, 1).await;
    let t = Some(token.as_str());
    let cases = [
        (
            "POST",
            "/api/v1/contacts".to_string(),
            json!({ "name": " " }),
            422,
            "name",
        ),
        (
            "POST",
            "/api/v1/contacts".into(),
            json!({ "name": "A", "email": "not-an-email" }),
            422,
            "email",
        ),
        (
            "POST",
            "/api/v1/contacts".into(),
            json!({ "name": "A", "phone": "555" }),
            422,
            "phone",
        ),
        (
            "POST",
            "/api/v1/contacts".into(),
            json!({ "name": "A", "fields": { "plan": "Gold" } }),
            422,
            "fields.plan",
        ),
        (
            "POST",
            "/api/v1/contacts".into(),
            json!({ "name": "A", "fields": { "nope": "x" } }),
            422,
            "fields.nope",
        ),
        (
            "POST",
            "/api/v1/contacts".into(),
            json!({ "name": "A\u{0}B" }),
            422,
            "name",
        ),
        (
            "PATCH",
            format!("/api/v1/contacts/{id}"),
            json!({ "version": 1, "changes": { "email": "x@" } }),
            422,
            "email",
        ),
        (
            "PATCH",
            format!("/api/v1/contacts/{id}"),
            json!({ "version": 1, "changes": { "colour": "red" } }),
            422,
            "colour",
        ),
        (
            "PATCH",
            format!("/api/v1/contacts/{id}"),
            json!({ "version": 1, "changes": {} }),
            422,
            "changes",
        ),
        (
            "POST",
            "/api/v1/conversations".into(),
            json!({ "contact": {} }),
            422,
            "contact",
        ),
        (
            "POST",
            "/api/v1/conversations".into(),
            json!({ "contact": { "email": "a@example.com" }, "status": "archived" }),
            422,
            "status",
        ),
        (
            "POST",
            "/api/v1/conversations".into(),
            json!({ "contact": { "email": "a@example.com" }, "message": { "body": "  " } }),
            422,
            "body",
        ),
    ];
    for (method, path, body, status, field) in cases {
        let (got, answer) = api(&app, t, method, &path, Some(body.clone())).await;
        assert_eq!(got, status, "{method} {path} {body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        for internal in ["sqlx", "SQL", "SELECT", "contacts."] {
            assert!(!message.contains(internal), "{message}");
        }
    }
    // Bodies that are not what the route reads.
    let (status, answer) = api(
        &app,
        t,
        "POST",
        "/api/v1/contacts",
        Some(json!({ "nom": "A" })),
    )
    .await;
    assert_eq!((status, code(&answer)), (422, "invalid"), "{answer}");
    let res = app
        .stranger()
        .post(app.url("/api/v1/contacts"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let huge = json!({ "name": "A", "fields": { "notes": "x".repeat(3 * 1024 * 1024) } });
    let (status, answer) = api(&app, t, "POST", "/api/v1/contacts", Some(huge)).await;
    assert_eq!((status, code(&answer)), (413, "too_large"), "{answer}");
    let (status, answer) = api(&app, t, "GET", "/api/v1/contacts?f=%7Bnope", None).await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (422, Some("f"))
    );
    let (status, answer) = api(&app, t, "GET", "/api/v1/nothing-here", None).await;
    assert_eq!((status, code(&answer)), (404, "not_found"));
    // Nothing above created a contact.
    let (_, list) = api(&app, t, "GET", "/api/v1/contacts", None).await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn another_workspaces_ids_answer_like_missing_ones() {
    let app = spawn_app().await;
    let (_, token) = with_token(&app, "Acme").await;
    let other = app.workspace("Other").await;
    let theirs = contact(&app.pool, other, "Their Contact", None, None, 1).await;
    let conversation = common::conversation(&app.pool, other, theirs).await;
    let segment = (common::segment(
        &app.pool,
        other,
        "Theirs",
        r#"{"join":"all","conditions":[]}"#,
    )
    .await,);
    let t = Some(token.as_str());
    let edit = json!({ "version": 1, "changes": { "name": "Mine now" } });
    let routes = |contact: i64, conversation: i64, segment: i64| {
        [
            ("GET", format!("/api/v1/contacts/{contact}"), None),
            (
                "PATCH",
                format!("/api/v1/contacts/{contact}"),
                Some(edit.clone()),
            ),
            ("DELETE", format!("/api/v1/contacts/{contact}"), None),
            (
                "POST",
                format!("/api/v1/conversations/{conversation}/messages"),
                Some(json!({ "body": "hello" })),
            ),
            ("GET", format!("/api/v1/segments/{segment}/contacts"), None),
        ]
    };
    let missing = routes(theirs + 1000, conversation + 1000, segment.0 + 1000);
    for ((method, path, body), (_, missing_path, _)) in routes(theirs, conversation, segment.0)
        .into_iter()
        .zip(missing)
    {
        let (status, answer) = api(&app, t, method, &path, body.clone()).await;
        let (missing_status, missing_answer) = api(&app, t, method, &missing_path, body).await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
        assert_eq!(
            (status, code(&answer)),
            (missing_status, code(&missing_answer))
        );
        assert!(!answer.to_string().contains("Their"), "{answer}");
    }
    let (_, list) = api(&app, t, "GET", "/api/v1/contacts", None).await;
    assert_eq!(list["total"], 0);
    let (_, segments) = api(&app, t, "GET", "/api/v1/segments", None).await;
    assert_eq!(segments["segments"], json!([]));
    let name: (String,) = sqlx::query_as("SELECT name FROM contacts WHERE id = $1")
        .bind(theirs)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name.0, "Their Contact", "nothing of theirs changed");
}

#[tokio::test]
async fn incoming_conversations_find_or_create_the_contact_and_messages_move_live_mode() {
    let app = spawn_app().await;
    let (ws, token) = with_token(&app, "Acme").await;
    let ann = contact(
        &app.pool,
        ws,
        "Ann Lee",
        Some("ann@example.com"),
        Some("+15551234567"),
        60,
    )
    .await;
    let t = Some(token.as_str());
    let (_, before) = app.call(LiveCheck::PATH, json!({})).await;

    // Known by email (any case): her conversation, no new contact.
    let (status, opened) = api(
        &app,
        t,
        "POST",
        "/api/v1/conversations",
        Some(json!({ "contact": { "email": "ANN@example.com" }, "message": { "body": "Hello again" } })),
    )
    .await;
    assert_eq!(status, 201, "{opened}");
    assert_eq!(
        (opened["contact_id"].as_i64(), &opened["contact_created"]),
        (Some(ann), &json!(false))
    );
    // Known by phone, written another way.
    let (_, by_phone) = api(
        &app,
        t,
        "POST",
        "/api/v1/conversations",
        Some(json!({ "contact": { "phone": "+1 (555) 123-4567" } })),
    )
    .await;
    assert_eq!(by_phone["contact_id"].as_i64(), Some(ann));
    // Unknown: created, named after the email when no name is given.
    let (_, new) = api(
        &app,
        t,
        "POST",
        "/api/v1/conversations",
        Some(json!({ "contact": { "email": "new@example.org" }, "message": { "body": "First time here" } })),
    )
    .await;
    assert_eq!(new["contact_created"], true);
    let newcomer = new["contact_id"].as_i64().unwrap();

    let (_, after) = app.call(LiveCheck::PATH, json!({})).await;
    assert_ne!(before, after, "Live mode sees the new traffic");

    let conversation = opened["id"].as_i64().unwrap();
    let (status, message) = api(
        &app,
        t,
        "POST",
        &format!("/api/v1/conversations/{conversation}/messages"),
        Some(json!({ "body": "And one more thing", "direction": "incoming" })),
    )
    .await;
    assert_eq!(status, 201, "{message}");
    assert_eq!(message["contact_id"].as_i64(), Some(ann));

    // Newest interaction first: Ann wrote last, the newcomer before her.
    let (_, list) = api(&app, t, "GET", "/api/v1/contacts", None).await;
    let ids: Vec<i64> = list["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids[..2], [ann, newcomer]);
    assert_eq!(list["contacts"][1]["name"], "new@example.org");
    let details = app
        .store
        .contact_details(ws, ann)
        .await
        .unwrap()
        .expect("contact");
    assert_eq!(details.conversation_count, 2);
    assert_eq!(
        details.conversations[0].messages.last().unwrap().body,
        "And one more thing"
    );
}

#[tokio::test]
async fn lists_take_the_pages_search_filter_sort_and_segments() {
    let app = spawn_app().await;
    let (ws, token) = with_token(&app, "Acme").await;
    for i in 0..25 {
        contact(&app.pool, ws, &format!("Maria {i:02}"), None, None, i).await;
    }
    contact(&app.pool, ws, "Zoe Other", None, None, 30).await;
    let t = Some(token.as_str());
    let (_, first) = api(&app, t, "GET", "/api/v1/contacts?q=maria&sort=name", None).await;
    assert_eq!(first["total"], 25);
    assert_eq!(first["contacts"][0]["name"], "Maria 00");
    let (_, third) = api(
        &app,
        t,
        "GET",
        "/api/v1/contacts?q=maria&sort=-name&page=3",
        None,
    )
    .await;
    let names: Vec<&str> = third["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Maria 04", "Maria 03", "Maria 02", "Maria 01", "Maria 00"]
    );
    let filter = json!({ "join": "all", "conditions": [
        { "field": { "kind": "name" }, "op": "starts_with", "value": { "type": "text", "value": "zoe" } }
    ] });
    let f = filter.to_string();
    let (_, filtered) = api(
        &app,
        t,
        "GET",
        &format!("/api/v1/contacts?f={}", urlencode(&f)),
        None,
    )
    .await;
    assert_eq!(filtered["total"], 1, "{filtered}");
    let segment = (common::segment(&app.pool, ws, "Zoes", &f).await,);
    let (_, segments) = api(&app, t, "GET", "/api/v1/segments", None).await;
    assert_eq!(
        segments["segments"],
        json!([{ "id": segment.0, "name": "Zoes" }])
    );
    let (status, members) = api(
        &app,
        t,
        "GET",
        &format!("/api/v1/segments/{}/contacts?q=maria", segment.0),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(members["total"], 1, "the segment replaces the search");
    assert_eq!(members["contacts"][0]["name"], "Zoe Other");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_token_command_creates_lists_and_revokes() {
    let app = spawn_app().await;
    app.workspace("Acme").await;
    let bin = env!("CARGO_BIN_EXE_contacts");
    let url = app.db.url.clone();
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .args(["--database-url", &url])
            .output()
            .expect("run contacts")
    };
    let created = run(&[
        "token",
        "create",
        "--workspace",
        "Acme",
        "--name",
        "Helpdesk",
    ]);
    assert!(created.status.success(), "{created:?}");
    let token = String::from_utf8(created.stdout)
        .unwrap()
        .trim()
        .to_string();
    assert!(token.starts_with("ct_"), "{token}");
    let (status, _) = api(&app, Some(&token), "GET", "/api/v1/contacts", None).await;
    assert_eq!(status, 200);
    let listed = String::from_utf8(run(&["token", "list", "--workspace", "Acme"]).stdout).unwrap();
    assert!(
        listed.contains("Helpdesk") && listed.contains(&token[..9]),
        "{listed}"
    );
    assert!(!listed.contains(&token), "the list never shows a token");
    let id = listed
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string();
    assert!(
        run(&["token", "revoke", "--workspace", "Acme", "--id", &id])
            .status
            .success()
    );
    let (status, _) = api(&app, Some(&token), "GET", "/api/v1/contacts", None).await;
    assert_eq!(status, 401);
    let missing = run(&["token", "create", "--workspace", "Nowhere"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no workspace named"));
}

/// The OpenAPI document is made from the handlers: every operation it lists is
/// one the server answers (no unknown route, no wrong method), with a token.
#[tokio::test]
async fn the_openapi_document_lists_every_route_the_server_answers() {
    let app = spawn_app().await;
    let (_, token) = with_token(&app, "Acme").await;
    let (status, doc) = api(&app, None, "GET", "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200, "{doc}");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            assert!(operation["responses"]["401"].is_object(), "{method} {path}");
            let concrete = path.replace("{id}", "1");
            let body = (method != "get" && method != "delete").then(|| json!({}));
            let (status, answer) =
                api(&app, Some(&token), &method.to_uppercase(), &concrete, body).await;
            assert_ne!(status, 405, "{method} {path}");
            assert!(
                !(status == 404 && answer["error"]["message"] == "There is no such API route."),
                "{method} {path}: {answer}"
            );
            assert!(
                operation["responses"][status.to_string()].is_object(),
                "{method} {path} answered {status}, which the document does not list: {answer}"
            );
        }
    }
    assert_eq!(operations, 9);
}

/// The simulator sends real traffic through the API: new people arrive with a
/// message, known ones write again, and all of it shows in the list.
#[tokio::test]
async fn the_simulator_brings_new_contacts_and_messages_through_the_api() {
    let app = spawn_app().await;
    let (ws, token) = with_token(&app, "Acme").await;
    let mut heard = Vec::new();
    let report = server::simulate::run(
        &server::simulate::SimulateOptions {
            url: app.base.clone(),
            token: token.clone(),
            rate: 40.0,
            duration: std::time::Duration::from_millis(1_500),
            seed: 3,
        },
        |id| heard.push(id),
    )
    .await
    .expect("simulation");
    assert_eq!(report.failures, 0);
    assert!(report.messages >= 30, "{report:?}");
    assert!(!report.new_contacts.is_empty());
    assert_eq!(heard, report.new_contacts);
    let (_, list) = api(&app, Some(&token), "GET", "/api/v1/contacts", None).await;
    assert_eq!(list["total"], report.new_contacts.len());
    let (messages,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE c.workspace_id = $1",
    )
    .bind(ws)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(messages as u64, report.messages);
    assert!(
        (report.messages as usize) > report.new_contacts.len(),
        "known people wrote again: {report:?}"
    );

    let refused = server::simulate::run(
        &server::simulate::SimulateOptions {
            url: app.base.clone(),
            token: "ct_wrong".into(),
            rate: 10.0,
            duration: std::time::Duration::from_secs(5),
            seed: 3,
        },
        |_| {},
    )
    .await;
    assert!(refused.unwrap_err().contains("refused the API token"));
}

#[tokio::test]
async fn an_id_that_is_no_number_is_not_found_in_json() {
    let app = spawn_app().await;
    let (_, token) = with_token(&app, "Acme").await;
    for path in [
        "/api/v1/contacts/9223372036854775808",
        "/api/v1/contacts/abc",
        "/api/v1/segments/1.5/contacts",
    ] {
        let (status, answer) = api(&app, Some(&token), "GET", path, None).await;
        assert_eq!(
            (status, code(&answer)),
            (404, "not_found"),
            "{path}: {answer}"
        );
    }
}
