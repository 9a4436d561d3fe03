//! `contacts`: the one binary that serves the app and runs its operator commands.

use app::accounts::{Role, MIN_PASSWORD_CHARS};
use clap::{Parser, Subcommand, ValueEnum};
use server::{bench, db, http, seed};
use std::{io::IsTerminal, net::SocketAddr, process::ExitCode};
use tracing_subscriber::EnvFilter;

/// Contacts: the All Contacts table of a customer-messaging workspace.
#[derive(Parser)]
#[command(name = "contacts", version)]
struct Cli {
    /// Database URL; without one, a SQLite file under ./data/ is used.
    #[arg(long, global = true, env = "DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "CONTACTS_ADDR", default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
        /// Seed a demo workspace when the database has none.
        #[arg(long)]
        demo: bool,
        /// Folder with the built WASM, JS and CSS (cargo-leptos output).
        #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
        site_root: String,
        /// The most contacts one CSV export may hold.
        #[arg(long, env = "CONTACTS_EXPORT_MAX_ROWS", default_value_t = app::contacts::export::DEFAULT_MAX_ROWS)]
        export_max_rows: u64,
        /// The largest CSV file an import accepts, in bytes.
        #[arg(long, env = "CONTACTS_IMPORT_MAX_BYTES", default_value_t = app::contacts::import::DEFAULT_MAX_BYTES)]
        import_max_bytes: u64,
        /// The largest body of any other request, in bytes.
        #[arg(long, env = "CONTACTS_MAX_BODY_BYTES", default_value_t = http::DEFAULT_MAX_BODY_BYTES)]
        max_body_bytes: usize,
        /// Workspaces up to this many contacts get every total with the page;
        /// in larger ones an expensive total follows the page (0: always).
        #[arg(long, env = "CONTACTS_INLINE_COUNT_MAX", default_value_t = db::DEFAULT_INLINE_COUNT_MAX)]
        inline_count_max: i64,
    },
    /// Manage who can sign in.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage the API tokens of a workspace (`/api/v1`).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Create or upgrade the database schema.
    Migrate,
    /// Add generated contacts, with conversations and messages, to a workspace.
    Seed {
        #[arg(long)]
        contacts: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value = "Demo")]
        workspace: String,
    },
    /// Add one contact (as if they had just written in), checked like an edit.
    AddContact {
        #[arg(long, default_value = "Demo")]
        workspace: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        /// Their first message, which opens a conversation.
        #[arg(long)]
        message: Option<String>,
    },
    /// Send realistic incoming conversations and messages through the HTTP API
    /// of a running server, to watch Live mode; stops after --duration seconds.
    Simulate {
        #[arg(long, default_value = "Demo")]
        workspace: String,
        /// Requests per second.
        #[arg(long, default_value_t = 5.0)]
        rate: f64,
        /// Seconds to run.
        #[arg(long, default_value_t = 60)]
        duration: u64,
        /// The running server.
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        url: String,
        /// An API token of the workspace; without one, a token is made in the
        /// database for this run and revoked after it.
        #[arg(long, env = "CONTACTS_API_TOKEN")]
        token: Option<String>,
    },
    /// Measure server-side timings over generated data.
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        contacts: u64,
        #[arg(long, default_value_t = 200)]
        iterations: usize,
        /// Folder with the release build, whose download sizes are reported.
        #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
        site_root: String,
        /// Only these parts, comma-separated: pages, compare, saves, bulk, size.
        #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(bench::PARTS))]
        only: Vec<String>,
    },
    /// Check what the browser downloads against its size ceiling: prints the
    /// WASM + JS size (brotli) and fails when a release build is over it.
    Size {
        /// Folder with the release build (`cargo leptos build --release --split`).
        #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
        site_root: String,
        /// The ceiling in KB of brotli; the checked-in ceiling without it.
        #[arg(long)]
        max_brotli_kb: Option<usize>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user in a workspace (creating the workspace if needed), or give an
    /// existing user a role in another workspace. A new user's password is asked
    /// for at a prompt, or read from the first line of standard input.
    Add {
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The name shown in the app; the part of the email before @ without one.
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token; it is printed once and only its hash is kept.
    Create {
        #[arg(long)]
        workspace: String,
        /// What the token is for, to tell tokens apart in the list.
        #[arg(long, default_value = "API")]
        name: String,
    },
    /// List the workspace's tokens (their first characters, never the tokens).
    List {
        #[arg(long)]
        workspace: String,
    },
    /// Revoke a token by its id: requests with it are refused at once.
    Revoke {
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        id: i64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Agent,
}

/// The demo's accounts, shown in the README.
const DEMO_ADMIN: &str = "admin@example.com";
const DEMO_AGENT: &str = "agent@example.com";
const DEMO_PASSWORD: &str = "contacts-demo";

/// Contacts seeded by `serve --demo` into an empty database.
const DEMO_CONTACTS: u64 = 1_200;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn workspace_id(store: &db::SqlStore, name: &str) -> Result<i64, Box<dyn std::error::Error>> {
    store
        .workspace_named(name)
        .await?
        .ok_or_else(|| format!("There is no workspace named {name:?}.").into())
}

async fn token(url: &str, command: TokenCommand) -> Result<(), Box<dyn std::error::Error>> {
    let store = db::SqlStore::new(db::connect(url).await?);
    match command {
        TokenCommand::Create { workspace, name } => {
            let ws = workspace_id(&store, &workspace).await?;
            let (id, token) = store.create_token(ws, &name).await?;
            eprintln!("Created token {id} ({name:?}) for {workspace:?}. It is shown only now:");
            println!("{token}");
        }
        TokenCommand::List { workspace } => {
            let ws = workspace_id(&store, &workspace).await?;
            println!("id\tname\tstarts with\tcreated\tstate");
            for t in store.tokens(ws).await? {
                let created = chrono::DateTime::from_timestamp_millis(t.created_at)
                    .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default();
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!("{}\t{}\t{}…\t{created}\t{state}", t.id, t.name, t.prefix);
            }
        }
        TokenCommand::Revoke { workspace, id } => {
            let ws = workspace_id(&store, &workspace).await?;
            if !store.revoke_token(ws, id).await? {
                return Err(format!("{workspace:?} has no active token {id}.").into());
            }
            println!("Revoked token {id}.");
        }
    }
    Ok(())
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let url = cli
        .database_url
        .clone()
        .unwrap_or_else(|| db::DEFAULT_DATABASE_URL.to_string());
    match cli.command {
        Command::Serve {
            addr,
            demo,
            site_root,
            export_max_rows,
            import_max_bytes,
            max_body_bytes,
            inline_count_max,
        } => {
            let pool = db::connect(&url).await?;
            db::merge_search_in_background(&pool);
            if demo {
                seed_demo(&pool).await?;
            }
            let app = http::router_with(
                db::SqlStore::new(pool).with_inline_count_max(inline_count_max),
                http::leptos_options(&site_root, addr),
                http::Limits {
                    export_max_rows,
                    import_max_bytes,
                    max_body_bytes,
                    ..Default::default()
                },
            );
            let listener = tokio::net::TcpListener::bind(addr).await?;
            tracing::info!("listening on http://{}", listener.local_addr()?);
            // The peer address is kept for rate limiting sign-ins.
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        }
        Command::User {
            command:
                UserCommand::Add {
                    workspace,
                    email,
                    role,
                    name,
                },
        } => {
            let pool = db::connect(&url).await?;
            let role = match role {
                RoleArg::Admin => Role::Admin,
                RoleArg::Agent => Role::Agent,
            };
            let existing =
                app::store::AccountStore::user_by_email(&db::SqlStore::new(pool.clone()), &email)
                    .await?;
            let password = if existing.is_some() {
                None
            } else {
                Some(read_password(&email)?)
            };
            let added = db::add_user(
                &pool,
                &workspace,
                &email,
                name.as_deref(),
                role,
                password.as_deref(),
            )
            .await?;
            let (what, workspace_created) = match added {
                db::UserAdded::Created { workspace_created } => ("Created", workspace_created),
                db::UserAdded::Joined { workspace_created } => {
                    ("Added the existing user", workspace_created)
                }
            };
            if workspace_created {
                println!("Created the workspace {workspace:?}.");
            }
            println!(
                "{what} {email} as {} of {workspace:?}.",
                role.label().to_lowercase()
            );
        }
        Command::Token { command } => token(&url, command).await?,
        Command::Simulate {
            workspace,
            rate,
            duration,
            url: server,
            token,
        } => {
            // A token of this run's own, unless one is given.
            let (store, token, own) = match token {
                Some(token) => (None, token, None),
                None => {
                    let store = db::SqlStore::new(db::connect(&url).await?);
                    let ws = workspace_id(&store, &workspace).await?;
                    let (id, token) = store.create_token(ws, "simulate").await?;
                    (Some(store), token, Some((ws, id)))
                }
            };
            let report = server::simulate::run(
                &server::simulate::SimulateOptions {
                    url: server,
                    token,
                    rate,
                    duration: std::time::Duration::from_secs(duration),
                    seed: 1,
                },
                |id| println!("new contact {id}"),
            )
            .await;
            if let (Some(store), Some((ws, id))) = (store, own) {
                store.revoke_token(ws, id).await?;
            }
            let report = report?;
            println!(
                "Sent {} requests: {} new contacts, {} conversations, {} failed.",
                report.messages + report.failures,
                report.new_contacts.len(),
                report.conversations,
                report.failures
            );
        }
        Command::Migrate => {
            db::connect(&url).await?;
            println!("The database at {url} is up to date.");
        }
        Command::Seed {
            contacts,
            seed,
            workspace,
        } => {
            let pool = db::connect(&url).await?;
            let report = seed::seed(&pool, &seed_options(contacts, seed, &workspace)).await?;
            println!(
                "Added {} contacts, {} conversations and {} messages to workspace {:?} in {:.1}s.",
                report.contacts,
                report.conversations,
                report.messages,
                workspace,
                report.elapsed.as_secs_f64()
            );
        }
        Command::AddContact {
            workspace,
            name,
            email,
            phone,
            message,
        } => {
            let pool = db::connect(&url).await?;
            let id = db::add_contact(
                &pool,
                &workspace,
                &db::NewContact {
                    name: &name,
                    email: email.as_deref(),
                    phone: phone.as_deref(),
                    message: message.as_deref(),
                },
            )
            .await?;
            println!("Added contact {id} to workspace {workspace:?}.");
        }
        Command::Bench {
            contacts,
            iterations,
            site_root,
            only,
        } => {
            let table = bench::run(&bench::BenchOptions {
                contacts,
                iterations,
                database_url: cli.database_url,
                site_root: site_root.into(),
                only,
            })
            .await?;
            println!("{table}");
        }
        Command::Size {
            site_root,
            max_brotli_kb,
        } => {
            let ceiling = max_brotli_kb.map_or(bench::size::CEILING_BROTLI_BYTES, |kb| kb * 1024);
            match bench::size::check(std::path::Path::new(&site_root), "contacts", ceiling) {
                Ok(line) => println!("{line}"),
                Err(line) => {
                    eprintln!("{line}");
                    std::process::exit(1);
                }
            }
        }
    }
    Ok(())
}

/// Seeds the demo workspace into an empty database, and the demo accounts when
/// there are no accounts yet.
async fn seed_demo(pool: &sqlx::AnyPool) -> Result<(), Box<dyn std::error::Error>> {
    let (workspaces,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM workspaces")
        .fetch_one(pool)
        .await?;
    if workspaces == 0 {
        let report = seed::seed(pool, &seed_options(DEMO_CONTACTS, 1, "Demo")).await?;
        tracing::info!(contacts = report.contacts, "seeded the demo workspace");
    }
    let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?;
    if users == 0 {
        let (workspace,): (String,) =
            sqlx::query_as("SELECT name FROM workspaces ORDER BY id LIMIT 1")
                .fetch_one(pool)
                .await?;
        for (email, name, role) in [
            (DEMO_ADMIN, "Demo Admin", Role::Admin),
            (DEMO_AGENT, "Demo Agent", Role::Agent),
        ] {
            db::add_user(
                pool,
                &workspace,
                email,
                Some(name),
                role,
                Some(DEMO_PASSWORD),
            )
            .await?;
        }
        tracing::info!(
            "demo accounts: {DEMO_ADMIN} (admin) and {DEMO_AGENT} (agent), password {DEMO_PASSWORD:?}"
        );
    }
    Ok(())
}

/// A new user's password: at a prompt (asked twice) on a terminal, else the first
/// line of standard input. Never an argument, which other users could see.
fn read_password(email: &str) -> Result<String, Box<dyn std::error::Error>> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {email}: "))?;
        let again = rpassword::prompt_password("The same password again: ")?;
        if first != again {
            return Err("the two passwords differ".into());
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("the password needs at least {MIN_PASSWORD_CHARS} characters").into());
    }
    Ok(password)
}

fn seed_options(contacts: u64, seed: u64, workspace: &str) -> seed::SeedOptions {
    seed::SeedOptions {
        contacts,
        seed,
        workspace: workspace.to_string(),
        progress: true,
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
