//! Reading an export: the matching contacts in the export's order, read a chunk
//! at a time (each chunk one statement that answers one JSON text) and handed
//! over through a small bounded channel, so memory stays flat whatever the count.
//!
//! One row per statement instead of one per contact is what makes it fast: the
//! database driver hands rows from its worker thread one by one, and at a
//! million contacts that hand-over cost more than reading them.

use super::contacts::SqlStore;
use super::store_error;
use crate::db::{finish, Backend};
use app::contacts::export::{ExportOptions, ExportSort, RECENT_CONVERSATIONS};
use app::domain::{ExportRow, FieldValue, ListQuery, Workspace};
use app::store::{ExportStream, StoreError};
use futures::StreamExt;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::Deserialize;
use sqlx::{Any, QueryBuilder, Row};
use std::marker::PhantomData;
use std::sync::Arc;

/// Contacts read per statement.
pub(super) const EXPORT_CHUNK: u64 = 2_000;

/// Chunks in flight between the readers and the response.
const CHANNEL_CHUNKS: usize = 2;

/// Chunks read at once, each on a connection of its own. SQLite answers a
/// statement on one thread, which at one reader was the bottleneck.
const PARALLEL_READS: usize = 2;

/// One contact of a chunk, as the chunk's JSON array holds it: the sort value
/// and id first (to put the chunk in order), then what the file shows.
#[derive(Deserialize)]
struct ChunkRow(
    Option<i64>,
    i64,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
    i64,
    Nested<Vec<(i64, String)>>,
    Nested<Vec<String>>,
    Nested<Vec<(i64, String)>>,
);

/// An aggregate inside a chunk. It may come as JSON text or as JSON (SQLite
/// keeps or drops the JSON subtype depending on how it plans the statement;
/// PostgreSQL's is text): both read straight into `T`, null as empty.
struct Nested<T>(T);

impl<'de, T: DeserializeOwned + Default> Deserialize<'de> for Nested<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned + Default> Visitor<'de> for Either<T> {
            type Value = Nested<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON array or its text")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Nested<T>, E> {
                Ok(Nested(T::default()))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Nested<T>, E> {
                serde_json::from_str(text).map(Nested).map_err(E::custom)
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Nested<T>, A::Error> {
                T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Nested)
            }
        }
        deserializer.deserialize_any(Either(PhantomData))
    }
}

fn values(pairs: Vec<(i64, String)>) -> impl Iterator<Item = FieldValue> {
    pairs
        .into_iter()
        .map(|(field_id, value)| FieldValue { field_id, value })
}

impl From<ChunkRow> for ExportRow {
    fn from(r: ChunkRow) -> Self {
        // Conversation values come newest first: the first of each field wins.
        let mut conversation_fields: Vec<FieldValue> = Vec::new();
        for v in values(r.10 .0) {
            if !conversation_fields.iter().any(|c| c.field_id == v.field_id) {
                conversation_fields.push(v);
            }
        }
        ExportRow {
            name: r.2,
            email: r.3,
            phone: r.4,
            created_at: r.5,
            last_interaction_at: r.6,
            campaign_opt_in: r.7 != 0,
            fields: values(r.8 .0).collect(),
            labels: r.9 .0,
            conversation_fields,
        }
    }
}

/// A place in the export's order: the sort value descending, then the id
/// descending, with the contacts that have no value last (first the values,
/// then the contacts without one). `None` is the start of its phase.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Resume {
    Values(Option<(i64, i64)>),
    Missing(Option<i64>),
}

/// One chunk to read: the contacts after `after` up to and including
/// `through` (to the end of the phase when `None`), `want` at most.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Part {
    after: Resume,
    through: Option<Resume>,
    want: u64,
}

/// Cuts the export into chunks, one after another.
struct Plan {
    /// Where the next chunk starts; `None` once the export is cut.
    at: Option<Resume>,
    /// Contacts the export may still hold.
    left: u64,
}

impl Plan {
    async fn next(&mut self, reader: &Reader, chunk: u64) -> Option<Result<Part, StoreError>> {
        let after = self.at?;
        if self.left == 0 {
            self.at = None;
            return None;
        }
        let want = self.left.min(chunk);
        let last = reader.nth(after, want).await;
        let last = match last {
            Ok(last) => last,
            Err(err) => {
                self.at = None;
                return Some(Err(err));
            }
        };
        if let Some(last) = last {
            self.left -= want;
            self.at = Some(last);
            return Some(Ok(Part {
                after,
                through: Some(last),
                want,
            }));
        }
        // The phase ends inside this chunk: what follows is the contacts
        // without a sort value, after as many of these as there are.
        self.at = None;
        if let (Resume::Values(_), true) = (after, reader.sql.nullable) {
            match reader.count(after, want).await {
                Ok(n) if n < self.left => {
                    self.left -= n;
                    self.at = Some(Resume::Missing(None));
                }
                Ok(_) => {}
                Err(err) => return Some(Err(err)),
            }
        }
        Some(Ok(Part {
            after,
            through: None,
            want,
        }))
    }
}

impl SqlStore {
    pub(super) async fn export_rows(
        &self,
        workspace: &Workspace,
        query: &ListQuery,
        options: &ExportOptions,
    ) -> Result<ExportStream, StoreError> {
        let schema = self.load_schema(workspace.id).await.map_err(store_error)?;
        let now = chrono::Utc::now().timestamp_millis();
        let mut matching = self.matching(workspace.id, query, schema, now).await?;
        self.plan_dates(workspace.id, &mut matching).await?;
        // The statement is checked here, so that a filter that cannot run is
        // refused before the download starts rather than in its middle.
        let select = Chunks::new(self.backend, options);
        let mut probe = QueryBuilder::<Any>::new("SELECT 1 FROM contacts");
        matching.push_where(&mut probe, workspace.id, false)?;

        let (tx, rx) =
            tokio::sync::mpsc::channel::<Vec<Result<ExportRow, StoreError>>>(CHANNEL_CHUNKS);
        let reader = Arc::new(Reader {
            sql: select,
            pool: self.pool.clone(),
            matching,
            workspace: workspace.id,
        });
        let plan = Plan {
            at: Some(Resume::Values(None)),
            left: options.limit,
        };
        let chunk = self.export_chunk;
        // Where each chunk ends is found first (from the sort index), so that
        // chunks can be read side by side and still arrive in order.
        let parts = futures::stream::unfold(
            (plan, reader.clone()),
            move |(mut plan, reader)| async move {
                let part = plan.next(&reader, chunk).await;
                part.map(|part| (part, (plan, reader)))
            },
        );
        let chunks = parts
            .map(move |part| {
                let reader = reader.clone();
                async move { reader.read(part?).await }
            })
            .buffered(PARALLEL_READS);
        tokio::spawn(async move {
            let mut chunks = std::pin::pin!(chunks);
            while let Some(read) = chunks.next().await {
                let batch = match read {
                    Ok(rows) => rows.into_iter().map(|r| Ok(ExportRow::from(r))).collect(),
                    Err(err) => vec![Err(err)],
                };
                // The receiver is gone when the download was cancelled: stop reading.
                if tx.send(batch).await.is_err() {
                    return;
                }
            }
        });
        Ok(futures::stream::unfold(rx, |mut rx| async move {
            rx.recv()
                .await
                .map(|batch| (futures::stream::iter(batch), rx))
        })
        .flatten()
        .fuse()
        .boxed())
    }
}

/// The statement of one chunk, but for where it starts.
struct Chunks {
    backend: Backend,
    /// The sort column.
    column: &'static str,
    nullable: bool,
    /// The export's order, as the sort index has it.
    order: String,
    /// `SELECT` list of one contact, its sort value and id first.
    row: String,
    /// The chunk's aggregate around `row`.
    aggregate: String,
}

impl Chunks {
    fn new(backend: Backend, options: &ExportOptions) -> Chunks {
        // JSON arrays built in SQL, one aggregate per backend (text either way).
        let (pairs, distinct, array) = match backend {
            Backend::Sqlite => (
                "json_group_array(json_array(field_id, value))",
                "json_group_array(DISTINCT l.name)",
                "json_array",
            ),
            Backend::Postgres => (
                "json_agg(json_build_array(field_id, value))::text",
                "json_agg(DISTINCT l.name)::text",
                "json_build_array",
            ),
        };
        let (column, nullable) = match options.sort {
            ExportSort::LastInteraction => ("last_interaction_at", true),
            ExportSort::CreatedAt => ("created_at", false),
        };
        let recent = format!(
            "(SELECT id, COALESCE(last_message_at, created_at) AS at FROM conversations \
             WHERE conversations.contact_id = contacts.id ORDER BY at DESC, id DESC LIMIT {RECENT_CONVERSATIONS})"
        );
        let labels = if options.labels {
            format!(
                "(SELECT {distinct} FROM {recent} rc \
                 JOIN conversation_labels cl ON cl.conversation_id = rc.id \
                 JOIN labels l ON l.id = cl.label_id)"
            )
        } else {
            "NULL".to_string()
        };
        let conversation_fields = if options.conversation_fields {
            format!(
                "(SELECT {pairs} FROM \
                 (SELECT v.field_id, v.value FROM {recent} rc \
                  JOIN conversation_field_values v ON v.conversation_id = rc.id \
                  ORDER BY rc.at DESC, rc.id DESC) cf)"
            )
        } else {
            "NULL".to_string()
        };
        // The chunk's contacts are selected as columns and turned into JSON
        // once, by the aggregate around them.
        let row = format!(
            "{column} AS k, id, name, email, phone, created_at, last_interaction_at, \
             campaign_opt_in + 0 AS opt, \
             (SELECT {pairs} FROM contact_field_values v WHERE v.contact_id = contacts.id) AS fields, \
             {labels} AS labels, {conversation_fields} AS cf"
        );
        let aggregate = match backend {
            Backend::Sqlite => "json_group_array",
            Backend::Postgres => "json_agg",
        };
        let aggregate = format!(
            "{aggregate}({array}(k, id, name, email, phone, created_at, last_interaction_at, \
             opt, fields, labels, cf)){}",
            if backend == Backend::Postgres {
                "::text"
            } else {
                ""
            }
        );
        // PostgreSQL's DESC puts NULL first, so its index is NULLS LAST; an
        // order that does not say so sorted every remaining row for each chunk.
        let nulls = match (nullable, backend) {
            (true, Backend::Postgres) => " NULLS LAST",
            _ => "",
        };
        Chunks {
            backend,
            column,
            nullable,
            order: format!("{column} DESC{nulls}, id DESC"),
            row,
            aggregate,
        }
    }
}

/// Reads one export's chunks; shared by the readers running side by side.
struct Reader {
    sql: Chunks,
    pool: sqlx::AnyPool,
    matching: super::contacts::Matching,
    workspace: app::domain::WorkspaceId,
}

impl Reader {
    /// The matching contacts after `after`, through `through`, in order.
    fn push_range(
        &self,
        q: &mut QueryBuilder<'_, Any>,
        after: Resume,
        through: Option<Resume>,
    ) -> Result<(), StoreError> {
        let column = self.sql.column;
        self.matching.push_where(q, self.workspace, false)?;
        match after {
            Resume::Values(from) => {
                if self.sql.nullable {
                    q.push(format!(" AND {column} IS NOT NULL"));
                }
                if let Some((value, id)) = from {
                    q.push(format!(" AND ({column}, id) < ("))
                        .push_bind(value)
                        .push(", ")
                        .push_bind(id)
                        .push(")");
                }
                if let Some(Resume::Values(Some((value, id)))) = through {
                    q.push(format!(" AND ({column}, id) >= ("))
                        .push_bind(value)
                        .push(", ")
                        .push_bind(id)
                        .push(")");
                }
                q.push(format!(" ORDER BY {}", self.sql.order));
            }
            Resume::Missing(from) => {
                q.push(format!(" AND {column} IS NULL"));
                if let Some(id) = from {
                    q.push(" AND id < ").push_bind(id);
                }
                if let Some(Resume::Missing(Some(id))) = through {
                    q.push(" AND id >= ").push_bind(id);
                }
                // SQLite reads `IS NULL` as an equality, so the index is in id
                // order; PostgreSQL does not and sorts unless given the index's order.
                match self.sql.backend {
                    Backend::Sqlite => q.push(" ORDER BY id DESC"),
                    Backend::Postgres => q.push(format!(" ORDER BY {}", self.sql.order)),
                };
            }
        }
        Ok(())
    }

    /// The place of the `n`th contact after `after`, if there are that many.
    async fn nth(&self, after: Resume, n: u64) -> Result<Option<Resume>, StoreError> {
        let mut q =
            QueryBuilder::<Any>::new(format!("SELECT {}, id FROM contacts", self.sql.column));
        self.push_range(&mut q, after, None)?;
        q.push(" LIMIT 1 OFFSET ").push_bind(n as i64 - 1);
        let row = finish(&mut q, self.sql.backend)
            .build()
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let value: Option<i64> = row.try_get(0).map_err(store_error)?;
        let id: i64 = row.try_get(1).map_err(store_error)?;
        Ok(Some(match after {
            Resume::Values(_) => Resume::Values(Some((value.unwrap_or_default(), id))),
            Resume::Missing(_) => Resume::Missing(Some(id)),
        }))
    }

    /// How many contacts follow `after` to the end of its phase, up to `most`.
    async fn count(&self, after: Resume, most: u64) -> Result<u64, StoreError> {
        let mut q = QueryBuilder::<Any>::new("SELECT COUNT(*) FROM (SELECT id FROM contacts");
        self.push_range(&mut q, after, None)?;
        q.push(" LIMIT ").push_bind(most as i64).push(") tail");
        let row = finish(&mut q, self.sql.backend)
            .build()
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let n: i64 = row.try_get(0).map_err(store_error)?;
        Ok(n.max(0) as u64)
    }

    /// One chunk's contacts, in the export's order.
    async fn read(&self, part: Part) -> Result<Vec<ChunkRow>, StoreError> {
        let mut q = QueryBuilder::<Any>::new(format!(
            "SELECT {} FROM (SELECT {} FROM contacts",
            self.sql.aggregate, self.sql.row
        ));
        self.push_range(&mut q, part.after, part.through)?;
        q.push(" LIMIT ")
            .push_bind(part.want as i64)
            .push(") chunk");
        let row = finish(&mut q, self.sql.backend)
            .build()
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let json: Option<String> = row.try_get(0).map_err(store_error)?;
        let mut rows: Vec<ChunkRow> = match json {
            None => Vec::new(),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Internal(format!("export chunk: {e}")))?,
        };
        // An aggregate's order is not promised: sort the chunk as it was read.
        rows.sort_unstable_by_key(|r| std::cmp::Reverse((r.0, r.1)));
        Ok(rows)
    }
}
