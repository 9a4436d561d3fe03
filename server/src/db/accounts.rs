//! Accounts in the database: the port's implementation, the session lookup the
//! gate runs on every request, and the operator's `user add`.

use super::{store_error, SqlStore};
use app::accounts::{Membership, Role, Session, Viewer};
use app::domain::WorkspaceId;
use app::store::{AccountStore, StoreError, UserRecord};

/// Failed sign-ins older than this are forgotten when a new one is recorded.
const FAILURE_MEMORY_MS: i64 = 24 * 3600 * 1000;

#[async_trait::async_trait]
impl AccountStore for SqlStore {
    async fn any_user(&self) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM users LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(row.is_some())
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT id, password_hash FROM users WHERE email_fold = $1")
                .bind(email.trim().to_lowercase())
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(row.map(|(id, password_hash)| UserRecord { id, password_hash }))
    }

    async fn failures_since(&self, key: &str, since: i64) -> Result<u64, StoreError> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sign_in_failures WHERE key = $1 AND at >= $2")
                .bind(key)
                .bind(since)
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(count.max(0) as u64)
    }

    async fn record_failure(&self, keys: &[String], at: i64) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        for key in keys {
            sqlx::query("INSERT INTO sign_in_failures (key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            sqlx::query("DELETE FROM sign_in_failures WHERE key = $1 AND at < $2")
                .bind(key)
                .bind(at - FAILURE_MEMORY_MS)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    async fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        // The workspace used last, while still a member there; else the first.
        let workspace: Option<(i64,)> = sqlx::query_as(
            "SELECT m.workspace_id FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.user_id = $1 \
             ORDER BY (m.workspace_id = u.last_workspace_id) DESC, m.workspace_id LIMIT 1",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        let Some((workspace,)) = workspace else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at < $2")
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, workspace_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(workspace)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<Session>, StoreError> {
        // Joined with the membership: a person removed from the workspace is
        // signed out of it at their next request.
        let row: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT s.user_id, s.workspace_id, m.role FROM sessions s \
             JOIN memberships m ON m.user_id = s.user_id AND m.workspace_id = s.workspace_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(row.and_then(|(user_id, workspace_id, role)| {
            Some(Session {
                token_hash: token_hash.to_string(),
                user_id,
                workspace_id,
                role: Role::parse(&role)?,
            })
        }))
    }

    async fn end_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    async fn switch_workspace(
        &self,
        session: &Session,
        workspace: WorkspaceId,
    ) -> Result<bool, StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        let member: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM memberships WHERE user_id = $1 AND workspace_id = $2")
                .bind(session.user_id)
                .bind(workspace)
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
        if member.is_none() {
            return Ok(false);
        }
        sqlx::query("UPDATE sessions SET workspace_id = $1 WHERE token_hash = $2")
            .bind(workspace)
            .bind(&session.token_hash)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        sqlx::query("UPDATE users SET last_workspace_id = $1 WHERE id = $2")
            .bind(workspace)
            .bind(session.user_id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn viewer(&self, session: &Session) -> Result<Option<Viewer>, StoreError> {
        let user: Option<(String, String)> =
            sqlx::query_as("SELECT name, email FROM users WHERE id = $1")
                .bind(session.user_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        let Some((name, email)) = user else {
            return Ok(None);
        };
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT w.id, w.name, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
             WHERE m.user_id = $1 ORDER BY w.name, w.id",
        )
        .bind(session.user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let workspaces: Vec<Membership> = rows
            .into_iter()
            .filter_map(|(workspace_id, workspace_name, role)| {
                Some(Membership {
                    workspace_id,
                    workspace_name,
                    role: Role::parse(&role)?,
                })
            })
            .collect();
        let Some(current) = workspaces
            .iter()
            .find(|m| m.workspace_id == session.workspace_id)
            .cloned()
        else {
            return Ok(None);
        };
        Ok(Some(Viewer {
            name,
            email,
            workspace_id: current.workspace_id,
            workspace_name: current.workspace_name,
            role: current.role,
            workspaces,
        }))
    }
}

/// What `contacts user add` did.
#[derive(Debug, PartialEq, Eq)]
pub enum UserAdded {
    /// A new account, in the workspace.
    Created { workspace_created: bool },
    /// The account existed: it now has this role in the workspace.
    Joined { workspace_created: bool },
}

/// Creates a user (or adds an existing one to a workspace) with a role; the
/// workspace is created when it does not exist yet. `password` is only used for
/// a new account and must already be checked.
pub async fn add_user(
    pool: &sqlx::AnyPool,
    workspace: &str,
    email: &str,
    name: Option<&str>,
    role: Role,
    password: Option<&str>,
) -> Result<UserAdded, super::DbError> {
    let invalid = |m: String| super::DbError::Invalid(m);
    let email = app::validate::email(email).map_err(|p| invalid(format!("email: {p}")))?;
    let workspace = workspace.trim();
    if workspace.is_empty() || workspace.chars().count() > 80 {
        return Err(invalid(
            "workspace: give a name of 1 to 80 characters".into(),
        ));
    }
    let now = chrono::Utc::now().timestamp_millis();
    let existing: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE email_fold = $1")
        .bind(email.to_lowercase())
        .fetch_optional(pool)
        .await?;
    // Hash before the write transaction: it takes a while.
    let hash = match (&existing, password) {
        (None, Some(password)) => Some(
            app::accounts::secret::hash_password(password)
                .map_err(|e| invalid(format!("password: {e}")))?,
        ),
        (None, None) => return Err(invalid("a new account needs a password".into())),
        (Some(_), _) => None,
    };
    let mut tx = super::begin_write(pool).await?;
    let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM workspaces WHERE name = $1")
        .bind(workspace)
        .fetch_optional(&mut *tx)
        .await?;
    let (workspace_id, workspace_created) = match found {
        Some((id,)) => (id, false),
        None => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id",
            )
            .bind(workspace)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            (id, true)
        }
    };
    let (user_id, created) = match (existing, hash) {
        (Some((id,)), _) => (id, false),
        (None, Some(hash)) => {
            let name = name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_string());
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO users (email, email_fold, name, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(&email)
            .bind(email.to_lowercase())
            .bind(name)
            .bind(hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            (id, true)
        }
        (None, None) => unreachable!("checked above"),
    };
    sqlx::query(
        "INSERT INTO memberships (user_id, workspace_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, workspace_id) DO UPDATE SET role = excluded.role",
    )
    .bind(user_id)
    .bind(workspace_id)
    .bind(role.as_str())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(if created {
        UserAdded::Created { workspace_created }
    } else {
        UserAdded::Joined { workspace_created }
    })
}

/// Opens a session for an existing user without a password, as operators' tools
/// (the benchmark, tests) need; returns the cookie's token.
pub async fn open_session(store: &SqlStore, email: &str) -> Result<String, super::DbError> {
    let user = store
        .user_by_email(email)
        .await
        .map_err(|e| super::DbError::Invalid(e.to_string()))?
        .ok_or_else(|| super::DbError::Invalid(format!("no user with the email {email:?}")))?;
    let token = app::accounts::secret::new_token();
    let now = chrono::Utc::now().timestamp_millis();
    let created = store
        .create_session(
            user.id,
            &app::accounts::secret::token_hash(&token),
            now,
            now + app::accounts::SESSION_DAYS * 24 * 3600 * 1000,
        )
        .await
        .map_err(|e| super::DbError::Invalid(e.to_string()))?;
    if !created {
        return Err(super::DbError::Invalid(format!(
            "{email} belongs to no workspace"
        )));
    }
    Ok(token)
}
