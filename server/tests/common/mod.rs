//! Starting the real server on a random port against a fresh database: a SQLite
//! file, or a PostgreSQL database of its own when `CONTACTS_TEST_POSTGRES` names
//! a server (`postgres://postgres@127.0.0.1:5432`), dropped after the test.

#![allow(dead_code)]

use app::accounts::Role;
use app::filter::{digits, fold_for, Kind};
use server::{db, http, seed};
use sqlx::AnyPool;
use std::sync::{
    atomic::{AtomicBool, AtomicUsize, Ordering},
    Arc,
};

pub struct TestApp {
    pub base: String,
    pub pool: AnyPool,
    pub store: db::SqlStore,
    /// The same application, for in-process requests (`tower::ServiceExt::oneshot`).
    pub router: axum::Router,
    /// Carries the session cookie of the last sign-in.
    pub client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    signed_in: AtomicBool,
    users: AtomicUsize,
    pub db: TestDb,
}

/// A database for one test, gone when this is dropped.
pub struct TestDb {
    pub url: String,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

/// The PostgreSQL server tests run against, if any.
pub fn postgres_server() -> Option<String> {
    std::env::var("CONTACTS_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('/').to_string())
}

impl TestDb {
    /// A fresh database on the backend the run is for.
    pub async fn new() -> TestDb {
        match postgres_server() {
            Some(server) => Self::postgres(&server).await,
            None => Self::sqlite(),
        }
    }

    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        TestDb {
            url: format!("sqlite://{}", dir.path().join("test.db").display()),
            _dir: dir,
            postgres: None,
        }
    }

    pub async fn postgres(server: &str) -> TestDb {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "contacts_test_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            chrono::Utc::now().timestamp_micros() % 1_000_000
        );
        let admin = db::open(&format!("{server}/postgres"), 1)
            .await
            .expect("PostgreSQL server");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("create database");
        // A test's database need not survive a crash: commits skip the disk
        // flush, as SQLite's test files effectively do.
        sqlx::query(&format!(
            "ALTER DATABASE {name} SET synchronous_commit = off"
        ))
        .execute(&admin)
        .await
        .expect("configure database");
        admin.close().await;
        TestDb {
            url: format!("{server}/{name}"),
            _dir: tempfile::tempdir().expect("temp dir"),
            postgres: Some((server.to_string(), name)),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot block on itself.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(admin) = db::open(&format!("{server}/postgres"), 1).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&admin)
                        .await;
                    admin.close().await;
                }
            });
        })
        .join();
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get_html(&self, path: &str) -> (u16, String) {
        let res = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.text().await.expect("body"))
    }

    /// Calls a server function the way the browser does.
    pub async fn call(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let res = self
            .client
            .post(self.url(path))
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, value)
    }

    /// Saves `changes` to contact `id` at `version` through the page's one save.
    pub async fn save(
        &self,
        id: i64,
        version: i64,
        changes: Vec<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        use leptos::server_fn::ServerFn;
        self.call(
            app::contacts::inline_edit::SaveContact::PATH,
            serde_json::json!({ "id": id, "version": version, "changes": changes }),
        )
        .await
    }

    /// Creates a workspace. The first workspace a test makes is the one its client
    /// is signed in to, as an admin (tests of other roles sign in themselves).
    pub async fn workspace(&self, name: &str) -> i64 {
        let ws = workspace(&self.pool, name).await;
        self.sign_in_first(ws).await;
        ws
    }

    async fn sign_in_first(&self, ws: i64) {
        if !self.signed_in.swap(true, Ordering::SeqCst) {
            self.sign_in(ws, Role::Admin).await;
        }
    }

    /// Creates a user with this role in the workspace, and signs the client in as
    /// them (without the password check, which the accounts tests cover). Returns
    /// the user's email.
    pub async fn sign_in(&self, ws: i64, role: Role) -> String {
        let n = self.users.fetch_add(1, Ordering::SeqCst);
        let email = format!("user{n}@example.com");
        let name: (String,) = sqlx::query_as("SELECT name FROM workspaces WHERE id = $1")
            .bind(ws)
            .fetch_one(&self.pool)
            .await
            .expect("workspace name");
        db::add_user(
            &self.pool,
            &name.0,
            &email,
            None,
            role,
            Some("a test password"),
        )
        .await
        .expect("user");
        let token = db::open_session(&self.store, &email)
            .await
            .expect("session");
        self.use_session(&token);
        email
    }

    /// Makes the client send this session token from now on.
    pub fn use_session(&self, token: &str) {
        let url = self.base.parse::<reqwest::Url>().expect("url");
        self.jar
            .add_cookie_str(&format!("contacts_session={token}; Path=/"), &url);
    }

    /// A client without a session.
    pub fn stranger(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub async fn seed(&self, contacts: u64, workspace: &str) -> i64 {
        let ws = self.seed_only(contacts, workspace).await;
        self.sign_in_first(ws).await;
        ws
    }

    async fn seed_only(&self, contacts: u64, workspace: &str) -> i64 {
        seed::seed(
            &self.pool,
            &seed::SeedOptions {
                contacts,
                seed: 7,
                workspace: workspace.into(),
                progress: false,
            },
        )
        .await
        .expect("seed")
        .workspace_id
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|store| store).await
}

/// The app over a store set up by `configure` (limits a test needs).
/// Serves the app over `store` on a random port; returns the address and the
/// router (for in-process requests).
async fn serve(store: db::SqlStore) -> (std::net::SocketAddr, axum::Router) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let addr = listener.local_addr().expect("addr");
    let app = http::router(store, http::leptos_options("target/site", addr));
    let router = app.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .expect("server");
    });
    (addr, router)
}

pub async fn spawn_app_with(configure: impl FnOnce(db::SqlStore) -> db::SqlStore) -> TestApp {
    // Failures' details (what the user's message leaves out) in the test output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_test_writer()
        .try_init();
    let test_db = TestDb::new().await;
    let pool = db::connect(&test_db.url).await.expect("database");
    let store = configure(db::SqlStore::new(pool.clone()));
    let (addr, router) = serve(store.clone()).await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    TestApp {
        base: format!("http://{addr}"),
        pool,
        store,
        router,
        client: reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .build()
            .expect("client"),
        jar,
        signed_in: AtomicBool::new(false),
        users: AtomicUsize::new(0),
        db: test_db,
    }
}

/// Another app instance over the same database (its own pool, store, count
/// cache and port), whose client carries the same session cookie.
pub struct Instance {
    pub base: String,
    pub client: reqwest::Client,
}

impl TestApp {
    pub async fn second_instance(&self) -> Instance {
        let pool = db::open(&self.db.url, 8).await.expect("database");
        let (addr, _) = serve(db::SqlStore::new(pool)).await;
        let base = format!("http://{addr}");
        // The session lives in the database: the same cookie works here.
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let ours = self.base.parse::<reqwest::Url>().expect("url");
        let theirs = base.parse::<reqwest::Url>().expect("url");
        if let Some(cookies) = reqwest::cookie::CookieStore::cookies(&*self.jar, &ours) {
            for cookie in cookies.to_str().expect("ascii cookies").split("; ") {
                jar.add_cookie_str(&format!("{cookie}; Path=/"), &theirs);
            }
        }
        Instance {
            base,
            client: reqwest::Client::builder()
                .cookie_provider(jar)
                .build()
                .expect("client"),
        }
    }
}

impl Instance {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// Rows of the table in server-rendered HTML, as `data-contact-id` values.
pub fn row_ids(html: &str) -> Vec<i64> {
    html.match_indices("data-contact-id=\"")
        .filter_map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest.split('"').next()?.parse().ok()
        })
        .collect()
}

/// Creates a workspace and returns its id.
pub async fn workspace(pool: &AnyPool, name: &str) -> i64 {
    sqlx::query_as::<_, (i64,)>(
        "INSERT INTO workspaces (name, created_at) VALUES ($1, 0) RETURNING id",
    )
    .bind(name)
    .fetch_one(pool)
    .await
    .expect("workspace")
    .0
}

/// Inserts a contact with the given name, email and phone; `age` orders them
/// (a larger age is an older creation and last interaction).
pub async fn contact(
    pool: &AnyPool,
    ws: i64,
    name: &str,
    email: Option<&str>,
    phone: Option<&str>,
    age: i64,
) -> i64 {
    let at = 1_700_000_000_000 - age * 60_000;
    sqlx::query_as::<_, (i64,)>(
        "INSERT INTO contacts (workspace_id, name, email, phone, avatar_color, created_at, updated_at, \
         last_interaction_at, name_fold, email_fold, phone_digits) \
         VALUES ($1, $2, $3, $4, '#475569', $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(ws)
    .bind(name)
    .bind(email)
    .bind(phone)
    .bind(at)
    .bind(at)
    .bind(at)
    .bind(fold_for(Kind::Text, name))
    .bind(email.map(|e| fold_for(Kind::Text, e)))
    .bind(phone.map(digits))
    .fetch_one(pool)
    .await
    .expect("contact")
    .0
}

/// Defines a custom contact field and returns its id.
pub async fn field_def(
    pool: &AnyPool,
    ws: i64,
    key: &str,
    field_type: &str,
    options: &[&str],
) -> i64 {
    sqlx::query_as::<_, (i64,)>(
        "INSERT INTO contact_field_defs (workspace_id, key, label, field_type, options, position) \
         VALUES ($1, $2, $3, $4, $5, (SELECT COUNT(*) FROM contact_field_defs)) RETURNING id",
    )
    .bind(ws)
    .bind(key)
    .bind(key)
    .bind(field_type)
    .bind(serde_json::to_string(options).unwrap())
    .fetch_one(pool)
    .await
    .expect("field definition")
    .0
}

/// Gives a contact a conversation with one message.
pub async fn conversation(pool: &AnyPool, ws: i64, contact: i64) -> i64 {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO conversations (workspace_id, contact_id, status, created_at, last_message_at) \
         VALUES ($1, $2, 'open', 1, 1) RETURNING id",
    )
    .bind(ws)
    .bind(contact)
    .fetch_one(pool)
    .await
    .expect("conversation");
    sqlx::query("INSERT INTO messages (conversation_id, direction, body, created_at) VALUES ($1, 'incoming', 'hi', 1)")
        .bind(id)
        .execute(pool)
        .await
        .expect("message");
    id
}

/// A contact's version, or None when it is gone.
pub async fn version(pool: &AnyPool, id: i64) -> Option<i64> {
    sqlx::query_as::<_, (i64,)>("SELECT version FROM contacts WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .expect("version")
        .map(|(v,)| v)
}

/// Saves a segment with this filter definition (JSON) and returns its id.
pub async fn segment(pool: &AnyPool, ws: i64, name: &str, definition: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO segments (workspace_id, name, definition, created_at, updated_at) \
         VALUES ($1, $2, $3, 0, 0) RETURNING id",
    )
    .bind(ws)
    .bind(name)
    .bind(definition)
    .fetch_one(pool)
    .await
    .expect("segment");
    id
}
