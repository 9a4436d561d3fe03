//! `contacts seed` against a real database.

mod common;

use common::{spawn_app, TestDb};
use server::{db, seed};

#[tokio::test]
async fn seeding_twice_with_the_same_seed_gives_the_same_people() {
    let a = spawn_app().await;
    let b = spawn_app().await;
    a.seed(50, "Demo").await;
    b.seed(50, "Demo").await;
    let q = "SELECT name, email, phone FROM contacts ORDER BY id";
    let x: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as(q).fetch_all(&a.pool).await.unwrap();
    let y: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as(q).fetch_all(&b.pool).await.unwrap();
    assert_eq!(x, y);
}

#[tokio::test]
async fn seeded_data_covers_every_field_type_and_keeps_counts_consistent() {
    let app = spawn_app().await;
    let ws = app.seed(300, "Demo").await;
    let types: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT field_type FROM contact_field_defs WHERE workspace_id = $1",
    )
    .bind(ws)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(types.len(), 8, "every field type: {types:?}");
    let (count, stored): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM contacts WHERE workspace_id = $1), contact_count FROM workspaces WHERE id = $1",
    )
    .bind(ws)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((count, stored), (300, 300));
    let (without,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM conversations v WHERE v.contact_id = c.id)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(without > 0 && without < 300);
    // Last interaction is the newest message of the contact's conversations.
    let (mismatched,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM contacts c WHERE c.last_interaction_at IS DISTINCT FROM \
         (SELECT MAX(m.created_at) FROM conversations v JOIN messages m ON m.conversation_id = v.id \
          WHERE v.contact_id = c.id)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(mismatched, 0);
    let names: Vec<(String,)> = sqlx::query_as("SELECT name FROM contacts")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let non_ascii = names.iter().filter(|(n,)| !n.is_ascii()).count();
    assert!(non_ascii > 30, "names in many scripts");
}

#[tokio::test]
async fn seeding_adds_to_an_existing_workspace() {
    let app = spawn_app().await;
    app.seed(10, "Demo").await;
    app.seed(15, "Demo").await;
    let (n, stored): (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM contacts), contact_count FROM workspaces")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((n, stored), (25, 25));
}

/// The statistics rows SQLite's planner has for the contacts' indexes.
async fn analyzed_indexes(pool: &sqlx::AnyPool) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT idx FROM sqlite_stat1 WHERE tbl = 'contacts' AND idx IS NOT NULL ORDER BY idx",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter().map(|(idx,)| idx).collect()
}

#[tokio::test]
async fn an_index_a_migration_adds_to_an_analyzed_database_is_analyzed_at_start() {
    // SQLite's statistics only: PostgreSQL's autovacuum analyzes by itself.
    let test_db = TestDb::sqlite();
    let pool = db::connect(&test_db.url).await.unwrap();
    let options = seed::SeedOptions {
        contacts: 40,
        seed: 7,
        workspace: "Demo".into(),
        progress: false,
    };
    seed::seed(&pool, &options).await.unwrap();
    let complete = analyzed_indexes(&pool).await;
    assert!(
        complete.contains(&"contacts_export_by_created".to_string()),
        "{complete:?}"
    );
    // As after a release whose migration created the index: no statistics for it.
    sqlx::query("DELETE FROM sqlite_stat1 WHERE idx = 'contacts_export_by_created'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let pool = db::connect(&test_db.url).await.unwrap();
    assert_eq!(analyzed_indexes(&pool).await, complete);
}

#[tokio::test]
async fn a_database_never_analyzed_is_left_without_statistics() {
    let test_db = TestDb::sqlite();
    let pool = db::connect(&test_db.url).await.unwrap();
    sqlx::query("INSERT INTO workspaces (name, created_at) VALUES ('Acme', 0)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let pool = db::connect(&test_db.url).await.unwrap();
    let stat: Option<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            .fetch_optional(&pool)
            .await
            .unwrap();
    assert_eq!(stat, None);
}
