//! Importing CSV files: this app's own exports and other tools' files, flaws included.

mod common;

use app::contacts::import::{CheckImport, GetImportProgress, StartImport};
use common::{contact, field_def, spawn_app, TestApp};
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

/// A contact as the round trip compares it: name, email, phone, created (s),
/// opt-in and its custom fields.
type Dumped = (
    String,
    Option<String>,
    Option<String>,
    i64,
    server::db::Flag,
    Option<String>,
);

const FIXTURES: &str = "tests/fixtures/peer-csv";

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(FIXTURES)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn upload(app: &TestApp, body: Vec<u8>) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/contacts/import.csv"))
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// Asks for the import to start: its status and answer.
async fn start(app: &TestApp, upload: &Value, on_existing: &str, only_valid: bool) -> (u16, Value) {
    let request =
        json!({ "id": upload["id"], "mapping": upload["mapping"], "on_existing": on_existing });
    app.call(
        StartImport::PATH,
        json!({ "request": request, "only_valid": only_valid }),
    )
    .await
}

async fn import(app: &TestApp, upload: &Value, on_existing: &str, only_valid: bool) -> Value {
    let (status, body) = start(app, upload, on_existing, only_valid).await;
    assert_eq!(status, 200, "{body}");
    for _ in 0..200 {
        let (_, progress) = app
            .call(GetImportProgress::PATH, json!({ "id": upload["id"] }))
            .await;
        if progress["finished"] == true {
            assert_eq!(progress["error"], Value::Null, "{progress}");
            return progress["counts"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

async fn check(app: &TestApp, upload: &Value, on_existing: &str) -> Value {
    let request =
        json!({ "id": upload["id"], "mapping": upload["mapping"], "on_existing": on_existing });
    let (status, body) = app
        .call(CheckImport::PATH, json!({ "request": request }))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn count(app: &TestApp) -> i64 {
    sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM contacts")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .0
}

#[tokio::test]
async fn chatwoots_sample_with_shifted_columns_is_reported_row_by_row() {
    let app = spawn_app().await;
    app.workspace("Acme").await;
    let (status, up) = upload(&app, fixture("chatwoot-import-sample.csv")).await;
    assert_eq!(status, 200, "{up}");
    assert_eq!(up["rows"], 25);
    assert_eq!(up["mapping"][1], json!({ "kind": "name" }));
    assert_eq!(up["mapping"][2], json!({ "kind": "email" }));
    assert_eq!(up["mapping"][5], json!({ "kind": "phone" }));
    assert_eq!(
        up["mapping"][0],
        json!({ "kind": "skip" }),
        "their ids are not ours"
    );

    let report = check(&app, &up, "update").await;
    assert_eq!(report["rows"], 25);
    assert_eq!(report["valid"], 25, "{report}");
    assert_eq!(report["problem_count"], 0);
    // Every shifted row is pointed out before anything is written.
    assert_eq!(report["warning_count"], 24);
    assert_eq!(report["warnings"][0]["line"], 3);
    let warning = report["warnings"][0]["reason"].as_str().unwrap();
    assert!(
        warning.contains("custom_attribute_2 left empty") && warning.contains("shifted"),
        "{warning}"
    );

    let counts = import(&app, &up, "update", false).await;
    assert_eq!(counts, json!({ "created": 25, "updated": 0, "skipped": 0 }));
    let (name, phone): (String, String) =
        sqlx::query_as("SELECT name, phone FROM contacts WHERE email = 'cuzzell0@mozilla.org'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), phone.as_str()),
        ("Clarice Uzzell", "+498963648018")
    );
}

#[tokio::test]
async fn duplicates_and_short_phones_are_named_and_existing_contacts_updated_or_skipped() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    contact(
        &app.pool,
        ws,
        "Old Name",
        Some("MCREEGAN1@cornell.edu"),
        None,
        1,
    )
    .await;
    let (_, up) = upload(&app, fixture("chatwoot-invalid-contacts.csv")).await;
    assert_eq!(up["mapping"][1], json!({ "kind": "first_name" }));
    assert_eq!(up["mapping"][2], json!({ "kind": "last_name" }));
    assert_eq!(up["mapping"][7], json!({ "kind": "phone" }));
    let report = check(&app, &up, "skip").await;
    assert_eq!(report["problem_count"], 1, "{report}");
    assert_eq!(
        report["warning_count"], 22,
        "rows without a phone column are imported, and noted"
    );

    // Nothing is written unless the person chooses to import only the valid rows.
    let (status, body) = start(&app, &up, "skip", false).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(count(&app).await, 1);
    let reason = report["problems"][0]["reason"].as_str().unwrap();
    assert_eq!(report["problems"][0]["line"], 4);
    assert!(
        reason.contains("phone"),
        "the short number is named first: {reason}"
    );
    assert_eq!(
        report["existing"], 1,
        "the same email in another case is the same person"
    );

    let counts = import(&app, &up, "skip", true).await;
    assert_eq!(counts, json!({ "created": 23, "updated": 0, "skipped": 1 }));
    let (name,): (String,) =
        sqlx::query_as("SELECT name FROM contacts WHERE email = 'MCREEGAN1@cornell.edu'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(name, "Old Name", "skipped, not changed");

    let (_, again) = upload(&app, fixture("chatwoot-invalid-contacts.csv")).await;
    let counts = import(&app, &again, "update", true).await;
    assert_eq!(counts, json!({ "created": 0, "updated": 24, "skipped": 0 }));
    let (name,): (String,) =
        sqlx::query_as("SELECT name FROM contacts WHERE email_fold = 'mcreegan1@cornell.edu'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(name, "Marieann Creegan");
    assert_eq!(count(&app).await, 24);
}

#[tokio::test]
async fn first_and_last_names_combine_and_extra_columns_are_left_out() {
    let app = spawn_app().await;
    app.workspace("Acme").await;
    let (_, up) = upload(&app, fixture("chatwoot-contacts.csv")).await;
    let report = check(&app, &up, "update").await;
    assert_eq!(
        (report["valid"].as_i64(), report["problem_count"].as_i64()),
        (Some(25), Some(0)),
        "{report}"
    );
    import(&app, &up, "update", false).await;
    let (name,): (String,) =
        sqlx::query_as("SELECT name FROM contacts WHERE email = 'tolunney4@si.edu'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(name, "Tina O'Lunney");
}

#[tokio::test]
async fn an_export_imported_into_an_empty_workspace_reproduces_contacts_and_fields() {
    let source = spawn_app().await;
    source.seed(300, "Acme").await;
    let res = source
        .client
        .get(source.url("/contacts/export.csv?limit=300&by=created_at"))
        .send()
        .await
        .unwrap();
    let file = res.bytes().await.unwrap().to_vec();
    let file_again = file.clone();

    let target = spawn_app().await;
    let ws = target.workspace("Fresh").await;
    // The same field definitions, no contacts.
    let defs: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT key, label, field_type, options FROM contact_field_defs ORDER BY position, id",
    )
    .fetch_all(&source.pool)
    .await
    .unwrap();
    for (key, label, field_type, options) in &defs {
        let options: Vec<String> = serde_json::from_str(options).unwrap();
        let options: Vec<&str> = options.iter().map(String::as_str).collect();
        let id = field_def(&target.pool, ws, key, field_type, &options).await;
        sqlx::query("UPDATE contact_field_defs SET label = $1 WHERE id = $2")
            .bind(label)
            .bind(id)
            .execute(&target.pool)
            .await
            .unwrap();
    }
    let (status, up) = upload(&target, file).await;
    assert_eq!(status, 200, "{up}");
    let report = check(&target, &up, "update").await;
    assert_eq!(report["problem_count"], 0, "{report}");
    let counts = import(&target, &up, "update", false).await;
    assert_eq!(counts["created"], 300);

    let dump = |pool: sqlx::AnyPool| async move {
        let fields = match server::db::Backend::of(&pool) {
            server::db::Backend::Sqlite => "(SELECT group_concat(d.key || '=' || v.value, '|') FROM contact_field_values v \
              JOIN contact_field_defs d ON d.id = v.field_id WHERE v.contact_id = c.id ORDER BY d.key)",
            server::db::Backend::Postgres => "(SELECT string_agg(d.key || '=' || v.value, '|' ORDER BY d.key) FROM contact_field_values v \
              JOIN contact_field_defs d ON d.id = v.field_id WHERE v.contact_id = c.id)",
        };
        let rows: Vec<Dumped> = sqlx::query_as(&format!(
            "SELECT c.name, c.email, c.phone, c.created_at / 1000, c.campaign_opt_in + 0, \
             {fields} \
             FROM contacts c ORDER BY c.created_at, c.name"
        ))
        .fetch_all(&pool)
        .await
        .unwrap();
        rows
    };
    // Imported contacts are found by search, custom field text included.
    let (company,): (String,) = sqlx::query_as(
        "SELECT v.value FROM contact_field_values v JOIN contact_field_defs d ON d.id = v.field_id \
         WHERE d.key = 'company' ORDER BY v.contact_id LIMIT 1",
    )
    .fetch_one(&target.pool)
    .await
    .unwrap();
    let (status, body) = target
        .call(
            app::contacts::ListContacts::PATH,
            json!({ "query": { "page": 1, "q": company } }),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        body["Page"]["total"].as_i64().unwrap() >= 1,
        "{company}: {body}"
    );

    // Importing the same file again changes nothing: no new versions. Contacts
    // with neither email nor phone cannot be recognized, so they come again.
    let (anonymous,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM contacts WHERE email IS NULL AND phone IS NULL")
            .fetch_one(&target.pool)
            .await
            .unwrap();
    let (_, again) = upload(&target, file_again).await;
    let counts = import(&target, &again, "update", false).await;
    assert_eq!(counts["updated"], 300 - anonymous);
    assert_eq!(counts["created"], anonymous);
    sqlx::query("DELETE FROM contacts WHERE id > (SELECT MAX(id) FROM contacts) - $1")
        .bind(anonymous)
        .execute(&target.pool)
        .await
        .unwrap();
    let (max_version,): (i64,) = sqlx::query_as("SELECT MAX(version) FROM contacts")
        .fetch_one(&target.pool)
        .await
        .unwrap();
    assert_eq!(max_version, 1, "unchanged contacts are not rewritten");

    let before = dump(source.pool.clone()).await;
    let after = dump(target.pool.clone()).await;
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a, b);
    }
}

#[tokio::test]
async fn a_file_over_the_size_limit_is_refused_with_a_clear_message() {
    let app = spawn_app().await;
    app.workspace("Acme").await;
    let big = vec![b'x'; (app::contacts::import::DEFAULT_MAX_BYTES + 1) as usize];
    let (status, body) = upload(&app, big).await;
    assert_eq!(status, 413);
    assert!(
        body["Invalid"]["message"]
            .as_str()
            .unwrap()
            .contains("larger than 20 MB"),
        "{body}"
    );
}

/// The check counts a row as an existing contact when its email matches one in
/// any case, or else when its phone's digits match one, as the import will.
#[tokio::test]
async fn the_check_finds_existing_contacts_by_email_or_else_by_phone() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    contact(
        &app.pool,
        ws,
        "Ann",
        Some("ann@example.com"),
        Some("+49 151 1111111"),
        1,
    )
    .await;
    contact(&app.pool, ws, "Bob", None, Some("+49 152 2222222"), 2).await;
    let other = app.workspace("Other").await;
    contact(&app.pool, other, "Carl", Some("carl@new.example"), None, 3).await;
    let csv = "Name,Email,Phone\n\
               Ann Again,ANN@Example.com,\n\
               Bobby,bob@new.example,+49 152 2222222\n\
               Carl,carl@new.example,+49 153 3333333\n\
               Ann's phone,,+49 (151) 111-1111\n\
               Dana,dana@new.example,\n";
    let (status, up) = upload(&app, csv.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{up}");
    let report = check(&app, &up, "update").await;
    assert_eq!(report["problem_count"], 0, "{report}");
    assert_eq!(
        report["existing"], 3,
        "Ann by email, Bob by phone, Ann by phone; Carl is another workspace's: {report}"
    );
    let counts = import(&app, &up, "update", true).await;
    assert_eq!(counts, json!({ "created": 2, "updated": 3, "skipped": 0 }));
}

/// Rows of one batch are written as if one after another: a contact whose
/// email an earlier row changed is no longer found by its old email.
#[tokio::test]
async fn a_row_finds_the_contact_that_the_rows_before_it_left() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let xavier = contact(
        &app.pool,
        ws,
        "Xavier",
        Some("x@old.example"),
        Some("+49 151 1111111"),
        1,
    )
    .await;
    let csv = "Name,Email,Phone\n\
               X by phone,x@changed.example,+49 151 1111111\n\
               Old email,x@old.example,\n\
               Bea,bea@new.example,+49 152 2222222\n";
    let (status, up) = upload(&app, csv.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{up}");
    let counts = import(&app, &up, "update", false).await;
    assert_eq!(
        counts,
        json!({ "created": 2, "updated": 1, "skipped": 0 }),
        "the second row's email left Xavier with the first row"
    );
    let (name, email): (String, String) =
        sqlx::query_as("SELECT name, email FROM contacts WHERE id = $1")
            .bind(xavier)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), email.as_str()),
        ("X by phone", "x@changed.example")
    );
    let (name,): (String,) =
        sqlx::query_as("SELECT name FROM contacts WHERE email = 'x@old.example'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(name, "Old email");
    assert_eq!(count(&app).await, 3);
}

/// The check calls a second row with the same email a problem; the import
/// agrees: it refuses the file, or leaves that row out when told to.
#[tokio::test]
async fn a_row_with_an_earlier_rows_email_is_left_out_as_the_check_says() {
    let app = spawn_app().await;
    app.workspace("Acme").await;
    let csv = "Name,Email,Phone\n\
               Ann,ann@example.com,\n\
               Ann twice,ANN@example.com,\n\
               Bob,,+49 152 2222222\n";
    let (status, up) = upload(&app, csv.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{up}");
    let report = check(&app, &up, "update").await;
    assert_eq!(report["problem_count"], 1, "{report}");
    assert_eq!(report["problems"][0]["line"], 3, "{report}");

    let (status, body) = start(&app, &up, "update", false).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(count(&app).await, 0, "nothing is written");

    let counts = import(&app, &up, "update", true).await;
    assert_eq!(counts, json!({ "created": 2, "updated": 0, "skipped": 0 }));
    let (name,): (String,) =
        sqlx::query_as("SELECT name FROM contacts WHERE email_fold = 'ann@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(name, "Ann", "the second Ann was left out, not merged");
}
