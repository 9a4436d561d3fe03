//! What the HTTP API needs beyond the page's port: tokens, contacts created
//! from outside, and incoming conversations and messages.

use super::contacts::SqlStore;
use super::editing::upsert_field_value;
use super::import::contact_by_keys;
use super::{store_error, Flag};
use app::domain::{Workspace, WorkspaceId};
use app::filter::{digits, fold_for, Kind};
use app::store::StoreError;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Tokens start with this, so they are easy to recognise (and to find in leaked text).
pub const TOKEN_PREFIX: &str = "ct_";

/// A token as listed: never the token itself, which only its creator saw.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The token's first characters.
    pub prefix: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A contact created through the API, its values already checked.
pub struct CreatedContact {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub avatar_url: Option<String>,
    pub campaign_opt_in: bool,
    /// Custom field values: field id, kind, canonical value.
    pub fields: Vec<(i64, Kind, String)>,
}

/// A new message's place: the message, its conversation and contact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PostedMessage {
    pub id: i64,
    pub conversation_id: i64,
    pub contact_id: i64,
    pub created_at: i64,
}

impl SqlStore {
    /// A new token for the workspace: the token is returned once, only its hash is kept.
    pub async fn create_token(
        &self,
        workspace: WorkspaceId,
        name: &str,
    ) -> Result<(i64, String), StoreError> {
        let token = format!("{TOKEN_PREFIX}{}", app::accounts::secret::new_token());
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO api_tokens (workspace_id, name, token_hash, prefix, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(workspace)
        .bind(name)
        .bind(app::accounts::secret::token_hash(&token))
        .bind(&token[..TOKEN_PREFIX.len() + 6])
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        Ok((id, token))
    }

    pub async fn tokens(&self, workspace: WorkspaceId) -> Result<Vec<ApiToken>, StoreError> {
        sqlx::query_as(
            "SELECT id, name, prefix, created_at, revoked_at FROM api_tokens \
             WHERE workspace_id = $1 ORDER BY id",
        )
        .bind(workspace)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)
    }

    /// Revokes a token of the workspace; false when it has no such live token.
    pub async fn revoke_token(&self, workspace: WorkspaceId, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 \
             WHERE workspace_id = $2 AND id = $3 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(workspace)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    /// The workspace a live token belongs to.
    pub async fn token_workspace(&self, token: &str) -> Result<Option<Workspace>, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT workspace_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(app::accounts::secret::token_hash(token))
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        match row {
            Some((id,)) => app::store::ContactStore::workspace(self, id).await,
            None => Ok(None),
        }
    }

    /// Adds a contact with its values in one transaction; returns its id.
    pub async fn create_contact(
        &self,
        workspace: WorkspaceId,
        new: &CreatedContact,
    ) -> Result<i64, StoreError> {
        let (_writing, mut tx) = self.begin_write().await?;
        let id = insert_contact(&mut tx, workspace, new).await?;
        for (field_id, kind, value) in &new.fields {
            upsert_field_value(&mut tx, id, *field_id, *kind, value).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(id)
    }

    /// Opens a conversation for the contact with this email, or else this
    /// phone, creating the contact when there is none. Returns the
    /// conversation, the contact and whether the contact is new.
    pub async fn open_conversation(
        &self,
        workspace: WorkspaceId,
        contact: &CreatedContact,
        status: &str,
    ) -> Result<(i64, i64, bool), StoreError> {
        let (_writing, mut tx) = self.begin_write().await?;
        let found = contact_by_keys(
            &mut tx,
            workspace,
            contact.email.as_deref(),
            contact.phone.as_deref(),
        )
        .await?;
        let now = now_ms();
        let (contact_id, created) = match found {
            Some(id) => (id, false),
            None => (insert_contact(&mut tx, workspace, contact).await?, true),
        };
        let conversation = insert_conversation(&mut tx, workspace, contact_id, status, now).await?;
        // A new conversation is activity: Live mode and "has conversations" see it.
        sqlx::query("UPDATE workspaces SET change_seq = change_seq + 1 WHERE id = $1")
            .bind(workspace)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok((conversation, contact_id, created))
    }

    /// Adds a message to a conversation of the workspace, which makes it the
    /// contact's last interaction. None when there is no such conversation.
    pub async fn add_message(
        &self,
        workspace: WorkspaceId,
        conversation: i64,
        incoming: bool,
        body: &str,
    ) -> Result<Option<PostedMessage>, StoreError> {
        let (_writing, mut tx) = self.begin_write().await?;
        let contact: Option<(i64,)> = sqlx::query_as(
            "SELECT contact_id FROM conversations WHERE id = $1 AND workspace_id = $2",
        )
        .bind(conversation)
        .bind(workspace)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        let Some((contact_id,)) = contact else {
            return Ok(None);
        };
        let now = now_ms();
        let id = insert_message(&mut tx, conversation, contact_id, incoming, body, now).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(Some(PostedMessage {
            id,
            conversation_id: conversation,
            contact_id,
            created_at: now,
        }))
    }

    /// A workspace by its name (for the operator's commands).
    pub async fn workspace_named(&self, name: &str) -> Result<Option<WorkspaceId>, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM workspaces WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(row.map(|(id,)| id))
    }

    /// The workspace's segments by name.
    pub async fn segment_list(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        sqlx::query_as(
            "SELECT id, name FROM segments WHERE workspace_id = $1 ORDER BY lower(name), id",
        )
        .bind(workspace)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)
    }
}

/// A new conversation of a contact, without messages yet.
pub(super) async fn insert_conversation(
    conn: &mut sqlx::AnyConnection,
    workspace: WorkspaceId,
    contact_id: i64,
    status: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO conversations (workspace_id, contact_id, status, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(workspace)
    .bind(contact_id)
    .bind(status)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(id)
}

/// A message of a conversation, which becomes its latest and the contact's
/// last interaction. Returns the message's id.
pub(super) async fn insert_message(
    conn: &mut sqlx::AnyConnection,
    conversation: i64,
    contact_id: i64,
    incoming: bool,
    body: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO messages (conversation_id, direction, body, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(conversation)
    .bind(if incoming { "incoming" } else { "outgoing" })
    .bind(body)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(store_error)?;
    sqlx::query("UPDATE conversations SET last_message_at = $1 WHERE id = $2")
        .bind(now)
        .bind(conversation)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    // The contacts row's trigger moves the change counter for Live mode.
    sqlx::query("UPDATE contacts SET last_interaction_at = $1 WHERE id = $2")
        .bind(now)
        .bind(contact_id)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(id)
}

/// A new contact with its folded copies (names, emails, phone digits).
pub(super) async fn insert_contact(
    conn: &mut sqlx::AnyConnection,
    workspace: WorkspaceId,
    new: &CreatedContact,
) -> Result<i64, StoreError> {
    let now = now_ms();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO contacts (workspace_id, name, email, phone, avatar_url, avatar_color, \
         created_at, updated_at, campaign_opt_in, name_fold, email_fold, phone_digits) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(workspace)
    .bind(&new.name)
    .bind(&new.email)
    .bind(&new.phone)
    .bind(&new.avatar_url)
    .bind(crate::seed::avatar_color(&new.name))
    .bind(now)
    .bind(now)
    .bind(Flag(new.campaign_opt_in))
    .bind(fold_for(Kind::Text, &new.name))
    .bind(new.email.as_deref().map(|e| fold_for(Kind::Text, e)))
    .bind(new.phone.as_deref().map(digits))
    .fetch_one(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(id)
}
