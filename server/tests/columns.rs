//! Choosing the table's field columns, kept per workspace.

mod common;

use app::contacts::columns::SaveColumns;
use app::contacts::ListContacts;
use common::spawn_app;
use leptos::server_fn::ServerFn;
use serde_json::json;

#[tokio::test]
async fn chosen_columns_show_in_order_and_survive_a_reload() {
    let app = spawn_app().await;
    app.seed(12, "Acme").await;
    let id = |table: &'static str, key: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (i64,)>(&format!("SELECT id FROM {table} WHERE key = $1"))
                .bind(key)
                .fetch_one(&pool)
                .await
                .unwrap()
                .0
        }
    };
    let plan = id("contact_field_defs", "plan").await;
    let priority = id("conversation_field_defs", "priority").await;
    let columns =
        json!([{ "kind": "conversation", "id": priority }, { "kind": "custom", "id": plan }]);
    let (status, body) = app
        .call(SaveColumns::PATH, json!({ "columns": columns }))
        .await;
    assert_eq!(status, 200, "{body}");

    let (_, body) = app
        .call(ListContacts::PATH, json!({ "query": { "page": 1 } }))
        .await;
    assert_eq!(body["Page"]["columns"], columns);
    let (_, html) = app.get_html("/contacts").await;
    let priority_at = html.find(">Priority<").expect("priority column");
    let plan_at = html.find(">Plan<").expect("plan column");
    assert!(priority_at < plan_at, "in the chosen order");
    assert!(!html.contains(">Company<"), "unchosen columns are hidden");
}

#[tokio::test]
async fn columns_naming_unknown_or_repeated_fields_are_refused() {
    let app = spawn_app().await;
    app.seed(3, "Acme").await;
    let (status, body) = app
        .call(
            SaveColumns::PATH,
            json!({ "columns": [{ "kind": "custom", "id": 98765 }] }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (plan,): (i64,) = sqlx::query_as("SELECT id FROM contact_field_defs WHERE key = 'plan'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (status, _) = app
        .call(SaveColumns::PATH, json!({ "columns": [{ "kind": "custom", "id": plan }, { "kind": "custom", "id": plan }] }))
        .await;
    assert_eq!(status, 422);
    // A deleted field simply drops out of a saved choice.
    let (status, _) = app
        .call(
            SaveColumns::PATH,
            json!({ "columns": [{ "kind": "custom", "id": plan }] }),
        )
        .await;
    assert_eq!(status, 200);
    sqlx::query("DELETE FROM contact_field_defs WHERE id = $1")
        .bind(plan)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, body) = app
        .call(ListContacts::PATH, json!({ "query": { "page": 1 } }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["Page"]["columns"], json!([]));
}
