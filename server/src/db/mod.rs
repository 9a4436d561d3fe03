//! The database: connecting, migrating, and the sqlx implementation of the app's
//! storage port.

mod accounts;
pub mod api;
mod contacts;
mod deep_pages;
mod editing;
mod export;
pub mod filter_sql;
mod import;

pub use accounts::{add_user, open_session, UserAdded};
pub use contacts::{SqlStore, DEFAULT_INLINE_COUNT_MAX};
pub use editing::{add_contact, NewContact};

mod dialect;

pub use dialect::{finish, numbered, Backend, Flag, Number};

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::{path::Path, sync::Once, time::Duration};

/// Where the database lives when no URL is given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/contacts.db";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DATABASE")]
    UnsupportedUrl(String),
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Query(#[from] sqlx::Error),
    /// A write shared with the app's store failed (operator commands reuse them).
    #[error(transparent)]
    Store(#[from] app::store::StoreError),
}

/// Opens (creating if needed) the database at `url` and brings its schema up to date.
pub async fn connect(url: &str) -> Result<AnyPool, DbError> {
    let pool = open(url, 8).await?;
    migrate(&pool).await?;
    Ok(pool)
}

/// How often the server merges the search indexes' segments.
pub const SEARCH_MERGE_EVERY: Duration = Duration::from_millis(250);

/// Pages of each search index merged per round: a short write, so a save
/// that arrives meanwhile waits little.
const SEARCH_MERGE_PAGES: i64 = 200;

/// Merges the SQLite search indexes' segments from a task of its own, as FTS5
/// would inside the writes (a migration turned that off): each save adds a
/// segment to both indexes, and a positive 'merge' only works once a level
/// holds several. Nothing to do on PostgreSQL.
pub fn merge_search_in_background(pool: &AnyPool) {
    if Backend::of(pool) != Backend::Sqlite {
        return;
    }
    let merges = ["contact_search", "contact_search_short"].map(|index| {
        format!("INSERT INTO {index} ({index}, rank) VALUES ('merge', {SEARCH_MERGE_PAGES})")
    });
    let pool = pool.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(SEARCH_MERGE_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if pool.is_closed() {
                return;
            }
            for merge in &merges {
                if let Err(err) = sqlx::query(merge).execute(&pool).await {
                    tracing::warn!(%err, merge, "merging a search index");
                }
            }
        }
    });
}

/// Opens the database without migrating.
pub async fn open(url: &str, max_connections: u32) -> Result<AnyPool, DbError> {
    static DRIVERS: Once = Once::new();
    DRIVERS.call_once(sqlx::any::install_default_drivers);
    let backend = Backend::of_url(url).ok_or_else(|| DbError::UnsupportedUrl(url.to_string()))?;
    let options = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10));
    match backend {
        Backend::Sqlite => {
            let path = sqlite_path(url);
            if let Some(parent) = Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent).map_err(|source| DbError::Folder {
                        path: parent.display().to_string(),
                        source,
                    })?;
                }
            }
            // The Any driver opens SQLite from the URL alone, so the file is created
            // by `mode=rwc` and the settings are applied to each new connection.
            let url = if url.contains('?') {
                url.to_string()
            } else {
                format!("{url}?mode=rwc")
            };
            options
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // WAL lets readers go on while one writer writes; the busy
                        // timeout makes a second writer wait instead of failing
                        // with "database is locked". Reads go through a memory
                        // map (SQLite caps it at 2 GB): the pool's connections
                        // then share the system's page cache instead of copying
                        // every page they read with a system call.
                        conn.execute(
                            "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; \
                             PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; \
                             PRAGMA cache_size = -65536; PRAGMA temp_store = memory; \
                             PRAGMA mmap_size = 17179869184;",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await
                .map_err(DbError::Connect)
        }
        Backend::Postgres => options
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // How many rows a search or filter matches depends on its
                    // values, so each statement is planned for its own: after
                    // five runs PostgreSQL may otherwise keep one generic plan,
                    // and "example" found its first ids in 135 ms instead of 2.
                    conn.execute("SET plan_cache_mode = force_custom_plan")
                        .await?;
                    // A count over a million rows costs enough for PostgreSQL
                    // to compile it to machine code first, which took longer
                    // than it saved: 25-30 ms in each process of a parallel
                    // count, and 0.9-1.2 s for the first totals on a connection.
                    conn.execute("SET jit = off").await?;
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(DbError::Connect),
    }
}

/// The file of a `sqlite:` URL, without the scheme and query.
fn sqlite_path(url: &str) -> &str {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    rest.split('?').next().unwrap_or(rest)
}

pub async fn migrate(pool: &AnyPool) -> Result<(), DbError> {
    match Backend::of(pool) {
        Backend::Sqlite => {
            sqlx::migrate!("../migrations/sqlite").run(pool).await?;
            complete_statistics(pool).await?;
        }
        Backend::Postgres => sqlx::migrate!("../migrations/postgres").run(pool).await?,
    }
    Ok(())
}

/// Analyzes each table that has statistics but also an index without any,
/// as a migration that adds an index leaves it. SQLite plans such an index
/// from guesses against measured neighbours: at a million contacts that made
/// the name order sort every contact (122 ms instead of 3). A database that
/// was never analyzed (only the seed analyzes) is left as it is.
async fn complete_statistics(pool: &AnyPool) -> Result<(), DbError> {
    let analyzed: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            .fetch_optional(pool)
            .await?;
    if analyzed.is_none() {
        return Ok(());
    }
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT m.tbl_name FROM sqlite_master m \
         WHERE m.type = 'index' \
         AND EXISTS (SELECT 1 FROM sqlite_stat1 s WHERE s.tbl = m.tbl_name) \
         AND NOT EXISTS (SELECT 1 FROM sqlite_stat1 s WHERE s.idx = m.name)",
    )
    .fetch_all(pool)
    .await?;
    if tables.is_empty() {
        return Ok(());
    }
    let mut conn = pool.acquire().await?;
    // A sample of each index, as the seed takes: under a second at a million.
    sqlx::query("PRAGMA analysis_limit = 1000")
        .execute(&mut *conn)
        .await?;
    for (table,) in tables {
        tracing::info!(%table, "analyzing a table whose new indexes have no statistics");
        sqlx::query(&format!("ANALYZE \"{}\"", table.replace('"', "\"\"")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Taken first by every PostgreSQL write transaction (the app's and the
/// seed's): writers of all instances take turns, as SQLite's one writer does.
pub(crate) const POSTGRES_WRITE_LOCK: &str = "SELECT pg_advisory_xact_lock(7270)";

/// Starts a transaction that writes after reading. SQLite takes its one write
/// lock at the start (`BEGIN IMMEDIATE`), so a read is never followed by a
/// failed upgrade; PostgreSQL gets the same one-writer-at-a-time order from a
/// transaction-scoped advisory lock, across every app instance.
pub(crate) async fn begin_write(
    pool: &AnyPool,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    match Backend::of(pool) {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => {
            let mut tx = pool.begin().await?;
            sqlx::query(POSTGRES_WRITE_LOCK).execute(&mut *tx).await?;
            Ok(tx)
        }
    }
}

/// Lets a transaction write rows before the rows they refer to (checked at
/// commit): bulk writes put a contact's values before the contact, so its
/// search text is built once.
pub(crate) async fn defer_foreign_keys(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<(), sqlx::Error> {
    let statement = match backend {
        Backend::Sqlite => "PRAGMA defer_foreign_keys = ON",
        Backend::Postgres => "SET CONSTRAINTS ALL DEFERRED",
    };
    sqlx::query(statement).execute(conn).await.map(|_| ())
}

/// Maps a sqlx error to the port's error, keeping the detail for the logs.
pub(crate) fn store_error(err: sqlx::Error) -> app::store::StoreError {
    use app::store::StoreError;
    match err {
        // PostgreSQL refuses NUL in text ("invalid byte sequence"); the rules
        // refuse it first wherever a person types, this covers the rest.
        sqlx::Error::Database(ref e) if e.code().as_deref() == Some("22021") => {
            StoreError::Unstorable(e.message().to_string())
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(err.to_string())
        }
        other => StoreError::Internal(other.to_string()),
    }
}
