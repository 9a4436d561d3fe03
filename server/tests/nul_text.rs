//! Text with a NUL character, which PostgreSQL cannot store, is refused the
//! same way on every backend: next to its field, with a message a person
//! understands, and nothing saved.

mod common;

use app::accounts::sign_in::SignIn;
use app::contacts::segments::CreateSegment;
use app::contacts::ListContacts;
use common::{contact, spawn_app, version};
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

fn invalid(body: &Value) -> (&str, String) {
    let err = &body["Invalid"];
    (
        err["field"].as_str().unwrap_or(""),
        err["message"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn text_with_a_nul_character_is_refused_near_its_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let id = contact(&app.pool, ws, "Ann", None, None, 1).await;

    let change = json!({ "field": { "kind": "name" }, "expected": "Ann", "value": "An\u{0}n" });
    let (status, body) = app.save(id, 1, vec![change]).await;
    assert_eq!(status, 422, "{body}");
    let (field, message) = invalid(&body);
    assert_eq!(field, "name");
    assert!(message.contains("NUL"), "{message}");
    assert_eq!(version(&app.pool, id).await, Some(1), "nothing saved");

    let (status, body) = app
        .call(
            ListContacts::PATH,
            json!({ "query": { "page": 1, "q": "", "sort": { "key": "name", "descending": false },
                "filter": { "join": "all", "conditions": [
                    { "field": { "kind": "name" }, "op": "contains", "value": { "type": "text", "value": "a\u{0}" } }
                ] } } }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (field, message) = invalid(&body);
    assert_eq!(field, "condition-0");
    assert!(message.contains("NUL"), "{message}");

    let (status, body) = app
        .call(
            CreateSegment::PATH,
            json!({ "name": "Bad\u{0}name", "filter": { "join": "all", "conditions": [
                { "field": { "kind": "name" }, "op": "is_not_empty", "value": { "type": "none" } }
            ] } }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(invalid(&body).0, "name");

    // A search drops control characters, as it drops spaces.
    let (status, body) = app
        .call(
            ListContacts::PATH,
            json!({ "query": { "page": 1, "q": "A\u{0}nn", "sort": { "key": "name", "descending": false } } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Signing in with one is a wrong email or password, not a failure.
    let res = app
        .stranger()
        .post(app.url(SignIn::PATH))
        .header("accept", "application/json")
        .form(&[
            ("email", "ann\u{0}@example.com"),
            ("password", "whatever-it-is"),
            ("next", "/contacts"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(invalid(&body).1.contains("do not match"), "{body}");

    // Through the API too.
    let (_, token) = app.store.create_token(ws, "tests").await.unwrap();
    let res = app
        .stranger()
        .post(app.url("/api/v1/contacts"))
        .bearer_auth(&token)
        .json(&json!({ "name": "Nul\u{0}l" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["field"], "name", "{body}");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM contacts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 1, "nothing created");
}
