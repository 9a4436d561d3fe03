//! Segments: saved filters, applied from the URL, managed through server functions.

mod common;

use app::contacts::segments::{CreateSegment, DeleteSegment, UpdateSegment};
use app::contacts::ListContacts;
use common::{contact, spawn_app, TestApp};
use leptos::server_fn::ServerFn;
use serde_json::json;

fn muller_filter() -> serde_json::Value {
    json!({ "join": "all", "conditions": [
        { "field": { "kind": "name" }, "op": "contains", "value": { "type": "text", "value": "müller" } }
    ] })
}

async fn setup() -> TestApp {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    contact(&app.pool, ws, "Jürgen Müller", None, None, 1).await;
    contact(&app.pool, ws, "ANNA MÜLLER", None, None, 2).await;
    contact(&app.pool, ws, "Tom Muller", None, None, 3).await;
    app
}

async fn page(app: &TestApp, query: serde_json::Value) -> serde_json::Value {
    let (status, body) = app
        .call(ListContacts::PATH, json!({ "query": query }))
        .await;
    assert_eq!(status, 200, "{body}");
    body["Page"].clone()
}

#[tokio::test]
async fn a_saved_segment_applies_its_definition_and_ignores_search_and_filters() {
    let app = setup().await;
    let (status, id) = app
        .call(
            CreateSegment::PATH,
            json!({ "name": "  Müllers  ", "filter": muller_filter() }),
        )
        .await;
    assert_eq!(status, 200, "{id}");
    let p = page(&app, json!({ "page": 1, "q": "tom", "segment": id, "filter": { "join": "all", "conditions": [] } })).await;
    assert_eq!(p["total"], 2);
    assert_eq!(p["segment"]["name"], "Müllers");
    assert_eq!(p["segment"]["problem"], serde_json::Value::Null);
    assert_eq!(p["segments"][0]["name"], "Müllers");

    let (_, html) = app.get_html(&format!("/contacts?segment={id}")).await;
    assert!(html.contains("Müllers"));
    assert!(html.contains("2 contacts match"));
    assert!(html.contains("Showing 1–2 of 2 contacts"));
}

#[tokio::test]
async fn segments_can_be_renamed_redefined_and_deleted_and_names_are_unique() {
    let app = setup().await;
    let (_, id) = app
        .call(
            CreateSegment::PATH,
            json!({ "name": "A", "filter": muller_filter() }),
        )
        .await;
    let (status, body) = app
        .call(
            CreateSegment::PATH,
            json!({ "name": "a ", "filter": muller_filter() }),
        )
        .await;
    assert_eq!(status, 200, "names differ in case: {body}");
    let (status, body) = app
        .call(
            CreateSegment::PATH,
            json!({ "name": "A", "filter": muller_filter() }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["Invalid"]["message"],
        "A segment named “A” already exists."
    );
    let (status, body) = app
        .call(
            CreateSegment::PATH,
            json!({ "name": "   ", "filter": muller_filter() }),
        )
        .await;
    assert_eq!(
        (status, body["Invalid"]["field"].as_str()),
        (422, Some("name"))
    );
    let (status, _) = app
        .call(
            CreateSegment::PATH,
            json!({ "name": "Empty", "filter": { "join": "all", "conditions": [] } }),
        )
        .await;
    assert_eq!(status, 422, "a segment needs a condition");

    let (status, _) = app
        .call(
            UpdateSegment::PATH,
            json!({ "id": id, "name": "Renamed", "filter": null }),
        )
        .await;
    assert_eq!(status, 200);
    let tom = json!({ "join": "all", "conditions": [
        { "field": { "kind": "name" }, "op": "starts_with", "value": { "type": "text", "value": "tom" } }
    ] });
    let (status, _) = app
        .call(
            UpdateSegment::PATH,
            json!({ "id": id, "name": null, "filter": tom }),
        )
        .await;
    assert_eq!(status, 200);
    let p = page(&app, json!({ "page": 1, "segment": id })).await;
    assert_eq!(
        (p["segment"]["name"].as_str(), p["total"].as_i64()),
        (Some("Renamed"), Some(1))
    );

    let (status, _) = app.call(DeleteSegment::PATH, json!({ "id": id })).await;
    assert_eq!(status, 200);
    let (status, _) = app.call(DeleteSegment::PATH, json!({ "id": id })).await;
    assert_eq!(status, 404);
    let p = page(&app, json!({ "page": 1, "segment": id })).await;
    assert_eq!(p["total"], 0);
    assert!(p["segment"]["problem"]
        .as_str()
        .unwrap()
        .contains("no longer exists"));
}

#[tokio::test]
async fn a_segment_whose_field_was_deleted_still_opens_with_a_clear_message() {
    let app = setup().await;
    let ws: (i64,) = sqlx::query_as("SELECT id FROM workspaces LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (field,): (i64,) = sqlx::query_as(
        "INSERT INTO contact_field_defs (workspace_id, key, label, field_type, options, position) \
         VALUES ($1, 'tier', 'Tier', 'text', '[]', 1) RETURNING id",
    )
    .bind(ws.0)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let filter = json!({ "join": "all", "conditions": [
        { "field": { "kind": "name" }, "op": "is_not_empty" },
        { "field": { "kind": "custom", "id": field }, "op": "contains", "value": { "type": "text", "value": "gold" } }
    ] });
    let (status, id) = app
        .call(
            CreateSegment::PATH,
            json!({ "name": "Gold", "filter": filter }),
        )
        .await;
    assert_eq!(status, 200, "{id}");
    sqlx::query("DELETE FROM contact_field_defs WHERE id = $1")
        .bind(field)
        .execute(&app.pool)
        .await
        .unwrap();

    let (status, html) = app.get_html(&format!("/contacts?segment={id}")).await;
    assert_eq!(status, 200, "never an error page");
    assert!(html.contains("Condition 2: This field no longer exists."));
    assert!(html.contains("Gold"));
}

#[tokio::test]
async fn another_workspaces_segment_cannot_be_changed() {
    let app = setup().await;
    let other = app.workspace("Other").await;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO segments (workspace_id, name, definition, created_at, updated_at) VALUES ($1, 'x', '{}', 0, 0) RETURNING id",
    )
    .bind(other)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let (status, _) = app.call(DeleteSegment::PATH, json!({ "id": id })).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call(
            UpdateSegment::PATH,
            json!({ "id": id, "name": "mine", "filter": null }),
        )
        .await;
    assert_eq!(status, 404);
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM segments WHERE workspace_id = $1 AND name = 'x'")
            .bind(other)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(n, 1);
}
