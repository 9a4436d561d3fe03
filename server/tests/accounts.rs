//! Accounts: signing in and out, sessions, roles, and the app closed to strangers,
//! other workspaces and other sites.

mod common;

use app::accounts::sign_in::{SignIn, SignOut};
use app::accounts::switcher::{GetViewer, SwitchWorkspace};
use app::accounts::Role;
use app::contacts::bulk_delete::{DeleteContacts, PreviewDelete};
use app::contacts::columns::SaveColumns;
use app::contacts::details::GetContactDetails;
use app::contacts::export::{GetExportLimit, GetExportProgress};
use app::contacts::import::{CheckImport, GetImportProgress, StartImport};
use app::contacts::inline_edit::SaveContact;
use app::contacts::live::LiveCheck;
use app::contacts::segments::{CreateSegment, DeleteSegment, UpdateSegment};
use app::contacts::total::CountContacts;
use app::contacts::ListContacts;
use common::{contact, spawn_app, version, TestApp};
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

const PASSWORD: &str = "a good long password";

/// A workspace with one contact and an admin who has a password.
async fn setup() -> (TestApp, i64, i64) {
    let app = spawn_app().await;
    let ws = common::workspace(&app.pool, "Acme").await;
    let id = contact(&app.pool, ws, "Ann", Some("ann@example.com"), None, 1).await;
    server::db::add_user(
        &app.pool,
        "Acme",
        "boss@example.com",
        Some("Boss"),
        Role::Admin,
        Some(PASSWORD),
    )
    .await
    .unwrap();
    (app, ws, id)
}

/// Posts the sign-in form as the page does (form-encoded, JSON answer).
async fn sign_in(
    client: &reqwest::Client,
    app: &TestApp,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url(SignIn::PATH))
        .header("accept", "application/json")
        .form(&[
            ("email", email),
            ("password", password),
            ("next", "/contacts?q=ann"),
        ])
        .send()
        .await
        .unwrap()
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("contacts_session="))
        .map(str::to_string)
}

fn token(cookie: &str) -> &str {
    cookie
        .trim_start_matches("contacts_session=")
        .split(';')
        .next()
        .unwrap()
}

async fn call_with(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    body: Value,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let mut req = client
        .post(app.url(path))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(body.to_string());
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Every server function, with arguments that would work for an admin.
fn every_server_function(id: i64) -> Vec<(&'static str, Value)> {
    let filter = json!({ "join": "all", "conditions": [
        { "field": { "kind": "name" }, "op": "contains", "value": { "type": "text", "value": "ann" } }
    ] });
    vec![
        (ListContacts::PATH, json!({ "query": { "page": 1 } })),
        (
            CountContacts::PATH,
            json!({ "query": { "page": 1, "q": "ann" } }),
        ),
        (GetContactDetails::PATH, json!({ "id": id })),
        (
            SaveContact::PATH,
            json!({ "id": id, "version": 1, "changes": [
                { "field": { "kind": "name" }, "expected": "Ann", "value": "Anna" }
            ] }),
        ),
        (LiveCheck::PATH, json!({})),
        (SaveColumns::PATH, json!({ "columns": [] })),
        (
            CreateSegment::PATH,
            json!({ "name": "Anns", "filter": filter }),
        ),
        (UpdateSegment::PATH, json!({ "id": 1, "name": "Renamed" })),
        (DeleteSegment::PATH, json!({ "id": 1 })),
        (PreviewDelete::PATH, json!({ "target": { "Ids": [id] } })),
        (DeleteContacts::PATH, json!({ "target": { "Ids": [id] } })),
        (GetExportLimit::PATH, json!({})),
        (GetExportProgress::PATH, json!({ "token": "abc" })),
        (
            CheckImport::PATH,
            json!({ "request": { "id": "abc", "mapping": [], "on_existing": "update" } }),
        ),
        (
            StartImport::PATH,
            json!({ "request": { "id": "abc", "mapping": [], "on_existing": "update" }, "only_valid": true }),
        ),
        (GetImportProgress::PATH, json!({ "id": "abc" })),
        (GetViewer::PATH, json!({})),
    ]
}

async fn contacts_count(app: &TestApp) -> i64 {
    sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM contacts")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .0
}

#[tokio::test]
async fn signing_in_sets_an_http_only_lax_cookie_that_opens_the_app() {
    let (app, _, id) = setup().await;
    let client = app.stranger();
    let res = sign_in(&client, &app, "  BOSS@example.com ", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let cookie = session_cookie(&res).expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!("/contacts?q=ann"),
        "back to the page asked for"
    );
    let cookie_header = format!("contacts_session={}", token(&cookie));
    let (status, body) = call_with(
        &client,
        &app,
        GetContactDetails::PATH,
        json!({ "id": id }),
        &[("cookie", &cookie_header)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["contact"]["name"], "Ann");
    // The page, too.
    let res = client
        .get(app.url("/contacts"))
        .header("cookie", &cookie_header)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Boss") && html.contains("Acme"),
        "who and where"
    );
}

#[tokio::test]
async fn the_cookie_is_secure_behind_an_https_proxy() {
    let (app, _, _) = setup().await;
    let res = app
        .stranger()
        .post(app.url(SignIn::PATH))
        .header("accept", "application/json")
        .header("x-forwarded-proto", "https")
        .form(&[("email", "boss@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(session_cookie(&res).unwrap().contains("Secure"));
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_message_next_to_the_password() {
    let (app, _, _) = setup().await;
    for (email, password) in [
        ("boss@example.com", "not the password"),
        ("nobody@example.com", PASSWORD),
    ] {
        let res = sign_in(&app.stranger(), &app, email, password).await;
        assert_eq!(res.status(), 422);
        assert!(session_cookie(&res).is_none());
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["Invalid"]["field"], "password");
        assert_eq!(
            body["Invalid"]["message"], "That email and password do not match an account.",
            "the same answer whether or not the account exists"
        );
    }
    let res = sign_in(&app.stranger(), &app, "", "").await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["Invalid"]["field"], "email");
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while_even_with_the_right_password() {
    let (app, _, _) = setup().await;
    for _ in 0..5 {
        let res = sign_in(&app.stranger(), &app, "boss@example.com", "wrong password").await;
        assert_eq!(res.status(), 422);
    }
    let res = sign_in(&app.stranger(), &app, "boss@example.com", PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(session_cookie(&res).is_none());
    let body: Value = res.json().await.unwrap();
    let message = body["TooManyAttempts"].as_str().unwrap();
    assert!(message.contains("Too many failed sign-ins"), "{message}");
    assert!(message.contains("15 minutes"), "{message}");
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_limited_across_accounts() {
    let (app, _, _) = setup().await;
    for n in 0..50 {
        let res = sign_in(
            &app.stranger(),
            &app,
            &format!("guess{n}@example.com"),
            "wrong password",
        )
        .await;
        assert_eq!(res.status(), 422);
    }
    let res = sign_in(&app.stranger(), &app, "boss@example.com", PASSWORD).await;
    assert_eq!(res.status(), 429);
    let body: Value = res.json().await.unwrap();
    assert!(body["TooManyAttempts"]
        .as_str()
        .unwrap()
        .contains("your network"));
}

#[tokio::test]
async fn signing_in_again_replaces_the_session_id() {
    let (app, _, _) = setup().await;
    let client = app.stranger();
    let first =
        session_cookie(&sign_in(&client, &app, "boss@example.com", PASSWORD).await).unwrap();
    let old = format!("contacts_session={}", token(&first));
    let res = client
        .post(app.url(SignIn::PATH))
        .header("accept", "application/json")
        .header("cookie", &old)
        .form(&[("email", "boss@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let second = session_cookie(&res).unwrap();
    assert_ne!(token(&first), token(&second));
    let (status, _) = call_with(
        &client,
        &app,
        LiveCheck::PATH,
        json!({}),
        &[("cookie", &old)],
    )
    .await;
    assert_eq!(status, 401, "the old id is worth nothing");
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let (app, ws, _) = setup().await;
    app.sign_in(ws, Role::Agent).await;
    let (status, _) = app.call(LiveCheck::PATH, json!({})).await;
    assert_eq!(status, 200);
    let res = app
        .client
        .post(app.url(SignOut::PATH))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(session_cookie(&res).unwrap().contains("Max-Age=0"));
    let (status, body) = app.call(LiveCheck::PATH, json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body, json!("Unauthorized"));
}

#[tokio::test]
async fn strangers_get_401_from_every_server_function_and_route_and_pages_send_them_to_sign_in() {
    let (app, _, id) = setup().await;
    let stranger = app.stranger();
    for (path, body) in every_server_function(id) {
        let (status, answer) = call_with(&stranger, &app, path, body, &[]).await;
        assert_eq!(status, 401, "{path}: {answer}");
    }
    for (path, body) in [(SwitchWorkspace::PATH, "workspace=1"), (SignOut::PATH, "")] {
        let res = stranger
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{path}");
    }
    let res = stranger
        .get(app.url("/contacts/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = stranger
        .post(app.url("/contacts/import.csv"))
        .body("name\nAnn\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    for (page, next) in [
        ("/contacts", "/signin"),
        (
            "/contacts?q=ann&contact=1",
            "/signin?next=/contacts%3Fq%3Dann%26contact%3D1",
        ),
        ("/nowhere", "/signin?next=/nowhere"),
    ] {
        let res = stranger.get(app.url(page)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{page}");
        assert_eq!(res.headers()["location"], next);
    }
    assert_eq!(contacts_count(&app).await, 1, "nothing changed");
    // The sign-in page itself and the health check stay open.
    let res = stranger.get(app.url("/signin")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = stranger.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn agents_are_refused_admin_actions_and_nothing_changes() {
    let (app, ws, id) = setup().await;
    let segment: (i64,) = sqlx::query_as(
        "INSERT INTO segments (workspace_id, name, definition, created_at, updated_at) \
         VALUES ($1, 'Kept', '{\"join\":\"all\",\"conditions\":[]}', 0, 0) RETURNING id",
    )
    .bind(ws)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    app.sign_in(ws, Role::Agent).await;
    let admin_only = [
        CreateSegment::PATH,
        UpdateSegment::PATH,
        DeleteSegment::PATH,
        PreviewDelete::PATH,
        DeleteContacts::PATH,
        GetExportLimit::PATH,
        GetExportProgress::PATH,
        CheckImport::PATH,
        StartImport::PATH,
        GetImportProgress::PATH,
    ];
    for (path, body) in every_server_function(id) {
        let body = if path == UpdateSegment::PATH || path == DeleteSegment::PATH {
            json!({ "id": segment.0, "name": "Renamed" })
        } else {
            body
        };
        let (status, answer) = app.call(path, body).await;
        if admin_only.contains(&path) {
            assert_eq!(status, 403, "{path}: {answer}");
            assert_eq!(answer, json!("AdminOnly"), "{path}");
        } else {
            assert!(status == 200, "{path}: {status} {answer}");
        }
    }
    let res = app
        .client
        .get(app.url("/contacts/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .post(app.url("/contacts/import.csv"))
        .body("name\nZed\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(version(&app.pool, id).await.is_some(), "not deleted");
    let names: Vec<(String,)> = sqlx::query_as("SELECT name FROM segments")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(names, vec![("Kept".to_string(),)], "segments untouched");
    // The page does not offer what the agent may not do.
    let (_, html) = app.get_html("/contacts").await;
    assert!(html.contains("Agent"));
    assert!(
        !html.contains("Import CSV") && !html.contains("Download CSV"),
        "no admin buttons"
    );
    assert!(!html.contains("Select all contacts on this page"));
}

#[tokio::test]
async fn another_workspaces_ids_are_not_found_and_nothing_changes() {
    let (app, ws, _) = setup().await;
    let other = common::workspace(&app.pool, "Other").await;
    let foreign = contact(&app.pool, other, "Foreign", None, None, 1).await;
    let segment: (i64,) = sqlx::query_as(
        "INSERT INTO segments (workspace_id, name, definition, created_at, updated_at) \
         VALUES ($1, 'Theirs', '{\"join\":\"all\",\"conditions\":[]}', 0, 0) RETURNING id",
    )
    .bind(other)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    app.sign_in(ws, Role::Admin).await;
    let calls = [
        (GetContactDetails::PATH, json!({ "id": foreign })),
        (
            SaveContact::PATH,
            json!({ "id": foreign, "version": 1, "changes": [
                { "field": { "kind": "name" }, "expected": "Foreign", "value": "Mine" }
            ] }),
        ),
        (
            PreviewDelete::PATH,
            json!({ "target": { "Ids": [foreign] } }),
        ),
        (
            DeleteContacts::PATH,
            json!({ "target": { "Ids": [foreign] } }),
        ),
        (
            UpdateSegment::PATH,
            json!({ "id": segment.0, "name": "Mine" }),
        ),
        (DeleteSegment::PATH, json!({ "id": segment.0 })),
    ];
    for (path, body) in calls {
        let (status, answer) = app.call(path, body).await;
        assert_eq!(status, 404, "{path}: {answer}");
        assert!(answer["NotFound"].is_string(), "{path}: {answer}");
    }
    let res = app
        .client
        .post(app.url(SwitchWorkspace::PATH))
        .header("accept", "application/json")
        .form(&[("workspace", other.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "not a member there");
    let (name, v): (String, i64) =
        sqlx::query_as("SELECT name, version FROM contacts WHERE id = $1")
            .bind(foreign)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), v), ("Foreign", 1), "untouched");
    let (segment_name,): (String,) = sqlx::query_as("SELECT name FROM segments WHERE id = $1")
        .bind(segment.0)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(segment_name, "Theirs");
    let (_, list) = app
        .call(ListContacts::PATH, json!({ "query": { "page": 1 } }))
        .await;
    assert_eq!(list["Page"]["total"], 1, "only this workspace's contact");
}

#[tokio::test]
async fn another_workspaces_uploads_cannot_be_checked_or_imported() {
    let app = spawn_app().await;
    let theirs = app.workspace("Theirs").await;
    let res = app
        .client
        .post(app.url("/contacts/import.csv"))
        .body("Name,Email\nZed,zed@example.com\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let upload: Value = res.json().await.unwrap();
    let mine = common::workspace(&app.pool, "Mine").await;
    assert_ne!(mine, theirs);
    app.sign_in(mine, Role::Admin).await;
    let request =
        json!({ "id": upload["id"], "mapping": upload["mapping"], "on_existing": "update" });
    for (path, body) in [
        (CheckImport::PATH, json!({ "request": request })),
        (
            StartImport::PATH,
            json!({ "request": request, "only_valid": true }),
        ),
        (GetImportProgress::PATH, json!({ "id": upload["id"] })),
    ] {
        let (status, answer) = app.call(path, body).await;
        assert_eq!(status, 404, "{path}: {answer}");
    }
    assert_eq!(contacts_count(&app).await, 0);
}

#[tokio::test]
async fn cross_site_requests_that_change_data_are_refused() {
    let (app, ws, id) = setup().await;
    app.sign_in(ws, Role::Admin).await;
    for headers in [
        [("sec-fetch-site", "cross-site")],
        [("sec-fetch-site", "same-site")],
        [("origin", "https://evil.example")],
    ] {
        for (path, body) in every_server_function(id) {
            let (status, answer) = call_with(&app.client, &app, path, body, &headers).await;
            assert_eq!(status, 403, "{path} {headers:?}: {answer}");
        }
        let mut export = app.client.get(app.url("/contacts/export.csv"));
        let mut upload = app
            .client
            .post(app.url("/contacts/import.csv"))
            .body("name\nZed\n");
        let mut form = app
            .client
            .post(app.url(SignOut::PATH))
            .header("content-type", "application/x-www-form-urlencoded");
        for (name, value) in headers {
            export = export.header(name, value);
            upload = upload.header(name, value);
            form = form.header(name, value);
        }
        assert_eq!(export.send().await.unwrap().status(), 403);
        assert_eq!(upload.send().await.unwrap().status(), 403);
        assert_eq!(form.send().await.unwrap().status(), 403);
    }
    assert_eq!(contacts_count(&app).await, 1);
    // The same requests from the app's own pages go through.
    let (status, _) = call_with(
        &app.client,
        &app,
        LiveCheck::PATH,
        json!({}),
        &[("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(status, 200);
    let host = app.base.trim_start_matches("http://").to_string();
    let (status, _) = call_with(
        &app.client,
        &app,
        LiveCheck::PATH,
        json!({}),
        &[("origin", app.base.as_str()), ("host", host.as_str())],
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_without_being_read() {
    let (app, ws, _) = setup().await;
    app.sign_in(ws, Role::Admin).await;
    let big = format!(
        "{{\"query\":{{\"page\":1,\"q\":\"{}\"}}}}",
        "a".repeat(3 * 1024 * 1024)
    );
    let res = app
        .client
        .post(app.url(ListContacts::PATH))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    // CSV uploads have their own, larger limit.
    let csv = format!(
        "Name,Notes\n{}",
        format!("Ann,{}\n", "x".repeat(1000)).repeat(3000)
    );
    assert!(csv.len() > 2 * 1024 * 1024);
    let res = app
        .client
        .post(app.url("/contacts/import.csv"))
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_person_in_two_workspaces_switches_and_sees_only_the_one_in_use() {
    let app = spawn_app().await;
    let acme = app.workspace("Acme").await;
    contact(&app.pool, acme, "Acme Person", None, None, 1).await;
    let globex = common::workspace(&app.pool, "Globex").await;
    contact(&app.pool, globex, "Globex One", None, None, 1).await;
    contact(&app.pool, globex, "Globex Two", None, None, 2).await;
    let email = app.sign_in(acme, Role::Admin).await;
    server::db::add_user(&app.pool, "Globex", &email, None, Role::Agent, None)
        .await
        .unwrap();

    let (_, viewer) = app.call(GetViewer::PATH, json!({})).await;
    assert_eq!(viewer["workspace_name"], "Acme");
    assert_eq!(viewer["role"], "admin");
    assert_eq!(viewer["workspaces"].as_array().unwrap().len(), 2);
    let (_, list) = app
        .call(ListContacts::PATH, json!({ "query": { "page": 1 } }))
        .await;
    assert_eq!(list["Page"]["total"], 1);

    let res = app
        .client
        .post(app.url(SwitchWorkspace::PATH))
        .header("accept", "application/json")
        .form(&[("workspace", globex.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, viewer) = app.call(GetViewer::PATH, json!({})).await;
    assert_eq!(viewer["workspace_name"], "Globex");
    assert_eq!(viewer["role"], "agent", "the role is per workspace");
    let (_, list) = app
        .call(ListContacts::PATH, json!({ "query": { "page": 1 } }))
        .await;
    assert_eq!(list["Page"]["total"], 2);
    let (status, _) = app
        .call(
            DeleteContacts::PATH,
            json!({ "target": { "Matching": { "page": 1 } } }),
        )
        .await;
    assert_eq!(status, 403, "an agent here");
}

#[tokio::test]
async fn removing_someone_from_a_workspace_signs_them_out_of_it() {
    let (app, ws, _) = setup().await;
    let email = app.sign_in(ws, Role::Agent).await;
    sqlx::query("DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE email = $1)")
        .bind(&email)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, _) = app.call(LiveCheck::PATH, json!({})).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn the_next_address_after_sign_in_never_leaves_the_site() {
    let (app, _, _) = setup().await;
    let res = app
        .stranger()
        .post(app.url(SignIn::PATH))
        .header("accept", "application/json")
        .form(&[
            ("email", "boss@example.com"),
            ("password", PASSWORD),
            ("next", "//evil.example/steal"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), json!("/contacts"));
}

#[tokio::test]
async fn a_plain_form_sign_in_without_javascript_redirects() {
    let (app, _, _) = setup().await;
    let res = app
        .stranger()
        .post(app.url(SignIn::PATH))
        .header("accept", "text/html")
        .form(&[
            ("email", "boss@example.com"),
            ("password", PASSWORD),
            ("next", "/contacts?q=ann"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()["location"], "/contacts?q=ann");
    assert!(session_cookie(&res).is_some());
}

#[tokio::test]
async fn another_workspaces_fields_and_segments_answer_exactly_like_missing_ones() {
    let (app, ws, _) = setup().await;
    let other = common::workspace(&app.pool, "Other").await;
    let field = common::field_def(&app.pool, other, "secret_plan", "text", &[]).await;
    let (segment,): (i64,) = sqlx::query_as(
        "INSERT INTO segments (workspace_id, name, definition, created_at, updated_at) \
         VALUES ($1, 'Their secret segment', '{\"join\":\"all\",\"conditions\":[]}', 0, 0) RETURNING id",
    )
    .bind(other)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    app.sign_in(ws, Role::Admin).await;
    let missing = 987_654;
    let filter = |id: i64| {
        json!({ "query": { "page": 1, "filter": { "join": "all", "conditions": [
            { "field": { "kind": "custom", "id": id }, "op": "is_not_empty", "value": { "type": "none" } }
        ] } } })
    };
    let pairs = [
        (
            SaveColumns::PATH,
            json!({ "columns": [{ "kind": "custom", "id": field }] }),
            json!({ "columns": [{ "kind": "custom", "id": missing }] }),
        ),
        (ListContacts::PATH, filter(field), filter(missing)),
        (
            ListContacts::PATH,
            json!({ "query": { "page": 1, "segment": segment } }),
            json!({ "query": { "page": 1, "segment": missing } }),
        ),
    ];
    for (path, theirs, nothing) in pairs {
        let (status, body) = app.call(path, theirs).await;
        let (missing_status, missing_body) = app.call(path, nothing).await;
        assert_eq!(status, missing_status, "{path}: {body} vs {missing_body}");
        let text = body.to_string();
        assert!(
            !text.contains("secret"),
            "nothing of the other workspace shows: {text}"
        );
    }
    let (columns,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM workspace_columns")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(columns, 0, "nothing saved");
}
