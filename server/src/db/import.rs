//! Writing imported contacts: a batch per transaction, each contact matched to an
//! existing one by email, or else by phone, through the workspace's key indexes.

use super::contacts::SqlStore;
use super::editing::{number_value, VALUE_UPSERT};
use super::filter_sql::push_list;
use super::{finish, store_error, Flag};
use app::contacts::import::{ImportCounts, ImportedContact, OnExisting};
use app::domain::WorkspaceId;
use app::filter::{digits, fold, fold_for, Kind};
use app::store::StoreError;
use sqlx::{Any, QueryBuilder, Transaction};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Keys looked up in one statement: SQLite takes at most 32,766 arguments.
const KEYS_PER_STATEMENT: usize = 1_000;

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
    /// phone, as the import will find them: two statements for a whole batch
    /// instead of one or two per row (100,000 rows were checked in 7.6-13.3 s
    /// on PostgreSQL, all of it waiting on round trips).
    pub(super) async fn count_existing_contacts(
        &self,
        workspace: WorkspaceId,
        contacts: &[ImportedContact],
    ) -> Result<u64, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        let directory = self.directory(&mut conn, workspace, contacts).await?;
        let n = contacts
            .iter()
            .filter(|c| directory.find(c).is_some())
            .count();
        Ok(n as u64)
    }

    /// The stored contacts a batch can find: every contact of the workspace
    /// with one of its emails, or one of its phones.
    async fn directory(
        &self,
        conn: &mut sqlx::AnyConnection,
        workspace: WorkspaceId,
        contacts: &[ImportedContact],
    ) -> Result<Directory, StoreError> {
        let mut directory = Directory::default();
        for (column, keys) in [
            (
                "email_fold",
                batch_keys(contacts, |c| c.email.as_deref().map(email_key)),
            ),
            (
                "phone_digits",
                batch_keys(contacts, |c| c.phone.as_deref().map(phone_key)),
            ),
        ] {
            for chunk in keys.chunks(KEYS_PER_STATEMENT) {
                let mut q = QueryBuilder::<Any>::new(
                    "SELECT id, email_fold, phone_digits FROM contacts WHERE workspace_id = ",
                );
                q.push_bind(workspace).push(format!(" AND {column} IN "));
                push_list(&mut q, chunk.iter().cloned());
                let rows: Vec<(i64, Option<String>, Option<String>)> = finish(&mut q, self.backend)
                    .build_query_as()
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(store_error)?;
                for (id, email, phone) in rows {
                    directory.set(Who::Stored(id), email, phone);
                }
            }
        }
        Ok(directory)
    }

    /// Writes a batch in one transaction, as if its rows were written one after
    /// another: each row finds the contact that the rows before it left with
    /// its email (or else phone). The batch's contacts are looked up in two
    /// statements and its writes go out a statement per kind, not per row: on
    /// PostgreSQL the row-by-row import waited on 3 to 5 round trips a row.
    pub(super) async fn import_batch(
        &self,
        workspace: WorkspaceId,
        contacts: &[ImportedContact],
        on_existing: OnExisting,
    ) -> Result<ImportCounts, StoreError> {
        let (_writing, mut tx) = self.begin_write().await?;
        let now = chrono::Utc::now().timestamp_millis();
        let mut directory = self.directory(&mut tx, workspace, contacts).await?;
        let mut counts = ImportCounts::default();
        let mut created: Vec<Write> = Vec::new();
        let mut updated: BTreeMap<i64, Write> = BTreeMap::new();
        for c in contacts {
            let who = match directory.find(c) {
                Some(_) if on_existing == OnExisting::Skip => {
                    counts.skipped += 1;
                    continue;
                }
                Some(who) => {
                    counts.updated += 1;
                    match who {
                        Who::Stored(id) => match updated.entry(id) {
                            Entry::Vacant(e) => {
                                e.insert(Write::new(c, now));
                            }
                            Entry::Occupied(mut e) => e.get_mut().merge(c),
                        },
                        Who::New(n) => created[n].merge(c),
                    }
                    who
                }
                None => {
                    counts.created += 1;
                    created.push(Write::new(c, now));
                    Who::New(created.len() - 1)
                }
            };
            directory.update(who, c);
        }

        // New contacts' values are written before the contacts themselves,
        // with foreign keys checked at commit, so the contact's insert trigger
        // indexes its search text once instead of once per value.
        super::defer_foreign_keys(&mut tx, self.backend)
            .await
            .map_err(store_error)?;
        let ids = self.new_ids(&mut tx, created.len()).await?;
        let new_values = ids.iter().zip(&created).flat_map(|(id, w)| w.values(*id));
        write_values(&mut tx, self.backend, new_values.collect()).await?;
        self.insert_contacts(&mut tx, workspace, &ids, &created, now)
            .await?;

        let values = updated.iter().flat_map(|(id, w)| w.values(*id)).collect();
        let values_changed = write_values(&mut tx, self.backend, values).await?;
        let profile_changed = self.update_profiles(&mut tx, &updated, now).await?;
        // Only custom fields changed: a new version, without touching the
        // columns the search index follows.
        let versions: Vec<i64> = values_changed
            .difference(&profile_changed)
            .copied()
            .collect();
        for chunk in versions.chunks(KEYS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Any>::new(
                "UPDATE contacts SET version = version + 1, updated_at = ",
            );
            q.push_bind(now).push(" WHERE id IN ");
            push_list(&mut q, chunk.iter().copied());
            finish(&mut q, self.backend)
                .build()
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(counts)
    }

    /// Ids for `n` new contacts, in increasing order: after the largest on
    /// SQLite (writers take turns), from the id sequence on PostgreSQL (which
    /// other instances draw from too).
    async fn new_ids(
        &self,
        tx: &mut Transaction<'_, Any>,
        n: usize,
    ) -> Result<Vec<i64>, StoreError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        match self.backend {
            super::Backend::Sqlite => {
                let (first,): (i64,) =
                    sqlx::query_as("SELECT COALESCE(MAX(id), 0) + 1 FROM contacts")
                        .fetch_one(&mut **tx)
                        .await
                        .map_err(store_error)?;
                Ok((first..).take(n).collect())
            }
            super::Backend::Postgres => {
                let rows: Vec<(i64,)> = sqlx::query_as(
                    "SELECT nextval(pg_get_serial_sequence('contacts', 'id')) FROM generate_series(1, $1)",
                )
                .bind(n as i64)
                .fetch_all(&mut **tx)
                .await
                .map_err(store_error)?;
                let mut ids: Vec<i64> = rows.into_iter().map(|(id,)| id).collect();
                ids.sort_unstable();
                Ok(ids)
            }
        }
    }

    async fn insert_contacts(
        &self,
        tx: &mut Transaction<'_, Any>,
        workspace: WorkspaceId,
        ids: &[i64],
        created: &[Write],
        now: i64,
    ) -> Result<(), StoreError> {
        let rows: Vec<(i64, &Write)> = ids.iter().copied().zip(created).collect();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Any>::new(
                "INSERT INTO contacts (id, workspace_id, name, email, phone, avatar_color, created_at, \
                 updated_at, campaign_opt_in, name_fold, email_fold, phone_digits) ",
            );
            q.push_values(chunk, |mut row, (id, w)| {
                row.push_bind(*id)
                    .push_bind(workspace)
                    .push_bind(w.name.clone())
                    .push_bind(w.email.clone())
                    .push_bind(w.phone.clone())
                    .push_bind(w.avatar_color)
                    .push_bind(w.created_at)
                    .push_bind(now)
                    .push_bind(Flag(w.campaign_opt_in.unwrap_or(false)))
                    .push_bind(fold_for(Kind::Text, &w.name))
                    .push_bind(w.email.as_deref().map(|e| fold_for(Kind::Text, e)))
                    .push_bind(w.phone.as_deref().map(digits));
            });
            finish(&mut q, self.backend)
                .build()
                .execute(&mut **tx)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    /// Updates the profile values the file has; a column the file does not
    /// have, or an empty cell, leaves the stored value as it is. A contact whose
    /// values are all the same is not written (no new version, no reindexing).
    /// Answers the contacts that changed.
    async fn update_profiles(
        &self,
        tx: &mut Transaction<'_, Any>,
        updated: &BTreeMap<i64, Write>,
        now: i64,
    ) -> Result<HashSet<i64>, StoreError> {
        let rows: Vec<(&i64, &Write)> = updated.iter().collect();
        let mut changed = HashSet::new();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            // A VALUES list's columns are column1, column2, … on both databases.
            let mut q = QueryBuilder::<Any>::new(
                "UPDATE contacts SET name = v.column2, name_fold = v.column3, \
                 email = COALESCE(v.column4, email), email_fold = COALESCE(v.column5, email_fold), \
                 phone = COALESCE(v.column6, phone), phone_digits = COALESCE(v.column7, phone_digits), \
                 campaign_opt_in = COALESCE(v.column8, campaign_opt_in), \
                 version = version + 1, updated_at = ",
            );
            q.push_bind(now).push(" FROM (");
            q.push_values(chunk, |mut row, (id, w)| {
                row.push_bind(**id)
                    .push_bind(w.name.clone())
                    .push_bind(fold_for(Kind::Text, &w.name))
                    .push_bind(w.email.clone())
                    .push_bind(w.email.as_deref().map(|e| fold_for(Kind::Text, e)))
                    .push_bind(w.phone.clone())
                    .push_bind(w.phone.as_deref().map(digits))
                    .push_bind(w.campaign_opt_in.map(Flag));
            });
            q.push(
                ") AS v WHERE contacts.id = v.column1 AND (name IS DISTINCT FROM v.column2 \
                 OR email IS DISTINCT FROM COALESCE(v.column4, email) \
                 OR phone IS DISTINCT FROM COALESCE(v.column6, phone) \
                 OR campaign_opt_in IS DISTINCT FROM COALESCE(v.column8, campaign_opt_in)) \
                 RETURNING id",
            );
            changed.extend(returned_ids(tx, &mut q, self.backend).await?);
        }
        Ok(changed)
    }
}

/// Rows written per statement: 12 arguments each at most, well inside
/// SQLite's 32,766 and PostgreSQL's 65,535.
const ROWS_PER_STATEMENT: usize = 1_000;

/// The distinct keys of a batch.
fn batch_keys(
    contacts: &[ImportedContact],
    key: impl Fn(&ImportedContact) -> Option<String>,
) -> Vec<String> {
    let keys: HashSet<String> = contacts.iter().filter_map(key).collect();
    keys.into_iter().collect()
}

/// Who a row is about: a stored contact, or the batch's n-th new one. New
/// ones sort after stored ones and in the order made, as their ids will.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Who {
    Stored(i64),
    New(usize),
}

/// The batch's contacts by their keys, kept up to date as its rows change
/// them. It holds every stored contact with one of the batch's emails or
/// phones, so a key it does not know belongs to no one the batch can find.
#[derive(Default)]
struct Directory {
    by_email: HashMap<String, BTreeSet<Who>>,
    by_phone: HashMap<String, BTreeSet<Who>>,
    keys: HashMap<Who, (Option<String>, Option<String>)>,
}

impl Directory {
    /// As `contact_by_keys`: the first contact by email, or else by phone.
    fn find(&self, c: &ImportedContact) -> Option<Who> {
        let first = |index: &HashMap<String, BTreeSet<Who>>, key: String| {
            index.get(&key).and_then(|set| set.first()).copied()
        };
        c.email
            .as_deref()
            .and_then(|e| first(&self.by_email, email_key(e)))
            .or_else(|| first(&self.by_phone, phone_key(c.phone.as_deref()?)))
    }

    /// The keys `who` has after `c` is written to it: a key the row leaves
    /// empty stays as it was.
    fn update(&mut self, who: Who, c: &ImportedContact) {
        let (email, phone) = self.keys.get(&who).cloned().unwrap_or_default();
        let email = c.email.as_deref().map(email_key).or(email);
        let phone = c.phone.as_deref().map(phone_key).or(phone);
        self.set(who, email, phone);
    }

    fn set(&mut self, who: Who, email: Option<String>, phone: Option<String>) {
        if let Some((old_email, old_phone)) = self.keys.remove(&who) {
            for (index, old) in [
                (&mut self.by_email, old_email),
                (&mut self.by_phone, old_phone),
            ] {
                if let Some(set) = old.and_then(|k| index.get_mut(&k)) {
                    set.remove(&who);
                }
            }
        }
        for (index, new) in [(&mut self.by_email, &email), (&mut self.by_phone, &phone)] {
            if let Some(key) = new {
                index.entry(key.clone()).or_default().insert(who);
            }
        }
        self.keys.insert(who, (email, phone));
    }
}

/// What a batch writes to one contact: its rows merged in order, as writing
/// them one after another would leave it.
struct Write {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    campaign_opt_in: Option<bool>,
    /// For a new contact: from its first row, as is the avatar's colour.
    created_at: i64,
    avatar_color: &'static str,
    fields: BTreeMap<i64, (Kind, String)>,
}

impl Write {
    fn new(c: &ImportedContact, now: i64) -> Write {
        let mut w = Write {
            name: c.name.clone(),
            email: None,
            phone: None,
            campaign_opt_in: None,
            created_at: c.created_at.unwrap_or(now),
            avatar_color: crate::seed::avatar_color(&c.name),
            fields: BTreeMap::new(),
        };
        w.merge(c);
        w
    }

    fn merge(&mut self, c: &ImportedContact) {
        self.name.clone_from(&c.name);
        self.email = c.email.clone().or(self.email.take());
        self.phone = c.phone.clone().or(self.phone.take());
        self.campaign_opt_in = c.campaign_opt_in.or(self.campaign_opt_in);
        for field in &c.fields {
            if let Some(value) = &field.value {
                self.fields
                    .insert(field.field_id, (Kind::of(field.field_type), value.clone()));
            }
        }
    }

    fn values(&self, id: i64) -> impl Iterator<Item = Value<'_>> {
        self.fields
            .iter()
            .map(move |(field, (kind, value))| (id, *field, *kind, value.as_str()))
    }
}

/// A custom field's value to write: contact, field, kind, text.
type Value<'a> = (i64, i64, Kind, &'a str);

/// Writes custom field values, leaving equal ones alone; answers the
/// contacts whose values changed. Each (contact, field) comes once.
async fn write_values(
    tx: &mut Transaction<'_, Any>,
    backend: super::Backend,
    values: Vec<Value<'_>>,
) -> Result<HashSet<i64>, StoreError> {
    let mut changed = HashSet::new();
    for chunk in values.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::<Any>::new(
            "INSERT INTO contact_field_values (contact_id, field_id, value, number_value, value_fold) ",
        );
        q.push_values(chunk, |mut row, (contact, field, kind, value)| {
            row.push_bind(*contact)
                .push_bind(*field)
                .push_bind(value.to_string())
                .push_bind(number_value(*kind, value))
                .push_bind(fold_for(*kind, value));
        });
        q.push(VALUE_UPSERT).push(" RETURNING contact_id");
        changed.extend(returned_ids(tx, &mut q, backend).await?);
    }
    Ok(changed)
}

/// Runs a statement that answers one id per row (`RETURNING`).
async fn returned_ids(
    tx: &mut Transaction<'_, Any>,
    q: &mut QueryBuilder<'_, Any>,
    backend: super::Backend,
) -> Result<Vec<i64>, StoreError> {
    let ids: Vec<(i64,)> = finish(q, backend)
        .build_query_as()
        .fetch_all(&mut **tx)
        .await
        .map_err(store_error)?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}
