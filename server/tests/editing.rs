//! Inline edits and the editor: validation, versions, conflicts, deleted contacts,
//! and many people writing at once.

mod common;

use app::contacts::details::GetContactDetails;
use app::contacts::live::LiveCheck;
use common::{contact, field_def, spawn_app, version, TestApp};
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};
use std::sync::Arc;

fn change(field: Value, expected: Option<&str>, value: &str) -> Value {
    json!({ "field": field, "expected": expected, "value": value })
}

async fn details(app: &TestApp, id: i64) -> Value {
    let (status, body) = app.call(GetContactDetails::PATH, json!({ "id": id })).await;
    assert_eq!(status, 200, "{body}");
    body["contact"].clone()
}

fn field_value(contact: &Value, field: i64) -> Option<String> {
    contact["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field_id"] == field)
        .map(|f| f["value"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn every_field_type_saves_its_canonical_value_and_reads_back() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let id = contact(&app.pool, ws, "Ann Lee", None, None, 1).await;
    let text = field_def(&app.pool, ws, "company", "text", &[]).await;
    let url = field_def(&app.pool, ws, "website", "url", &[]).await;
    let phone = field_def(&app.pool, ws, "backup", "phone", &[]).await;
    let email = field_def(&app.pool, ws, "work_email", "email", &[]).await;
    let number = field_def(&app.pool, ws, "score", "number", &[]).await;
    let select = field_def(&app.pool, ws, "plan", "select", &["Free", "Pro"]).await;
    let multi = field_def(&app.pool, ws, "tags", "multi_select", &["a", "b", "c"]).await;
    let date = field_def(&app.pool, ws, "renewal", "date", &[]).await;

    let cases = [
        (
            json!({ "kind": "email" }),
            " Ann@Example.com ",
            "Ann@Example.com",
        ),
        (
            json!({ "kind": "phone" }),
            "+1 (555) 123-4567",
            "+15551234567",
        ),
        (
            json!({ "kind": "custom", "id": text }),
            "  Müller GmbH ",
            "Müller GmbH",
        ),
        (
            json!({ "kind": "custom", "id": url }),
            "https://example.com/x",
            "https://example.com/x",
        ),
        (
            json!({ "kind": "custom", "id": phone }),
            "0044 20 7946 0958",
            "+442079460958",
        ),
        (
            json!({ "kind": "custom", "id": email }),
            "ann@work.example",
            "ann@work.example",
        ),
        (json!({ "kind": "custom", "id": number }), "12.50", "12.5"),
        (json!({ "kind": "custom", "id": select }), "Pro", "Pro"),
        (
            json!({ "kind": "custom", "id": multi }),
            r#"["c","a"]"#,
            r#"["a","c"]"#,
        ),
        (
            json!({ "kind": "custom", "id": date }),
            "2024-02-29",
            "2024-02-29",
        ),
    ];
    let mut v = version(&app.pool, id).await.unwrap();
    for (field, typed, stored) in cases {
        let (status, body) = app
            .save(id, v, vec![change(field.clone(), None, typed)])
            .await;
        assert_eq!(status, 200, "{field} {body}");
        assert_eq!(body["version"], v + 1, "each save bumps the version");
        assert_eq!(body["values"][0][1], stored, "{field}");
        v += 1;
    }
    let c = details(&app, id).await;
    assert_eq!(c["email"], "Ann@Example.com");
    assert_eq!(c["phone"], "+15551234567");
    assert_eq!(field_value(&c, text).as_deref(), Some("Müller GmbH"));
    assert_eq!(field_value(&c, number).as_deref(), Some("12.5"));
    assert_eq!(field_value(&c, multi).as_deref(), Some(r#"["a","c"]"#));
    assert_eq!(field_value(&c, date).as_deref(), Some("2024-02-29"));

    // The opt-in switch, and the editor's profile fields in one save.
    let (status, body) = app
        .save(
            id,
            v,
            vec![
                change(json!({ "kind": "campaign_opt_in" }), Some("false"), "true"),
                change(
                    json!({ "kind": "name" }),
                    Some("Ann Lee"),
                    "  Ann   Lee-Park ",
                ),
                change(
                    json!({ "kind": "avatar_url" }),
                    None,
                    "https://example.com/a.png",
                ),
                change(json!({ "kind": "custom", "id": select }), Some("Pro"), ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let c = details(&app, id).await;
    assert_eq!(c["campaign_opt_in"], true);
    assert_eq!(c["name"], "Ann Lee-Park");
    assert_eq!(c["avatar_url"], "https://example.com/a.png");
    assert_eq!(
        field_value(&c, select),
        None,
        "an empty value clears the field"
    );

    // Saved values are what search and the server-rendered table see.
    let (_, html) = app.get_html("/contacts?q=m%C3%BCller").await;
    assert!(
        html.contains("Ann Lee-Park"),
        "search finds the edited text"
    );
    assert!(html.contains("+15551234567"));
}

#[tokio::test]
async fn invalid_values_are_refused_next_to_their_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let id = contact(&app.pool, ws, "Ann", Some("ann@example.com"), None, 1).await;
    let number = field_def(&app.pool, ws, "score", "number", &[]).await;
    let select = field_def(&app.pool, ws, "plan", "select", &["Free", "Pro"]).await;
    let date = field_def(&app.pool, ws, "renewal", "date", &[]).await;
    let url = field_def(&app.pool, ws, "website", "url", &[]).await;
    let v = version(&app.pool, id).await.unwrap();
    let cases = [
        (json!({ "kind": "email" }), "ann(at)example.com", "email"),
        (json!({ "kind": "phone" }), "555 1234", "phone"),
        (json!({ "kind": "name" }), "   ", "name"),
        (json!({ "kind": "custom", "id": number }), "NaN", "field-"),
        (
            json!({ "kind": "custom", "id": select }),
            "Enterprise",
            "field-",
        ),
        (
            json!({ "kind": "custom", "id": date }),
            "2023-02-29",
            "field-",
        ),
        (
            json!({ "kind": "custom", "id": url }),
            "javascript:alert(1)",
            "field-",
        ),
        (
            json!({ "kind": "custom", "id": 999_999 }),
            "x",
            "field-999999",
        ),
        (
            json!({ "kind": "campaign_opt_in" }),
            "maybe",
            "campaign_opt_in",
        ),
    ];
    for (field, typed, key) in cases {
        let (status, body) = app
            .save(id, v, vec![change(field.clone(), None, typed)])
            .await;
        assert_eq!(status, 422, "{field}: {body}");
        let err = &body["Invalid"];
        assert!(err["field"].as_str().unwrap().starts_with(key), "{body}");
        let message = err["message"].as_str().unwrap().to_lowercase();
        for internal in ["sql", "table", "constraint", "sqlx"] {
            assert!(!message.contains(internal), "{message}");
        }
    }
    // A valid change next to an invalid one is not saved either.
    let (status, _) = app
        .save(
            id,
            v,
            vec![
                change(json!({ "kind": "name" }), Some("Ann"), "Anna"),
                change(json!({ "kind": "email" }), Some("ann@example.com"), "nope"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(version(&app.pool, id).await, Some(v), "nothing was written");
    let c = details(&app, id).await;
    assert_eq!(
        (c["name"].as_str(), c["email"].as_str()),
        (Some("Ann"), Some("ann@example.com"))
    );
}

#[tokio::test]
async fn a_stale_edit_of_the_same_field_is_a_conflict_showing_the_current_value() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let id = contact(&app.pool, ws, "Ann", Some("ann@old.example"), None, 1).await;
    let seen = version(&app.pool, id).await.unwrap();
    let email = json!({ "kind": "email" });

    let (status, _) = app
        .save(
            id,
            seen,
            vec![change(
                email.clone(),
                Some("ann@old.example"),
                "ann@first.example",
            )],
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .save(
            id,
            seen,
            vec![change(
                email.clone(),
                Some("ann@old.example"),
                "ann@second.example",
            )],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["Conflict"]["field"], "email");
    assert_eq!(body["Conflict"]["current"], "ann@first.example");
    assert!(body["Conflict"]["message"]
        .as_str()
        .unwrap()
        .contains("ann@first.example"));
    assert_eq!(
        details(&app, id).await["email"],
        "ann@first.example",
        "nothing overwritten"
    );

    // Having seen the current value, the second person may replace it on purpose.
    let (status, _) = app
        .save(
            id,
            seen,
            vec![change(
                email,
                Some("ann@first.example"),
                "ann@second.example",
            )],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(details(&app, id).await["email"], "ann@second.example");
}

#[tokio::test]
async fn two_people_editing_different_fields_of_one_contact_both_keep_their_changes() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let id = contact(&app.pool, ws, "Ann", Some("ann@old.example"), None, 1).await;
    let seen = version(&app.pool, id).await.unwrap();
    let (a, _) = app
        .save(
            id,
            seen,
            vec![change(
                json!({ "kind": "email" }),
                Some("ann@old.example"),
                "ann@new.example",
            )],
        )
        .await;
    let (b, _) = app
        .save(
            id,
            seen,
            vec![change(json!({ "kind": "phone" }), None, "+44 20 7946 0958")],
        )
        .await;
    assert_eq!((a, b), (200, 200));
    let c = details(&app, id).await;
    assert_eq!(
        (c["email"].as_str(), c["phone"].as_str()),
        (Some("ann@new.example"), Some("+442079460958"))
    );
    assert_eq!(c["version"], seen + 2);
}

#[tokio::test]
async fn editing_a_contact_deleted_meanwhile_says_so_and_never_recreates_it() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let id = contact(&app.pool, ws, "Ann", None, None, 1).await;
    let other_ws = app.workspace("Other").await;
    let foreign = contact(&app.pool, other_ws, "Bob", None, None, 1).await;
    sqlx::query("DELETE FROM contacts WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    for target in [id, foreign] {
        let (status, body) = app
            .save(
                target,
                1,
                vec![change(json!({ "kind": "name" }), None, "Zed")],
            )
            .await;
        assert_eq!(status, 404, "{body}");
        assert!(body["NotFound"].is_string(), "{body}");
    }
    assert_eq!(version(&app.pool, id).await, None, "not recreated");
    let (name,): (String,) = sqlx::query_as("SELECT name FROM contacts WHERE id = $1")
        .bind(foreign)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "Bob", "another workspace's contact is untouched");
}

#[tokio::test]
async fn the_live_check_is_tiny_and_moves_only_when_something_changed() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let id = contact(&app.pool, ws, "Ann", None, None, 1).await;
    let check = || async {
        let res = app
            .client
            .post(app.url(LiveCheck::PATH))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let bytes = res.bytes().await.unwrap();
        assert!(bytes.len() <= 200, "{} bytes", bytes.len());
        serde_json::from_slice::<i64>(&bytes).unwrap()
    };
    let before = check().await;
    assert_eq!(check().await, before, "nothing changed");
    app.save(
        id,
        1,
        vec![change(json!({ "kind": "email" }), None, "ann@example.com")],
    )
    .await;
    let after_edit = check().await;
    assert!(after_edit > before);
    contact(&app.pool, ws, "Bob", None, None, 2).await;
    assert!(check().await > after_edit, "a new contact moves it");
}

/// 20 editors over many rounds: half own a field each, half fight over one.
/// Every write must either be visible afterwards or be answered with a conflict.
#[tokio::test]
async fn twenty_concurrent_editors_lose_no_update() {
    const ROUNDS: usize = 1_000;
    let app = Arc::new(spawn_app().await);
    let ws = app.workspace("Acme").await;
    let id = contact(&app.pool, ws, "Ann", Some("start@example.com"), None, 1).await;
    let mut own = Vec::new();
    for i in 0..10 {
        own.push(field_def(&app.pool, ws, &format!("f{i}"), "text", &[]).await);
    }
    let mut last_own: Vec<Option<String>> = vec![None; 10];
    for round in 0..ROUNDS {
        let (seen_version, seen_email): (i64, String) =
            sqlx::query_as("SELECT version, email FROM contacts WHERE id = $1")
                .bind(id)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        let mut tasks = Vec::new();
        for editor in 0..20 {
            let app = app.clone();
            let (field, expected, value) = if editor < 10 {
                (
                    json!({ "kind": "custom", "id": own[editor] }),
                    last_own[editor].clone(),
                    format!("e{editor} r{round}"),
                )
            } else {
                (
                    json!({ "kind": "email" }),
                    Some(seen_email.clone()),
                    format!("e{editor}.r{round}@example.com"),
                )
            };
            tasks.push(tokio::spawn(async move {
                let (status, body) = app
                    .save(
                        id,
                        seen_version,
                        vec![change(field, expected.as_deref(), &value)],
                    )
                    .await;
                (editor, status, body, value)
            }));
        }
        let mut email_winners = Vec::new();
        for task in tasks {
            let (editor, status, body, value) = task.await.unwrap();
            if editor < 10 {
                assert_eq!(
                    status, 200,
                    "round {round}: editor {editor} owns its field: {body}"
                );
                last_own[editor] = Some(value);
            } else if status == 200 {
                email_winners.push(value);
            } else {
                assert_eq!(status, 409, "round {round}: {body}");
            }
        }
        assert_eq!(
            email_winners.len(),
            1,
            "round {round}: exactly one email write wins"
        );
        let (email,): (String,) = sqlx::query_as("SELECT email FROM contacts WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(
            email, email_winners[0],
            "round {round}: the winner's write is visible"
        );
    }
    let c = details(&app, id).await;
    for (i, field) in own.iter().enumerate() {
        assert_eq!(
            field_value(&c, *field),
            last_own[i],
            "field {i} kept its last write"
        );
    }
    assert_eq!(
        c["version"],
        1 + (ROUNDS as i64) * 11,
        "every saved write bumped the version once"
    );
}

#[tokio::test]
async fn fifty_concurrent_writers_for_thirty_seconds_never_see_a_locked_database() {
    let app = Arc::new(spawn_app().await);
    let ws = app.workspace("Acme").await;
    let mut ids = Vec::new();
    for i in 0..50 {
        ids.push(contact(&app.pool, ws, &format!("Writer {i}"), None, None, i).await);
    }
    // "Database is locked" is SQLite's failure, so SQLite gets the full 30 s;
    // PostgreSQL's run checks the same writes for a third of the time.
    let seconds = if common::postgres_server().is_some() {
        10
    } else {
        30
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (writer, id) in ids.into_iter().enumerate() {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut saves = 0_u64;
            let mut previous: Option<String> = None;
            while std::time::Instant::now() < deadline {
                let value = format!("w{writer}.{saves}@example.com");
                let (status, body) = app
                    .save(
                        id,
                        0,
                        vec![change(
                            json!({ "kind": "email" }),
                            previous.as_deref(),
                            &value,
                        )],
                    )
                    .await;
                assert_eq!(status, 200, "writer {writer}: {body}");
                previous = Some(value);
                saves += 1;
            }
            saves
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    assert!(total > 500, "only {total} saves in 30 s");
    eprintln!("{total} saves by 50 writers in 30 s, none refused");
}
