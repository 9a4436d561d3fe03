//! The database: connecting, migrating, and the sqlx implementation of the app's
//! storage port.

mod accounts;
pub mod api;
mod contacts;
mod editing;
mod export;
pub mod filter_sql;
mod import;

pub use accounts::{add_user, open_session, UserAdded};
pub use contacts::{SqlStore, DEFAULT_INLINE_COUNT_MAX};
pub use editing::{add_contact, NewContact};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::{path::Path, str::FromStr, time::Duration};

/// Where the database lives when no URL is given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/contacts.db";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "unsupported database URL {0:?}: use sqlite://PATH (PostgreSQL support is not built yet)"
    )]
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
pub async fn connect(url: &str) -> Result<SqlitePool, DbError> {
    let pool = open(url, 8).await?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Opens the database without migrating.
pub async fn open(url: &str, max_connections: u32) -> Result<SqlitePool, DbError> {
    if !url.starts_with("sqlite:") {
        return Err(DbError::UnsupportedUrl(url.to_string()));
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(DbError::Connect)?
        .create_if_missing(true)
        .foreign_keys(true)
        // WAL lets readers go on while one writer writes; the busy timeout makes a
        // second writer wait instead of failing with "database is locked".
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .pragma("cache_size", "-65536")
        .pragma("temp_store", "memory");
    if let Some(parent) = Path::new(options.get_filename()).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|source| DbError::Folder {
                path: parent.display().to_string(),
                source,
            })?;
        }
    }
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(DbError::Connect)
}

pub async fn migrate(pool: &SqlitePool) -> Result<(), DbError> {
    sqlx::migrate!("../migrations/sqlite").run(pool).await?;
    Ok(())
}

/// Maps a sqlx error to the port's error, keeping the detail for the logs.
pub(crate) fn store_error(err: sqlx::Error) -> app::store::StoreError {
    use app::store::StoreError;
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(err.to_string())
        }
        other => StoreError::Internal(other.to_string()),
    }
}
