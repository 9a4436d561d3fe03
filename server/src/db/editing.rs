//! Writes: saving edits against the version the user saw, and bulk deletion.
//!
//! Every read-then-write runs in an IMMEDIATE transaction: SQLite takes the write
//! lock at BEGIN, so two writers queue on the busy timeout instead of one failing
//! with "database is locked" when it upgrades a read lock.

use super::contacts::{ContactRecord, Matching, SqlStore, CONTACT_COLUMNS};
use super::store_error;
use crate::db::{finish, Backend, Flag, Number};
use app::domain::{
    CleanChange, ContactId, ContactRow, DeleteSummary, DeleteTarget, EditField, FieldType,
    FieldValue, SaveOutcome, SavedContact, Workspace, WorkspaceId,
};
use app::filter::{digits, fold_for, Kind};
use app::store::StoreError;
use sqlx::{Any, QueryBuilder};

/// Ids per statement: far below SQLite's bind-parameter limit (32,766).
const CHUNK: usize = 500;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// What follows a custom field value's `INSERT`: an existing value is replaced,
/// and an equal one is left alone (not rewritten, nor reindexed for search).
pub(super) const VALUE_UPSERT: &str = " ON CONFLICT (contact_id, field_id) DO UPDATE \
     SET value = excluded.value, number_value = excluded.number_value, value_fold = excluded.value_fold \
     WHERE contact_field_values.value IS DISTINCT FROM excluded.value";

/// The numeric copy of a value of `kind`, which number filters and sorts read.
pub(super) fn number_value(kind: Kind, value: &str) -> Number {
    Number(
        (kind == Kind::Number)
            .then(|| value.parse::<f64>().ok())
            .flatten(),
    )
}

/// Writes a custom field value with its folded and numeric copies. An unchanged
/// value is not rewritten (nor reindexed for search); returns whether it changed.
pub(super) async fn upsert_field_value(
    conn: &mut sqlx::AnyConnection,
    contact_id: i64,
    field_id: i64,
    kind: Kind,
    value: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(&format!(
        "INSERT INTO contact_field_values (contact_id, field_id, value, number_value, value_fold) \
         VALUES ($1, $2, $3, $4, $5){VALUE_UPSERT}"
    ))
    .bind(contact_id)
    .bind(field_id)
    .bind(value)
    .bind(number_value(kind, value))
    .bind(fold_for(kind, value))
    .execute(conn)
    .await
    .map_err(store_error)?;
    Ok(done.rows_affected() > 0)
}

impl SqlStore {
    /// A write transaction: this process's writer turn, then SQLite's write lock.
    pub(super) async fn begin_write(
        &self,
    ) -> Result<
        (
            tokio::sync::MutexGuard<'_, ()>,
            sqlx::Transaction<'static, Any>,
        ),
        StoreError,
    > {
        let turn = self.writer.lock().await;
        let tx = super::begin_write(&self.pool).await.map_err(store_error)?;
        Ok((turn, tx))
    }

    pub(super) async fn save_changes(
        &self,
        workspace: WorkspaceId,
        id: ContactId,
        version: i64,
        changes: &[CleanChange],
    ) -> Result<SaveOutcome, StoreError> {
        let (_writing, mut tx) = self.begin_write().await?;
        let record: Option<ContactRecord> = sqlx::query_as(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1 AND workspace_id = $2"
        ))
        .bind(id)
        .bind(workspace)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        // Dropping the transaction rolls it back: a deleted contact is never recreated.
        let Some(record) = record else {
            return Ok(SaveOutcome::NotFound);
        };
        let mut row = ContactRow::from(record);
        let values: Vec<(i64, String)> = sqlx::query_as(
            "SELECT field_id, value FROM contact_field_values WHERE contact_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(store_error)?;
        row.fields = values
            .into_iter()
            .map(|(field_id, value)| FieldValue { field_id, value })
            .collect();

        // The version the user saw is current: nothing changed since. Otherwise a
        // field conflicts only when it changed since and not to the same value.
        if row.version != version {
            for change in changes {
                let now = change.field.value_in(&row);
                if now != change.expected && now != change.value {
                    return Ok(SaveOutcome::Conflict {
                        field: change.field,
                        current: now,
                    });
                }
            }
        }

        let now = now_ms();
        for change in changes {
            let value = change.value.clone();
            let query = match change.field {
                EditField::Name => {
                    let name = value.unwrap_or_default();
                    let fold = fold_for(Kind::Text, &name);
                    sqlx::query("UPDATE contacts SET name = $1, name_fold = $2 WHERE id = $3")
                        .bind(name)
                        .bind(fold)
                }
                EditField::Email => {
                    let fold = value.as_deref().map(|v| fold_for(Kind::Text, v));
                    sqlx::query("UPDATE contacts SET email = $1, email_fold = $2 WHERE id = $3")
                        .bind(value)
                        .bind(fold)
                }
                EditField::Phone => {
                    let fold = value.as_deref().map(digits);
                    sqlx::query("UPDATE contacts SET phone = $1, phone_digits = $2 WHERE id = $3")
                        .bind(value)
                        .bind(fold)
                }
                EditField::AvatarUrl => {
                    sqlx::query("UPDATE contacts SET avatar_url = $1 WHERE id = $2").bind(value)
                }
                EditField::CampaignOptIn => {
                    sqlx::query("UPDATE contacts SET campaign_opt_in = $1 WHERE id = $2")
                        .bind(Flag(value.as_deref() == Some("true")))
                }
                EditField::Custom(field_id) => {
                    let field_type: Option<(String,)> = sqlx::query_as(
                        "SELECT field_type FROM contact_field_defs WHERE id = $1 AND workspace_id = $2",
                    )
                    .bind(field_id)
                    .bind(workspace)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(store_error)?;
                    let Some(field_type) = field_type.and_then(|(t,)| FieldType::parse(&t)) else {
                        // Deleted since the value was checked: nothing is written.
                        return Ok(SaveOutcome::NotFound);
                    };
                    let kind = Kind::of(field_type);
                    match value {
                        None => sqlx::query(
                            "DELETE FROM contact_field_values WHERE field_id = $1 AND contact_id = $2",
                        )
                        .bind(field_id),
                        Some(value) => {
                            upsert_field_value(&mut tx, id, field_id, kind, &value).await?;
                            continue;
                        }
                    }
                }
            };
            query
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        let (version,): (i64,) = sqlx::query_as(
            "UPDATE contacts SET version = version + 1, updated_at = $1 WHERE id = $2 RETURNING version",
        )
        .bind(now)
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(SaveOutcome::Saved(SavedContact {
            version,
            values: changes.iter().map(|c| (c.field, c.value.clone())).collect(),
        }))
    }

    pub(super) async fn summarize_delete(
        &self,
        workspace: &Workspace,
        target: &DeleteTarget,
    ) -> Result<DeleteSummary, StoreError> {
        match target {
            DeleteTarget::Ids(ids) => {
                let mut summary = DeleteSummary {
                    total: 0,
                    with_conversations: 0,
                };
                for chunk in ids.chunks(CHUNK) {
                    let mut q = QueryBuilder::<Any>::new(
                        "SELECT COUNT(*), COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM conversations \
                         WHERE conversations.contact_id = contacts.id)) \
                         FROM contacts WHERE workspace_id = ",
                    );
                    q.push_bind(workspace.id).push(" AND id IN ");
                    push_ids(&mut q, chunk);
                    let (total, with): (i64, i64) = finish(&mut q, self.backend)
                        .build_query_as()
                        .fetch_one(&self.pool)
                        .await
                        .map_err(store_error)?;
                    summary.total += total;
                    summary.with_conversations += with;
                }
                Ok(summary)
            }
            DeleteTarget::Matching(query) => {
                let matching = self.matching_for(workspace.id, query).await?;
                Ok(DeleteSummary {
                    total: self.count(workspace, &matching, false).await?,
                    with_conversations: self.count(workspace, &matching, true).await?,
                })
            }
        }
    }

    pub(super) async fn delete(
        &self,
        workspace: &Workspace,
        target: &DeleteTarget,
    ) -> Result<i64, StoreError> {
        let matching = match target {
            DeleteTarget::Matching(query) => Some(self.matching_for(workspace.id, query).await?),
            DeleteTarget::Ids(_) => None,
        };
        let (_writing, mut tx) = self.begin_write().await?;
        let mut deleted = 0;
        match (target, matching) {
            (DeleteTarget::Ids(ids), _) => {
                for chunk in ids.chunks(CHUNK) {
                    deleted += delete_ids(&mut tx, workspace.id, chunk).await?;
                }
            }
            (DeleteTarget::Matching(_), Some(matching)) => {
                // Walk the matches in id order, a chunk at a time: memory stays
                // bounded whatever the count, and each chunk starts where the last
                // ended instead of rescanning rows that do not match.
                let mut after = 0;
                loop {
                    let mut q = QueryBuilder::<Any>::new("SELECT id FROM contacts");
                    matching.push_where(&mut q, workspace.id, true)?;
                    q.push(" AND id > ")
                        .push_bind(after)
                        .push(" ORDER BY id LIMIT ")
                        .push_bind(CHUNK as i64);
                    let ids: Vec<(i64,)> = finish(&mut q, self.backend)
                        .build_query_as()
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(store_error)?;
                    let Some((last,)) = ids.last().copied() else {
                        break;
                    };
                    after = last;
                    let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
                    deleted += delete_ids(&mut tx, workspace.id, &ids).await?;
                }
            }
            (DeleteTarget::Matching(_), None) => unreachable!("matching is computed above"),
        }
        tx.commit().await.map_err(store_error)?;
        tracing::info!(workspace = workspace.id, deleted, "contacts deleted");
        Ok(deleted)
    }

    async fn matching_for(
        &self,
        workspace: WorkspaceId,
        query: &app::domain::ListQuery,
    ) -> Result<Matching, StoreError> {
        let schema = self.load_schema(workspace).await.map_err(store_error)?;
        // A segment that cannot run matches nothing, so nothing is deleted.
        self.matching(workspace, query, schema, now_ms()).await
    }
}

/// Deletes contacts of the workspace by id; their conversations, messages and
/// field values go with them (foreign keys cascade).
async fn delete_ids(
    tx: &mut sqlx::Transaction<'_, Any>,
    workspace: WorkspaceId,
    ids: &[i64],
) -> Result<i64, StoreError> {
    let mut q = QueryBuilder::<Any>::new("DELETE FROM contacts WHERE workspace_id = ");
    q.push_bind(workspace).push(" AND id IN ");
    push_ids(&mut q, ids);
    let done = finish(&mut q, Backend::of_connection(tx))
        .build()
        .execute(&mut **tx)
        .await
        .map_err(store_error)?;
    Ok(done.rows_affected() as i64)
}

fn push_ids(q: &mut QueryBuilder<'_, Any>, ids: &[i64]) {
    q.push("(");
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    list.push_unseparated(")");
}

/// A contact arriving from outside (the operator command, later the API).
pub struct NewContact<'a> {
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// Their first message, which opens a conversation.
    pub message: Option<&'a str>,
}

/// Adds a contact to the named workspace after checking its values by the same
/// rules as edits. Returns the new contact's id.
pub async fn add_contact(
    pool: &sqlx::AnyPool,
    workspace: &str,
    new: &NewContact<'_>,
) -> Result<i64, super::DbError> {
    use app::validate;
    let invalid =
        |field: &str, problem: String| super::DbError::Invalid(format!("{field}: {problem}"));
    let name = validate::name(new.name).map_err(|p| invalid("name", p))?;
    let email = new
        .email
        .map(validate::email)
        .transpose()
        .map_err(|p| invalid("email", p))?;
    let phone = new
        .phone
        .map(validate::phone)
        .transpose()
        .map_err(|p| invalid("phone", p))?;
    let mut tx = super::begin_write(pool).await?;
    let workspace_id: Option<(i64,)> = sqlx::query_as("SELECT id FROM workspaces WHERE name = $1")
        .bind(workspace)
        .fetch_optional(&mut *tx)
        .await?;
    let (workspace_id,) = workspace_id
        .ok_or_else(|| super::DbError::Invalid(format!("no workspace named {workspace:?}")))?;
    let contact = super::api::CreatedContact {
        name,
        email,
        phone,
        avatar_url: None,
        campaign_opt_in: false,
        fields: Vec::new(),
    };
    let id = super::api::insert_contact(&mut tx, workspace_id, &contact).await?;
    if let Some(body) = new.message {
        let now = now_ms();
        let conversation =
            super::api::insert_conversation(&mut tx, workspace_id, id, "open", now).await?;
        super::api::insert_message(&mut tx, conversation, id, true, body, now).await?;
    }
    tx.commit().await?;
    Ok(id)
}
