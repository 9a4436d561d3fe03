//! Several app instances over one database behave as one app: a session made
//! through one is good on another, and Live mode on one sees edits made
//! through another at its next check.

mod common;

use app::contacts::inline_edit::SaveContact;
use app::contacts::live::LiveCheck;
use common::{contact, spawn_app};
use leptos::server_fn::ServerFn;
use serde_json::json;

/// Saves a contact's email as the browser does; returns the status.
async fn save_email(client: &reqwest::Client, url: String, id: i64, email: &str) -> u16 {
    client
        .post(url)
        .json(&json!({ "id": id, "version": 1, "changes": [
            { "field": { "kind": "email" }, "expected": null, "value": email }
        ] }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn page(client: &reqwest::Client, url: String) -> String {
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

async fn live_check(client: &reqwest::Client, url: String) -> i64 {
    let res = client
        .post(url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn an_edit_through_one_instance_shows_in_the_live_list_of_another() {
    let a = spawn_app().await;
    let ws = a.workspace("Acme").await;
    let id = contact(&a.pool, ws, "Ann", None, None, 1).await;
    let b = a.second_instance().await;

    // Signed in through A, the same session is valid on B.
    let html = page(&b.client, b.url("/contacts")).await;
    assert!(html.contains("Ann"), "B shows A's workspace");
    assert!(!html.contains("ann@example.com"));

    let before = live_check(&b.client, b.url(LiveCheck::PATH)).await;
    assert_eq!(live_check(&b.client, b.url(LiveCheck::PATH)).await, before);

    let status = save_email(&a.client, a.url(SaveContact::PATH), id, "ann@example.com").await;
    assert_eq!(status, 200);

    // B's next Live check sees the change, and its list has the new value.
    assert!(live_check(&b.client, b.url(LiveCheck::PATH)).await > before);
    let html = page(&b.client, b.url("/contacts")).await;
    assert!(html.contains("ann@example.com"), "B lists A's edit");

    // A save through B against the version A already replaced is a conflict.
    let status = save_email(&b.client, b.url(SaveContact::PATH), id, "other@example.com").await;
    assert_eq!(status, 409);
}

/// A `contacts serve` process; killed when dropped.
struct Served {
    child: std::process::Child,
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(url: &str) -> Served {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_contacts"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--database-url", url])
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("contacts serve");
    let served = Served {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if reqwest::get(format!("{}/healthz", served.base))
            .await
            .is_ok()
        {
            return served;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("contacts serve did not start");
}

#[tokio::test]
async fn two_serve_processes_over_one_database_act_as_one_app() {
    let test_db = common::TestDb::new().await;
    let pool = server::db::connect(&test_db.url).await.unwrap();
    server::db::add_user(
        &pool,
        "Acme",
        "ops@example.com",
        None,
        app::accounts::Role::Admin,
        Some("correct horse battery"),
    )
    .await
    .unwrap();
    let (ws,): (i64,) = sqlx::query_as("SELECT id FROM workspaces")
        .fetch_one(&pool)
        .await
        .unwrap();
    let id = contact(&pool, ws, "Ann", None, None, 1).await;
    let (one, two) = (serve(&test_db.url).await, serve(&test_db.url).await);

    // Signed in through the first process; the cookie works on the second.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    let res = client
        .post(format!(
            "{}{}",
            one.base,
            app::accounts::sign_in::SignIn::PATH
        ))
        .header("accept", "application/json")
        .form(&[
            ("email", "ops@example.com"),
            ("password", "correct horse battery"),
            ("next", "/contacts"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookies = reqwest::cookie::CookieStore::cookies(&*jar, &one.base.parse().unwrap())
        .expect("session cookie");
    jar.add_cookie_str(
        &format!("{}; Path=/", cookies.to_str().unwrap()),
        &two.base.parse().unwrap(),
    );

    let before = live_check(&client, format!("{}{}", two.base, LiveCheck::PATH)).await;
    let url = format!("{}{}", one.base, SaveContact::PATH);
    assert_eq!(
        save_email(&client, url, id, "ann.lee@example.com").await,
        200
    );
    // Within one Live interval (5 s) the second process's check has moved and
    // its list shows the edit: both read the database, nothing is cached.
    assert!(live_check(&client, format!("{}{}", two.base, LiveCheck::PATH)).await > before);
    let html = page(&client, format!("{}/contacts", two.base)).await;
    assert!(
        html.contains("ann.lee@example.com"),
        "the second process lists the edit"
    );
}
