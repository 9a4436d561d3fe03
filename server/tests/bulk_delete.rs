//! Bulk deletion: the confirmation's counts, ticked rows, every matching contact,
//! all or nothing, and selections larger than a statement can bind.

mod common;

use app::contacts::bulk_delete::{DeleteContacts, PreviewDelete};
use app::contacts::ListContacts;
use common::{contact, conversation, spawn_app, version, TestApp};
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_as::<_, (i64,)>(sql)
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .0
}

async fn total(app: &TestApp, q: &str) -> i64 {
    let (status, body) = app
        .call(
            ListContacts::PATH,
            json!({ "query": { "page": 1, "q": q } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["Page"]["total"].as_i64().unwrap()
}

fn ids(ids: &[i64]) -> Value {
    json!({ "target": { "Ids": ids } })
}

#[tokio::test]
async fn the_confirmation_counts_contacts_with_and_without_conversations() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let talker = contact(&app.pool, ws, "Talker", None, None, 1).await;
    conversation(&app.pool, ws, talker).await;
    conversation(&app.pool, ws, talker).await;
    let quiet = contact(&app.pool, ws, "Quiet", None, None, 2).await;
    let quiet2 = contact(&app.pool, ws, "Quiet Two", None, None, 3).await;
    let other = app.workspace("Other").await;
    let foreign = contact(&app.pool, other, "Foreign", None, None, 1).await;
    conversation(&app.pool, other, foreign).await;

    let (status, body) = app
        .call(
            PreviewDelete::PATH,
            ids(&[talker, quiet, quiet2, foreign, 999_999]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({ "total": 3, "with_conversations": 1 }),
        "another workspace's and unknown ids do not count"
    );

    let (status, body) = app
        .call(
            PreviewDelete::PATH,
            json!({ "target": { "Matching": { "page": 1, "q": "quiet" } } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "total": 2, "with_conversations": 0 }));
}

#[tokio::test]
async fn deleting_ticked_contacts_removes_them_with_conversations_and_messages() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let talker = contact(&app.pool, ws, "Talker", Some("t@example.com"), None, 1).await;
    conversation(&app.pool, ws, talker).await;
    let keep = contact(&app.pool, ws, "Keeper", None, None, 2).await;
    let other = app.workspace("Other").await;
    let foreign = contact(&app.pool, other, "Foreign", None, None, 1).await;
    conversation(&app.pool, other, foreign).await;

    let (status, body) = app
        .call(DeleteContacts::PATH, ids(&[talker, foreign]))
        .await;
    assert_eq!((status, body), (200, json!(1)));
    assert_eq!(version(&app.pool, talker).await, None);
    assert!(version(&app.pool, keep).await.is_some());
    assert!(
        version(&app.pool, foreign).await.is_some(),
        "another workspace's contact stays"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM conversations").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages").await, 1);
    assert_eq!(total(&app, "").await, 1, "the kept total follows");
    assert_eq!(
        total(&app, "t@example").await,
        0,
        "search no longer finds it"
    );

    let (status, body) = app.call(DeleteContacts::PATH, ids(&[])).await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn deleting_all_matching_takes_every_page_of_the_search_and_nothing_else() {
    let app = spawn_app().await;
    app.seed(60, "Acme").await;
    let ws: (i64,) = sqlx::query_as("SELECT id FROM workspaces")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for i in 0..25 {
        contact(&app.pool, ws.0, &format!("Zebra {i}"), None, None, i).await;
    }
    let before = total(&app, "").await;
    assert_eq!(total(&app, "zebra").await, 25);
    let (status, body) = app
        .call(
            DeleteContacts::PATH,
            json!({ "target": { "Matching": { "page": 3, "q": "zebra" } } }),
        )
        .await;
    assert_eq!(
        (status, body),
        (200, json!(25)),
        "every page, not only the one shown"
    );
    assert_eq!(total(&app, "zebra").await, 0);
    assert_eq!(total(&app, "").await, before - 25);
    let orphans = count(
        &app,
        "SELECT COUNT(*) FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM contacts WHERE id = c.contact_id)",
    )
    .await;
    assert_eq!(orphans, 0);
}

#[tokio::test]
async fn a_delete_that_fails_midway_deletes_nothing() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let mut all = Vec::new();
    for i in 0..1_200 {
        all.push(contact(&app.pool, ws, &format!("C{i}"), None, None, i).await);
    }
    // A contact that refuses to go, deep in the second chunk of ids.
    let refuse = match server::db::Backend::of(&app.pool) {
        server::db::Backend::Sqlite => vec![format!(
            "CREATE TRIGGER refuse BEFORE DELETE ON contacts WHEN OLD.id = {} BEGIN SELECT RAISE(ABORT, 'refused'); END",
            all[900]
        )],
        server::db::Backend::Postgres => vec![
            format!(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF OLD.id = {} THEN RAISE EXCEPTION 'refused'; END IF; RETURN OLD; END $$",
                all[900]
            ),
            "CREATE TRIGGER refuse BEFORE DELETE ON contacts FOR EACH ROW EXECUTE FUNCTION refuse()".into(),
        ],
    };
    for statement in refuse {
        sqlx::query(&statement).execute(&app.pool).await.unwrap();
    }
    let (status, body) = app.call(DeleteContacts::PATH, ids(&all)).await;
    assert_eq!(
        (status, &body),
        (500, &json!("Internal")),
        "the detail stays in the logs"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM contacts").await,
        1_200,
        "all or nothing"
    );
}

#[tokio::test]
async fn a_selection_larger_than_the_bind_limit_deletes_in_chunks() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let mut real = Vec::new();
    for i in 0..300 {
        real.push(contact(&app.pool, ws, &format!("C{i}"), None, None, i).await);
    }
    // 100,000 ids: far more than one SQLite statement can bind (32,766).
    let mut selection: Vec<i64> = (1_000_000..1_099_700).collect();
    selection.extend(&real);
    assert_eq!(selection.len(), 100_000);
    let (status, body) = app.call(PreviewDelete::PATH, ids(&selection)).await;
    assert_eq!((status, body["total"].as_i64()), (200, Some(300)));
    let (status, body) = app.call(DeleteContacts::PATH, ids(&selection)).await;
    assert_eq!((status, body), (200, json!(300)));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM contacts").await, 0);
}
