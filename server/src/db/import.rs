//! Writing imported contacts: a batch per transaction, each contact matched to an
//! existing one by email, or else by phone, through the workspace's key indexes.

use super::contacts::SqlStore;
use super::editing::upsert_field_value;
use super::filter_sql::push_list;
use super::{finish, store_error, Flag};
use app::contacts::import::{ImportCounts, ImportedContact, OnExisting};
use app::domain::WorkspaceId;
use app::filter::{digits, fold, fold_for, Kind};
use app::store::StoreError;
use sqlx::{Any, QueryBuilder, Transaction};
use std::collections::HashSet;

/// Keys looked up in one statement: SQLite takes at most 32,766 arguments.
const KEYS_PER_STATEMENT: usize = 1_000;

async fn existing(
    conn: &mut sqlx::AnyConnection,
    workspace: WorkspaceId,
    c: &ImportedContact,
) -> Result<Option<i64>, StoreError> {
    contact_by_keys(conn, workspace, c.email.as_deref(), c.phone.as_deref()).await
}

/// What an email is matched by: trimmed and folded, as `email_fold` holds it.
fn email_key(email: &str) -> String {
    fold(email.trim())
}

/// What a phone is matched by: its digits, as `phone_digits` holds them.
fn phone_key(phone: &str) -> String {
    digits(phone)
}

/// The contact with this email (case-insensitive), or else with this phone
/// (by digits): how imports and incoming conversations find who they are about.
pub(super) async fn contact_by_keys(
    conn: &mut sqlx::AnyConnection,
    workspace: WorkspaceId,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<Option<i64>, StoreError> {
    if let Some(email) = email {
        let found: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM contacts WHERE workspace_id = $1 AND email_fold = $2 ORDER BY id LIMIT 1",
        )
        .bind(workspace)
        .bind(email_key(email))
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?;
        if found.is_some() {
            return Ok(found.map(|(id,)| id));
        }
    }
    if let Some(phone) = phone {
        let found: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM contacts WHERE workspace_id = $1 AND phone_digits = $2 ORDER BY id LIMIT 1",
        )
        .bind(workspace)
        .bind(phone_key(phone))
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?;
        return Ok(found.map(|(id,)| id));
    }
    Ok(None)
}

impl SqlStore {
    /// How many of `contacts` match an existing contact by email, or else by
    /// phone, as `contact_by_keys` does one at a time: two statements for a
    /// whole batch instead of one or two per row (100,000 rows were checked in
    /// 7.6-13.3 s on PostgreSQL, all of it waiting on round trips).
    pub(super) async fn count_existing_contacts(
        &self,
        workspace: WorkspaceId,
        contacts: &[ImportedContact],
    ) -> Result<u64, StoreError> {
        let keys: Vec<(Option<String>, Option<String>)> = contacts
            .iter()
            .map(|c| {
                (
                    c.email.as_deref().map(email_key),
                    c.phone.as_deref().map(phone_key),
                )
            })
            .collect();
        let emails: HashSet<&String> = keys.iter().filter_map(|(e, _)| e.as_ref()).collect();
        let phones: HashSet<&String> = keys.iter().filter_map(|(_, p)| p.as_ref()).collect();
        let known_emails = self.known_keys(workspace, "email_fold", emails).await?;
        let known_phones = self.known_keys(workspace, "phone_digits", phones).await?;
        let n = keys
            .iter()
            .filter(|(e, p)| {
                e.as_ref().is_some_and(|e| known_emails.contains(e))
                    || p.as_ref().is_some_and(|p| known_phones.contains(p))
            })
            .count();
        Ok(n as u64)
    }

    /// Which of `keys` some contact of the workspace has in `column`.
    async fn known_keys(
        &self,
        workspace: WorkspaceId,
        column: &'static str,
        keys: HashSet<&String>,
    ) -> Result<HashSet<String>, StoreError> {
        let mut known = HashSet::new();
        let keys: Vec<&String> = keys.into_iter().collect();
        for chunk in keys.chunks(KEYS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Any>::new(format!(
                "SELECT DISTINCT {column} FROM contacts WHERE workspace_id = "
            ));
            q.push_bind(workspace).push(format!(" AND {column} IN "));
            push_list(&mut q, chunk.iter().map(|k| (*k).clone()));
            let rows: Vec<(String,)> = finish(&mut q, self.backend)
                .build_query_as()
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
            known.extend(rows.into_iter().map(|(k,)| k));
        }
        Ok(known)
    }

    pub(super) async fn import_batch(
        &self,
        workspace: WorkspaceId,
        contacts: &[ImportedContact],
        on_existing: OnExisting,
    ) -> Result<ImportCounts, StoreError> {
        let (_writing, mut tx) = self.begin_write().await?;
        let mut counts = ImportCounts::default();
        let now = chrono::Utc::now().timestamp_millis();
        // New contacts' values are written before the contacts themselves.
        super::defer_foreign_keys(&mut tx, self.backend)
            .await
            .map_err(store_error)?;
        // New ids: after the largest on SQLite (writers take turns), from the
        // id sequence on PostgreSQL (which other instances draw from too).
        let id_sql = match self.backend {
            super::Backend::Sqlite => "SELECT COALESCE(MAX(id), 0) + 1 FROM contacts",
            super::Backend::Postgres => "SELECT nextval(pg_get_serial_sequence('contacts', 'id'))",
        };
        let (mut next_id,): (i64,) = sqlx::query_as(id_sql)
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
        for c in contacts {
            match existing(&mut tx, workspace, c).await? {
                Some(_) if on_existing == OnExisting::Skip => counts.skipped += 1,
                Some(id) => {
                    update(&mut tx, id, c, now).await?;
                    counts.updated += 1;
                }
                None => {
                    insert(&mut tx, workspace, next_id, c, now).await?;
                    next_id = match self.backend {
                        super::Backend::Sqlite => next_id + 1,
                        super::Backend::Postgres => {
                            sqlx::query_as::<_, (i64,)>(id_sql)
                                .fetch_one(&mut *tx)
                                .await
                                .map_err(store_error)?
                                .0
                        }
                    };
                    counts.created += 1;
                }
            }
        }
        tx.commit().await.map_err(store_error)?;
        Ok(counts)
    }
}

/// Creates a contact with the next free id. Its field values go in first, with
/// foreign keys checked at commit, so the contact's insert trigger indexes its
/// search text once instead of once per value.
async fn insert(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
    id: i64,
    c: &ImportedContact,
    now: i64,
) -> Result<(), StoreError> {
    write_fields(tx, id, c).await?;
    sqlx::query(
        "INSERT INTO contacts (id, workspace_id, name, email, phone, avatar_color, created_at, updated_at, \
         campaign_opt_in, name_fold, email_fold, phone_digits) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(workspace)
    .bind(&c.name)
    .bind(&c.email)
    .bind(&c.phone)
    .bind(crate::seed::avatar_color(&c.name))
    .bind(c.created_at.unwrap_or(now))
    .bind(now)
    .bind(Flag(c.campaign_opt_in.unwrap_or(false)))
    .bind(fold_for(Kind::Text, &c.name))
    .bind(c.email.as_deref().map(|e| fold_for(Kind::Text, e)))
    .bind(c.phone.as_deref().map(digits))
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// Updates the values the file has; a column the file does not have, or an
/// empty profile cell, leaves the stored value as it is. A contact whose values
/// are all the same is not written at all (no new version, no reindexing).
async fn update(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    c: &ImportedContact,
    now: i64,
) -> Result<(), StoreError> {
    let fields_changed = write_fields(tx, id, c).await?;
    let profile = sqlx::query(
        "UPDATE contacts SET name = $1, name_fold = $2, \
         email = COALESCE($3, email), email_fold = COALESCE($4, email_fold), \
         phone = COALESCE($5, phone), phone_digits = COALESCE($6, phone_digits), \
         campaign_opt_in = COALESCE($7, campaign_opt_in), \
         version = version + 1, updated_at = $8 \
         WHERE id = $9 AND (name IS DISTINCT FROM $10 OR email IS DISTINCT FROM COALESCE($11, email) \
           OR phone IS DISTINCT FROM COALESCE($12, phone) OR campaign_opt_in IS DISTINCT FROM COALESCE($13, campaign_opt_in))",
    )
    .bind(&c.name)
    .bind(fold_for(Kind::Text, &c.name))
    .bind(&c.email)
    .bind(c.email.as_deref().map(|e| fold_for(Kind::Text, e)))
    .bind(&c.phone)
    .bind(c.phone.as_deref().map(digits))
    .bind(c.campaign_opt_in.map(Flag))
    .bind(now)
    .bind(id)
    .bind(&c.name)
    .bind(&c.email)
    .bind(&c.phone)
    .bind(c.campaign_opt_in.map(Flag))
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    if profile.rows_affected() == 0 && fields_changed {
        // Only custom fields changed: a new version, without touching the
        // columns the search index follows.
        sqlx::query("UPDATE contacts SET version = version + 1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
    }
    Ok(())
}

/// Writes the mapped custom fields; returns whether any value changed.
async fn write_fields(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    c: &ImportedContact,
) -> Result<bool, StoreError> {
    let mut changed = false;
    for (def, value) in &c.fields {
        let Some(value) = value else {
            continue;
        };
        changed |= upsert_field_value(tx, id, def.id, Kind::of(def.field_type), value).await?;
    }
    Ok(changed)
}
