//! `contacts user add`: the operator's way to let people in.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn user_add(db: &str, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_contacts"))
        .args(["user", "add", "--database-url", db])
        .args(args)
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("contacts binary");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn user_add_reads_the_password_from_stdin_and_the_account_can_sign_in() {
    let test_db = common::TestDb::new().await;
    let db = test_db.url.clone();

    let (ok, out) = user_add(
        &db,
        &[
            "--workspace",
            "Acme",
            "--email",
            "Ops@Example.com",
            "--role",
            "admin",
        ],
        "correct horse battery\n",
    );
    assert!(ok, "{out}");
    assert!(out.contains("Created the workspace \"Acme\""), "{out}");
    assert!(out.contains("as admin of \"Acme\""), "{out}");

    // The same person joins a second workspace: no password needed.
    let (ok, out) = user_add(
        &db,
        &[
            "--workspace",
            "Globex",
            "--email",
            "ops@example.com",
            "--role",
            "agent",
        ],
        "",
    );
    assert!(ok, "{out}");
    assert!(out.contains("Added the existing user"), "{out}");

    // A short password is refused and nothing is created.
    let (ok, out) = user_add(
        &db,
        &[
            "--workspace",
            "Acme",
            "--email",
            "new@example.com",
            "--role",
            "agent",
        ],
        "short\n",
    );
    assert!(!ok);
    assert!(out.contains("at least 10 characters"), "{out}");

    let pool = server::db::connect(&db).await.unwrap();
    let store = server::db::SqlStore::new(pool.clone());
    use app::store::AccountStore;
    let user = store
        .user_by_email("OPS@example.com")
        .await
        .unwrap()
        .expect("the account");
    assert!(app::accounts::secret::verify_password(
        "correct horse battery",
        Some(&user.password_hash)
    ));
    assert!(user.password_hash.starts_with("$argon2id$"));
    let roles: Vec<(String, String)> = sqlx::query_as(
        "SELECT w.name, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id ORDER BY w.name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        roles,
        vec![
            ("Acme".to_string(), "admin".to_string()),
            ("Globex".to_string(), "agent".to_string())
        ]
    );
    assert!(store
        .user_by_email("new@example.com")
        .await
        .unwrap()
        .is_none());
}
