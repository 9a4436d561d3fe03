//! Reading contacts for the table and the details drawer; the port's implementation.

use super::deep_pages::{MarkCache, MARK_EVERY};
use super::filter_sql::{escape_like, push_date_conditions, push_filter, Shape};
use super::store_error;
use crate::db::{finish, Backend, Flag};
use app::contacts::details::{MESSAGES_PER_CONVERSATION, RECENT_CONVERSATIONS};
use app::domain::{
    ActiveSegment, CleanChange, ContactDetails, ContactId, ContactPage, ContactRow,
    ConversationSummary, DeleteSummary, DeleteTarget, FieldDef, FieldType, FieldValue, Label,
    ListQuery, Message, MessagePreview, SaveOutcome, SearchTerm, SegmentInfo, Sort, SortKey,
    Workspace, WorkspaceId, PAGE_SIZE,
};
use app::filter::{FieldRef, Filter, Op, Schema};
use app::store::{ContactStore, StoreError};
use sqlx::{Any, AnyPool, QueryBuilder};
use std::collections::HashMap;

/// The sqlx implementation of the app's storage port.
#[derive(Clone)]
pub struct SqlStore {
    pub(super) pool: AnyPool,
    pub(super) backend: Backend,
    /// SQLite has one writer at a time. Writers of this process queue here, in
    /// order, instead of polling the database lock with the busy handler's
    /// sleeps; other processes still wait on the busy timeout.
    pub(super) writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Totals of narrowed lists, by workspace, change counter, minute and query:
    /// paging through a search or a segment counts once, not on every page.
    counts: Option<std::sync::Arc<std::sync::Mutex<HashMap<String, i64>>>>,
    /// Where each deep-paged list stood every `mark_every` rows (`deep_pages`).
    pub(super) marks: Option<MarkCache>,
    pub(super) mark_every: u64,
    /// Whether missing marks are found after the page is answered (the
    /// server) or before (tests, so every later deep page uses them).
    pub(super) marks_later: bool,
    /// Workspaces up to this many contacts get every total with their page;
    /// larger ones get expensive totals from `count_contacts` afterwards.
    inline_count_max: i64,
    /// Searches with more matches than this are "common" (see `SearchPlan`).
    many_matches: i64,
    /// Contacts an export reads per statement (`export`).
    pub(super) export_chunk: u64,
    /// Counts in workspaces of at least this many contacts run in two halves
    /// (`count_in_halves`).
    split_count_min: i64,
}

/// From this offset on a page is found by ids first (see `contact_page`).
const DEEP_OFFSET: u64 = 1_000;

/// Above this many matches a search walks the sort index probing each row.
pub const MANY_MATCHES: i64 = 50_000;

/// Totals kept at most; the cache starts over when it is full.
const COUNT_CACHE_ENTRIES: usize = 512;

/// Up to this many contacts any count takes a few milliseconds, so pages of
/// such workspaces carry their total.
pub const DEFAULT_INLINE_COUNT_MAX: i64 = 50_000;

impl SqlStore {
    pub fn new(pool: AnyPool) -> Self {
        SqlStore {
            backend: Backend::of(&pool),
            pool,
            writer: Default::default(),
            counts: Some(Default::default()),
            marks: Some(Default::default()),
            mark_every: MARK_EVERY,
            marks_later: true,
            inline_count_max: DEFAULT_INLINE_COUNT_MAX,
            many_matches: MANY_MATCHES,
            export_chunk: super::export::EXPORT_CHUNK,
            split_count_min: DEFAULT_INLINE_COUNT_MAX,
        }
    }

    /// Splits counts in two from workspaces of `n` contacts (tests use 0).
    pub fn with_split_counts_from(mut self, n: i64) -> Self {
        self.split_count_min = n;
        self
    }

    /// Treats searches with more than `n` matches as common (tests use small numbers).
    pub fn with_many_matches(mut self, n: i64) -> Self {
        self.many_matches = n;
        self
    }

    /// Counts expensive totals with the page only in workspaces up to `max`
    /// contacts (0: never).
    pub fn with_inline_count_max(mut self, max: i64) -> Self {
        self.inline_count_max = max;
        self
    }

    /// Marks deep pages every `n` rows and finds missing marks before
    /// answering, so every deep page after the first uses them (tests).
    pub fn with_mark_every(mut self, n: u64) -> Self {
        self.mark_every = n;
        self.marks_later = false;
        self
    }

    /// Marks deep pages every `n` rows, found after answering as the server
    /// does, so a deep page right after a change starts from the old marks.
    pub fn with_mark_every_later(mut self, n: u64) -> Self {
        self.mark_every = n;
        self.marks_later = true;
        self
    }

    /// Reads exports `n` contacts per statement (tests cross many chunks).
    pub fn with_export_chunk(mut self, n: u64) -> Self {
        self.export_chunk = n.max(1);
        self
    }

    /// The same store counting every time: the benchmark measures counts.
    pub fn without_count_cache(mut self) -> Self {
        self.counts = None;
        self
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[derive(sqlx::FromRow)]
pub(super) struct ContactRecord {
    id: i64,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    avatar_url: Option<String>,
    avatar_color: String,
    created_at: i64,
    last_interaction_at: Option<i64>,
    campaign_opt_in: Flag,
    version: i64,
}

impl From<ContactRecord> for ContactRow {
    fn from(r: ContactRecord) -> Self {
        ContactRow {
            id: r.id,
            name: r.name,
            email: r.email,
            phone: r.phone,
            avatar_url: r.avatar_url,
            avatar_color: r.avatar_color,
            created_at: r.created_at,
            last_interaction_at: r.last_interaction_at,
            last_message: None,
            campaign_opt_in: r.campaign_opt_in.0,
            version: r.version,
            fields: Vec::new(),
            conversation_fields: Vec::new(),
        }
    }
}

pub(super) const CONTACT_COLUMNS: &str =
    "id, name, email, phone, avatar_url, avatar_color, created_at, \
     last_interaction_at, campaign_opt_in + 0 AS campaign_opt_in, version";

#[derive(sqlx::FromRow)]
struct FieldDefRecord {
    id: i64,
    key: String,
    label: String,
    field_type: String,
    options: String,
    position: i32,
}

impl FieldDefRecord {
    fn into_def(self) -> Option<FieldDef> {
        Some(FieldDef {
            id: self.id,
            key: self.key,
            label: self.label,
            field_type: FieldType::parse(&self.field_type)?,
            options: serde_json::from_str(&self.options).unwrap_or_default(),
            position: self.position,
        })
    }
}

/// A unique-name violation as the port's `Duplicate`, anything else as usual.
fn unique_or(err: sqlx::Error, name: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Duplicate(name.to_string())
        }
        _ => store_error(err),
    }
}

impl SqlStore {
    /// The saved column choice, without fields deleted since; every field when
    /// nothing was saved.
    async fn columns(
        &self,
        workspace: WorkspaceId,
        schema: &Schema,
    ) -> Result<Vec<FieldRef>, sqlx::Error> {
        let saved: Option<(String,)> =
            sqlx::query_as("SELECT columns FROM workspace_columns WHERE workspace_id = $1")
                .bind(workspace)
                .fetch_optional(&self.pool)
                .await?;
        Ok(
            match saved.and_then(|(json,)| serde_json::from_str::<Vec<FieldRef>>(&json).ok()) {
                Some(columns) => columns
                    .into_iter()
                    .filter(|c| schema.def(*c).is_some())
                    .collect(),
                None => schema
                    .fields
                    .iter()
                    .map(|f| FieldRef::Custom(f.id))
                    .chain(
                        schema
                            .conversation_fields
                            .iter()
                            .map(|f| FieldRef::Conversation(f.id)),
                    )
                    .collect(),
            },
        )
    }

    pub(super) async fn load_schema(&self, workspace: WorkspaceId) -> Result<Schema, sqlx::Error> {
        Ok(Schema {
            fields: self.field_defs("contact_field_defs", workspace).await?,
            conversation_fields: self
                .field_defs("conversation_field_defs", workspace)
                .await?,
            labels: self
                .labels(workspace)
                .await?
                .into_iter()
                .map(|l| (l.id, l.name))
                .collect(),
        })
    }

    /// A selected segment with its filter, or the reason it cannot run.
    async fn active_segment(
        &self,
        workspace: WorkspaceId,
        id: i64,
        schema: &Schema,
    ) -> Result<ActiveSegment, StoreError> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT name, definition FROM segments WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        let Some((name, definition)) = row else {
            return Ok(ActiveSegment {
                id,
                name: "Deleted segment".into(),
                filter: Filter::default(),
                problem: Some("This segment no longer exists. It may have been deleted.".into()),
            });
        };
        let (filter, problem) = match serde_json::from_str::<Filter>(&definition) {
            Err(_) => (
                Filter::default(),
                Some("This segment's conditions cannot be read.".to_string()),
            ),
            Ok(filter) => {
                let problem =
                    schema
                        .check_all(&filter)
                        .into_iter()
                        .enumerate()
                        .find_map(|(i, e)| {
                            e.map(|e| {
                                format!("Condition {}: {e} Edit the segment to fix it.", i + 1)
                            })
                        });
                (filter, problem)
            }
        };
        Ok(ActiveSegment {
            id,
            name,
            filter,
            problem,
        })
    }

    async fn labels(&self, workspace: WorkspaceId) -> Result<Vec<Label>, sqlx::Error> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, name, color FROM labels WHERE workspace_id = $1 ORDER BY name",
        )
        .bind(workspace)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, color)| Label { id, name, color })
            .collect())
    }

    async fn field_defs(
        &self,
        table: &str,
        workspace: WorkspaceId,
    ) -> Result<Vec<FieldDef>, sqlx::Error> {
        // `table` is one of two constants below, never user input.
        let sql = format!(
            "SELECT id, key, label, field_type, options, position FROM {table} \
             WHERE workspace_id = $1 ORDER BY position, id"
        );
        let records: Vec<FieldDefRecord> = sqlx::query_as(&sql)
            .bind(workspace)
            .fetch_all(&self.pool)
            .await?;
        Ok(records
            .into_iter()
            .filter_map(FieldDefRecord::into_def)
            .collect())
    }

    /// Fills in custom fields, the last message and conversation field summaries
    /// for a handful of rows, with one query each.
    async fn enrich(&self, rows: &mut [ContactRow]) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let index: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();

        let mut q = QueryBuilder::<Any>::new(
            "SELECT contact_id, field_id, value FROM contact_field_values WHERE contact_id IN ",
        );
        push_id_list(&mut q, &ids);
        let values: Vec<(i64, i64, String)> = finish(&mut q, self.backend)
            .build_query_as()
            .fetch_all(&self.pool)
            .await?;
        for (contact_id, field_id, value) in values {
            if let Some(&i) = index.get(&contact_id) {
                rows[i].fields.push(FieldValue { field_id, value });
            }
        }

        let mut q = QueryBuilder::<Any>::new(
            "SELECT c.contact_id, m.id, m.body, m.direction, m.created_at \
             FROM conversations c JOIN messages m \
               ON m.conversation_id = c.id AND m.created_at = c.last_message_at \
             WHERE c.contact_id IN ",
        );
        push_id_list(&mut q, &ids);
        let messages: Vec<(i64, i64, String, String, i64)> = finish(&mut q, self.backend)
            .build_query_as()
            .fetch_all(&self.pool)
            .await?;
        let mut latest: HashMap<i64, (i64, i64)> = HashMap::new();
        for (contact_id, message_id, body, direction, created_at) in messages {
            let Some(&i) = index.get(&contact_id) else {
                continue;
            };
            let key = (created_at, message_id);
            if latest.get(&contact_id).is_none_or(|k| key > *k) {
                latest.insert(contact_id, key);
                rows[i].last_message = Some(MessagePreview {
                    body,
                    incoming: direction == "incoming",
                    created_at,
                });
            }
        }

        let mut q = QueryBuilder::<Any>::new(
            "SELECT c.contact_id, COALESCE(c.last_message_at, c.created_at), c.id, v.field_id, v.value \
             FROM conversations c JOIN conversation_field_values v ON v.conversation_id = c.id \
             WHERE c.contact_id IN ",
        );
        push_id_list(&mut q, &ids);
        let conv_values: Vec<(i64, i64, i64, i64, String)> = finish(&mut q, self.backend)
            .build_query_as()
            .fetch_all(&self.pool)
            .await?;
        let mut newest: HashMap<(i64, i64), (i64, i64)> = HashMap::new();
        for (contact_id, at, conversation_id, field_id, value) in conv_values {
            let Some(&i) = index.get(&contact_id) else {
                continue;
            };
            let key = (at, conversation_id);
            if newest.get(&(contact_id, field_id)).is_none_or(|k| key > *k) {
                newest.insert((contact_id, field_id), key);
                let row = &mut rows[i];
                row.conversation_fields.retain(|v| v.field_id != field_id);
                row.conversation_fields.push(FieldValue { field_id, value });
            }
        }
        Ok(())
    }

    async fn conversations_of(
        &self,
        contact: ContactId,
    ) -> Result<(Vec<ConversationSummary>, i64), sqlx::Error> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM conversations WHERE contact_id = $1")
                .bind(contact)
                .fetch_one(&self.pool)
                .await?;
        let heads: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, status, created_at, last_message_at FROM conversations \
             WHERE contact_id = $1 ORDER BY last_message_at IS NULL, last_message_at DESC, id DESC LIMIT $2",
        )
        .bind(contact)
        .bind(RECENT_CONVERSATIONS)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(heads.len());
        for (id, status, created_at, last_message_at) in heads {
            let labels: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT l.id, l.name, l.color FROM conversation_labels cl \
                 JOIN labels l ON l.id = cl.label_id WHERE cl.conversation_id = $1 ORDER BY l.name",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            let fields: Vec<(i64, String)> = sqlx::query_as(
                "SELECT field_id, value FROM conversation_field_values WHERE conversation_id = $1",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            let mut messages: Vec<(i64, String, String, i64)> = sqlx::query_as(
                "SELECT id, body, direction, created_at FROM messages \
                 WHERE conversation_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
            )
            .bind(id)
            .bind(MESSAGES_PER_CONVERSATION)
            .fetch_all(&self.pool)
            .await?;
            messages.reverse();
            let (message_count,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM messages WHERE conversation_id = $1")
                    .bind(id)
                    .fetch_one(&self.pool)
                    .await?;
            out.push(ConversationSummary {
                id,
                status,
                created_at,
                last_message_at,
                labels: labels
                    .into_iter()
                    .map(|(id, name, color)| Label { id, name, color })
                    .collect(),
                fields: fields
                    .into_iter()
                    .map(|(field_id, value)| FieldValue { field_id, value })
                    .collect(),
                messages: messages
                    .into_iter()
                    .map(|(id, body, direction, created_at)| Message {
                        id,
                        body,
                        incoming: direction == "incoming",
                        created_at,
                    })
                    .collect(),
                message_count,
            });
        }
        Ok((out, count))
    }
}

/// How a search narrows the rows, chosen per query by a cheap probe of the index.
#[derive(Clone)]
enum SearchPlan {
    None,
    /// Few matches: their ids, read once from the trigram index.
    Ids(Vec<i64>),
    /// Some thousands of matches of a one- or two-character term: read them
    /// once into a set (`IN (subquery)`) and walk the table in sort order
    /// against it. Probing the index row by row would check a hundred rows or
    /// more for each match on the page ("王": 57 ms probing, 27 ms as a set).
    Moderate(SearchIndex, String),
    /// Many matches: walk the table in sort order and check each row against the
    /// index, which finds a page after a handful of rows.
    Common(SearchIndex, String),
    /// Text whose folded form is longer than itself yet under three characters
    /// ("İ" folds to two characters): a LIKE over the folded columns.
    Like(String),
}

/// The two full-text indexes: trigrams for three characters and more, single
/// characters and pairs for shorter searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SearchIndex {
    Trigram,
    Short,
}

impl SearchIndex {
    fn table(self) -> &'static str {
        match self {
            SearchIndex::Trigram => "contact_search",
            SearchIndex::Short => "contact_search_short",
        }
    }
}

/// The index and query term for a search: trigrams answer three characters or
/// more; one or two (folded) characters are one term of the short index.
fn search_query(term: &SearchTerm) -> Option<(SearchIndex, String)> {
    let text = term.as_str();
    if text.chars().count() >= 3 {
        return Some((SearchIndex::Trigram, fts_phrase(text)));
    }
    let folded = app::filter::fold(text);
    let prefix = match folded.chars().count() {
        1 => 'u',
        2 => 'p',
        _ => return None,
    };
    let hex: String = folded.bytes().map(|b| format!("{b:02X}")).collect();
    Some((SearchIndex::Short, format!("\"{prefix}{hex}\"")))
}

/// Matches up to this many are listed by id; more make a search "common".
const FEW_MATCHES: i64 = 2_000;

impl SqlStore {
    async fn search_plan(
        &self,
        workspace: WorkspaceId,
        search: Option<&SearchTerm>,
    ) -> Result<SearchPlan, sqlx::Error> {
        let Some(term) = search else {
            return Ok(SearchPlan::None);
        };
        let Some((index, phrase)) = search_query(term) else {
            let folded = app::filter::fold(term.as_str());
            return Ok(SearchPlan::Like(format!("%{}%", escape_like(&folded))));
        };
        if self.backend.is_postgres() {
            return self.pg_search_plan(workspace, term, index).await;
        }
        let table = index.table();
        let ids: Vec<(i64,)> = sqlx::query_as(&format!(
            "SELECT rowid FROM {table} WHERE {table} MATCH $1 LIMIT $2"
        ))
        .bind(&phrase)
        .bind(FEW_MATCHES + 1)
        .fetch_all(&self.pool)
        .await?;
        if ids.len() as i64 <= FEW_MATCHES {
            return Ok(SearchPlan::Ids(ids.into_iter().map(|(id,)| id).collect()));
        }
        // Trigram matches carry positions: reading thousands of them into a set
        // costs more than probing row by row (measured: "ann", 37,538 matches,
        // 24 ms probing, 98 ms as a set). The short index keeps only ids, and
        // stepping over them tells a moderate term from a common one cheaply.
        if index == SearchIndex::Trigram {
            return Ok(SearchPlan::Common(index, phrase));
        }
        let many: Option<(i64,)> = sqlx::query_as(&format!(
            "SELECT rowid FROM {table} WHERE {table} MATCH $1 LIMIT 1 OFFSET $2"
        ))
        .bind(&phrase)
        .bind(self.many_matches)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match many {
            Some(_) => SearchPlan::Common(index, phrase),
            None => SearchPlan::Moderate(index, phrase),
        })
    }
}

impl SqlStore {
    /// PostgreSQL's plan: the same rules, answered from the contacts' own
    /// search columns (see `search_match`). Up to `FEW_MATCHES` are listed by
    /// id; more leave the predicate in the statement, for the planner to walk
    /// the sort index or the search index, whichever it finds cheaper.
    async fn pg_search_plan(
        &self,
        workspace: WorkspaceId,
        term: &SearchTerm,
        index: SearchIndex,
    ) -> Result<SearchPlan, sqlx::Error> {
        let folded = app::filter::fold(term.as_str());
        let needle = match index {
            SearchIndex::Trigram => format!("%{}%", escape_like(&folded)),
            SearchIndex::Short => folded,
        };
        let mut q = QueryBuilder::<Any>::new("SELECT id FROM contacts WHERE workspace_id = ");
        q.push_bind(workspace).push(" AND ");
        search_match(&mut q, index, &needle);
        q.push(" LIMIT ").push_bind(FEW_MATCHES + 1);
        let ids: Vec<(i64,)> = finish(&mut q, self.backend)
            .build_query_as()
            .fetch_all(&self.pool)
            .await?;
        if ids.len() as i64 <= FEW_MATCHES {
            return Ok(SearchPlan::Ids(ids.into_iter().map(|(id,)| id).collect()));
        }
        if index == SearchIndex::Trigram {
            return Ok(SearchPlan::Common(index, needle));
        }
        // A short term in a good part of the contacts is found row by row in
        // the text (`search_check`); a rarer one through its array index. The
        // planner's statistics tell which, and without them the index stays.
        let (share,): (f64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(MAX(e.share), 0) AS DOUBLE PRECISION) FROM pg_stats s, \
             unnest(CAST(CAST(s.most_common_elems AS TEXT) AS TEXT[]), s.most_common_elem_freqs) \
             AS e(term, share) WHERE s.schemaname = current_schema() AND s.tablename = 'contacts' \
             AND s.attname = 'search_short' AND e.term = $1",
        )
        .bind(&needle)
        .fetch_one(&self.pool)
        .await?;
        Ok(if share >= FREQUENT_SHORT_TERM {
            SearchPlan::Common(index, needle)
        } else {
            SearchPlan::Moderate(index, needle)
        })
    }
}

/// PostgreSQL: a short term in at least this share of the contacts is checked
/// row by row (`search_check`) rather than through its array index.
const FREQUENT_SHORT_TERM: f64 = 0.05;

/// PostgreSQL's search predicate over `contacts`: a LIKE pattern over the
/// folded search text (trigram GIN index), or one folded character or pair
/// among the text's `search_short` terms (array GIN index).
fn search_match(q: &mut QueryBuilder<'_, Any>, index: SearchIndex, needle: &str) {
    match index {
        SearchIndex::Trigram => q
            .push("contacts.search_fold LIKE ")
            .push_bind(needle.to_string())
            .push(" ESCAPE '\\'"),
        SearchIndex::Short => q
            .push("contacts.search_short @> ARRAY[")
            .push_bind(needle.to_string())
            .push("]::text[]"),
    };
}

/// The same predicate, checked row by row (pages and counts of a common
/// term). A short term is a substring of the folded text without spaces,
/// exactly what `search_short` lists, and finding it in that text is much
/// cheaper than unpacking the terms' array of every row: "li" counted
/// 464,684 of a million in 1,163 ms through the array, 336 ms by `strpos`.
fn search_check(q: &mut QueryBuilder<'_, Any>, index: SearchIndex, needle: &str) {
    match index {
        SearchIndex::Trigram => search_match(q, index, needle),
        SearchIndex::Short => {
            q.push("strpos(contacts.search_fold, ")
                .push_bind(needle.to_string())
                .push(") > 0");
        }
    }
}

/// The contacts a list query selects: its search plan and filter (a segment's,
/// when one is selected), ready to be pushed into any statement over `contacts`.
#[derive(Clone)]
pub(super) struct Matching {
    backend: Backend,
    plan: SearchPlan,
    filter: Filter,
    pub(super) schema: Schema,
    /// A selected segment that cannot run: it matches nothing.
    pub(super) broken: bool,
    /// Whether anything narrows the list (else the kept total is exact).
    filtered: bool,
    /// What the list is, for the count cache: the search and the filter in force.
    key: String,
    segment: Option<ActiveSegment>,
    now: i64,
    /// SQLite: the filter's dates hold so few contacts that its page is read
    /// from their index, not by walking the sort index (`Shape::Ranged`).
    dates_drive: bool,
}

/// Below this many contacts in a filter's date range, SQLite reads the page
/// from the range (at most this many rows, then a sort).
const FEW_IN_DATES: i64 = 5_000;

impl SqlStore {
    pub(super) async fn matching(
        &self,
        workspace: WorkspaceId,
        query: &ListQuery,
        schema: Schema,
        now: i64,
    ) -> Result<Matching, StoreError> {
        let segment = match query.segment {
            Some(id) => Some(self.active_segment(workspace, id, &schema).await?),
            None => None,
        };
        // A segment replaces the search and the quick filter.
        let (search, filter) = match &segment {
            Some(s) => (None, s.filter.clone()),
            None => (query.search(), query.filter.clone()),
        };
        let broken = segment.as_ref().is_some_and(|s| s.problem.is_some());
        let filter = if broken { Filter::default() } else { filter };
        let filtered = search.is_some() || !filter.conditions.is_empty();
        let plan = self
            .search_plan(workspace, search.as_ref())
            .await
            .map_err(store_error)?;
        let key = serde_json::to_string(&(search.as_ref().map(SearchTerm::as_str), &filter))
            .unwrap_or_default();
        Ok(Matching {
            dates_drive: false,
            backend: self.backend,
            key,
            plan,
            filter,
            schema,
            broken,
            filtered,
            segment,
            now,
        })
    }

    /// For statements that read matching rows in the list's order (pages,
    /// exports; counts do not need it): on SQLite, lets the filter's dates
    /// drive them when they hold fewer than `FEW_IN_DATES` contacts, found by
    /// an index-only look at no more than that many entries.
    pub(super) async fn plan_dates(
        &self,
        workspace: WorkspaceId,
        matching: &mut Matching,
    ) -> Result<(), StoreError> {
        if matching.broken || self.backend.is_postgres() {
            return Ok(());
        }
        let mut q = QueryBuilder::<Any>::new(
            "SELECT COUNT(*) FROM (SELECT 1 FROM contacts WHERE workspace_id = ",
        );
        q.push_bind(workspace);
        if !push_date_conditions(&mut q, &matching.filter, &matching.schema, matching.now) {
            return Ok(());
        }
        q.push(" LIMIT ").push_bind(FEW_IN_DATES).push(")");
        let (n,): (i64,) = finish(&mut q, self.backend)
            .build_query_as()
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        matching.dates_drive = n < FEW_IN_DATES;
        Ok(())
    }

    /// How many contacts match, optionally only those with conversations.
    pub(super) async fn count(
        &self,
        workspace: &Workspace,
        matching: &Matching,
        only_with_conversations: bool,
    ) -> Result<i64, StoreError> {
        if matching.broken {
            return Ok(0);
        }
        if !matching.filtered && !only_with_conversations {
            // The unfiltered total is kept by triggers: no count over a million rows.
            return Ok(workspace.contact_count);
        }
        let key = count_key(workspace, matching, only_with_conversations);
        if let Some(n) = self.remembered(&key) {
            return Ok(n);
        }
        let n = match self
            .index_count(workspace, matching, only_with_conversations)
            .await?
        {
            Some(n) => n,
            None => {
                self.count_in_halves(workspace, |half| {
                    let mut q = QueryBuilder::<Any>::new("SELECT COUNT(*) FROM contacts");
                    matching.push_where_in(&mut q, workspace.id, true, half)?;
                    if only_with_conversations {
                        q.push(" AND EXISTS (SELECT 1 FROM conversations WHERE conversations.contact_id = contacts.id)");
                    }
                    Ok(q)
                })
                .await?
            }
        };
        if let Some(Ok(mut counts)) = self.counts.as_ref().map(|c| c.lock()) {
            if counts.len() >= COUNT_CACHE_ENTRIES {
                counts.clear();
            }
            counts.insert(key, n);
        }
        Ok(n)
    }

    /// A search alone in the only workspace that has contacts is counted in its
    /// index, without visiting the contacts: the index holds exactly the
    /// contacts of the database ("li" at a million: 41 ms instead of 183).
    async fn index_count(
        &self,
        workspace: &Workspace,
        matching: &Matching,
        only_with_conversations: bool,
    ) -> Result<Option<i64>, StoreError> {
        let (SearchPlan::Moderate(index, phrase) | SearchPlan::Common(index, phrase)) =
            &matching.plan
        else {
            return Ok(None);
        };
        if only_with_conversations
            || !matching.filter.conditions.is_empty()
            || self.backend.is_postgres()
        {
            return Ok(None);
        }
        let (Flag(others),): (Flag,) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM workspaces WHERE id <> $1 AND contact_count > 0)",
        )
        .bind(workspace.id)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        if others {
            return Ok(None);
        }
        let table = index.table();
        let n = self
            .count_in_halves(workspace, |half| {
                let mut q = QueryBuilder::<Any>::new(format!(
                    "SELECT COUNT(*) FROM {table} WHERE {table} MATCH "
                ));
                q.push_bind(phrase.clone());
                half.push(&mut q, "rowid");
                Ok(q)
            })
            .await?;
        Ok(Some(n))
    }

    /// Runs a count over a large workspace as two statements, over the lower
    /// and the upper half of the ids, side by side on two connections: SQLite
    /// runs one statement on one core, and such a count reads hundreds of
    /// thousands of index entries ("example" at a million: 151 ms whole, 81
    /// for either half). The halves meet at the middle of the table's ids,
    /// which is cheap to find and even enough while workspaces grow together.
    async fn count_in_halves<'q>(
        &self,
        workspace: &Workspace,
        statement: impl Fn(Half) -> Result<QueryBuilder<'q, Any>, StoreError>,
    ) -> Result<i64, StoreError> {
        let run = |mut q: QueryBuilder<'q, Any>| async move {
            let (n,): (i64,) = finish(&mut q, self.backend)
                .build_query_as()
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
            Ok::<i64, StoreError>(n)
        };
        let middle = if self.backend.is_postgres() || workspace.contact_count < self.split_count_min
        {
            None
        } else {
            // Each in its own statement: SQLite reads a lone MIN or MAX of the
            // ids from one end of the table, but both at once from every row.
            let (low, high): (Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT (SELECT MIN(id) FROM contacts), (SELECT MAX(id) FROM contacts)",
            )
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
            match (low, high) {
                (Some(low), Some(high)) if high > low => Some(low + (high - low) / 2 + 1),
                _ => None,
            }
        };
        let Some(middle) = middle else {
            return run(statement(Half::All)?).await;
        };
        let (below, from) = tokio::try_join!(
            run(statement(Half::Below(middle))?),
            run(statement(Half::From(middle))?)
        )?;
        Ok(below + from)
    }

    fn remembered(&self, key: &str) -> Option<i64> {
        self.counts.as_ref()?.lock().ok()?.get(key).copied()
    }

    /// The total to send with a page when knowing it is cheap: nothing narrows
    /// the list, the page is its last one, the matches are few, the workspace
    /// is small, or the total is remembered. `None` leaves it to `count_contacts`.
    async fn page_total(
        &self,
        workspace: &Workspace,
        matching: &Matching,
        query: &ListQuery,
        shown: usize,
    ) -> Result<Option<i64>, StoreError> {
        if matching.broken || !matching.filtered {
            return self.count(workspace, matching, false).await.map(Some);
        }
        if shown < PAGE_SIZE as usize && (shown > 0 || query.page <= 1) {
            return Ok(Some(query.offset() as i64 + shown as i64));
        }
        if matches!(matching.plan, SearchPlan::Ids(_))
            || workspace.contact_count <= self.inline_count_max
        {
            return self.count(workspace, matching, false).await.map(Some);
        }
        Ok(self.remembered(&count_key(workspace, matching, false)))
    }
}

/// What a total is remembered by. Every change to a contact bumps the
/// workspace's counter (triggers), so a total is reused only while nothing
/// changed. The minute is part of the key when a condition ("in the last N
/// days") moves with the clock.
pub(super) fn count_key(
    workspace: &Workspace,
    matching: &Matching,
    only_with_conversations: bool,
) -> String {
    let clock = matching
        .filter
        .conditions
        .iter()
        .any(|c| matches!(c.op, Op::InLastDays | Op::MoreThanDaysAgo));
    format!(
        "{}|{}|{}|{}|{}",
        workspace.id,
        workspace.change_seq,
        if clock { matching.now / 60_000 } else { 0 },
        only_with_conversations,
        matching.key
    )
}

/// A sort by a custom field that an index can answer: the field's values in
/// order (folded text, or numbers), then the contacts without a value.
#[derive(Debug, Clone, Copy)]
pub(super) struct FieldSort {
    field_id: i64,
    numeric: bool,
    descending: bool,
}

impl FieldSort {
    /// The join of a contact to its non-empty value of the field.
    fn push_value_condition(&self, q: &mut QueryBuilder<'_, Any>, alias: &str) {
        q.push(format!(
            " {alias}.contact_id = contacts.id AND {alias}.field_id = "
        ))
        .push_bind(self.field_id);
        if self.numeric {
            q.push(format!(" AND {alias}.number_value IS NOT NULL"));
        } else {
            q.push(format!(" AND {alias}.value_fold NOT IN ('', '[]')"));
        }
    }
}

impl SqlStore {
    /// A deep page's ids found from the marks, when its order has them.
    async fn marked_page_ids(
        &self,
        workspace: &Workspace,
        matching: &Matching,
        query: &ListQuery,
    ) -> Result<Option<Vec<i64>>, StoreError> {
        if query.offset() < DEEP_OFFSET {
            return Ok(None);
        }
        self.deep_page_ids(
            workspace,
            matching,
            query.sort,
            query.offset(),
            u64::from(PAGE_SIZE),
        )
        .await
    }

    /// The contacts of `ids`, in the list's order.
    async fn rows_by_ids(
        &self,
        ids: &[i64],
        query: &ListQuery,
        matching: &Matching,
    ) -> Result<Vec<ContactRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Any>::new(format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE id IN "
        ));
        push_id_list(&mut q, ids);
        push_order_by(&mut q, query.sort, &matching.schema, self.backend);
        finish(&mut q, self.backend)
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
    }
}

impl SqlStore {
    /// A page sorted by a custom field, walking the field's value index in order
    /// and then, past the last value, the contacts without one (by id).
    async fn field_sorted_page(
        &self,
        workspace: WorkspaceId,
        matching: &Matching,
        sort: FieldSort,
        query: &ListQuery,
    ) -> Result<Vec<ContactRecord>, StoreError> {
        let dir = if sort.descending { "DESC" } else { "ASC" };
        let offset = query.offset() as i64;
        let page = i64::from(PAGE_SIZE);
        // CROSS JOIN keeps the value index as the outer loop, so rows come in
        // order and the walk stops after the page.
        let mut q = QueryBuilder::<Any>::new(format!(
            "SELECT {CONTACT_COLUMNS} FROM contact_field_values sv CROSS JOIN contacts"
        ));
        matching.push_where(&mut q, workspace, false)?;
        q.push(" AND");
        sort.push_value_condition(&mut q, "sv");
        let column = if sort.numeric {
            "number_value"
        } else {
            "value_fold"
        };
        q.push(format!(
            " ORDER BY sv.{column} {dir}, sv.contact_id {dir} LIMIT "
        ))
        .push_bind(page)
        .push(" OFFSET ")
        .push_bind(offset);
        let mut rows: Vec<ContactRecord> = finish(&mut q, self.backend)
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        if rows.len() as i64 == page {
            return Ok(rows);
        }
        // The page reaches past the last value: count the values to know where
        // the contacts without one start.
        let mut q = QueryBuilder::<Any>::new(
            "SELECT COUNT(*) FROM contact_field_values sv CROSS JOIN contacts",
        );
        matching.push_where(&mut q, workspace, true)?;
        q.push(" AND");
        sort.push_value_condition(&mut q, "sv");
        let (with_value,): (i64,) = finish(&mut q, self.backend)
            .build_query_as()
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let mut q = QueryBuilder::<Any>::new(format!("SELECT {CONTACT_COLUMNS} FROM contacts"));
        matching.push_where(&mut q, workspace, false)?;
        q.push(" AND NOT EXISTS (SELECT 1 FROM contact_field_values ev WHERE");
        sort.push_value_condition(&mut q, "ev");
        q.push(format!(") ORDER BY id {dir} LIMIT "))
            .push_bind(page - rows.len() as i64)
            .push(" OFFSET ")
            .push_bind((offset - with_value).max(0));
        let tail: Vec<ContactRecord> = finish(&mut q, self.backend)
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.extend(tail);
        Ok(rows)
    }
}

impl Matching {
    /// The index-backed form of a custom-field sort, when it helps: not for a
    /// search with few matches, which are fetched by id and sorted directly.
    pub(super) fn indexed_field_sort(&self, sort: Sort) -> Option<FieldSort> {
        let SortKey::Field(field_id) = sort.key else {
            return None;
        };
        if matches!(self.plan, SearchPlan::Ids(_)) {
            return None;
        }
        let kind = self.schema.kind(FieldRef::Custom(field_id))?;
        Some(FieldSort {
            field_id,
            numeric: kind == app::filter::Kind::Number,
            descending: sort.descending,
        })
    }

    /// WHERE for the matching contacts of `workspace`.
    pub(super) fn push_where(
        &self,
        q: &mut QueryBuilder<'_, Any>,
        workspace: WorkspaceId,
        counting: bool,
    ) -> Result<(), StoreError> {
        self.push_where_in(q, workspace, counting, Half::All)
    }

    /// As `push_where`, for the contacts of one half of the ids.
    fn push_where_in(
        &self,
        q: &mut QueryBuilder<'_, Any>,
        workspace: WorkspaceId,
        counting: bool,
        half: Half,
    ) -> Result<(), StoreError> {
        push_where(q, workspace, &self.plan, counting, self.backend, half);
        half.push(q, "contacts.id");
        if self.broken {
            q.push(" AND FALSE");
        }
        let shape = if counting {
            Shape::Sets
        } else if self.dates_drive {
            Shape::Ranged
        } else {
            Shape::Probe
        };
        push_filter(q, &self.filter, &self.schema, self.now, shape, self.backend)
            .map_err(|(i, e)| StoreError::InvalidCondition(i, e))
    }
}

/// The rows the table shows: the workspace's contacts, narrowed by the search.
/// `counting` picks the form that is cheaper for a COUNT over all matches.
fn push_where(
    q: &mut QueryBuilder<'_, Any>,
    workspace: WorkspaceId,
    plan: &SearchPlan,
    counting: bool,
    backend: Backend,
    half: Half,
) {
    if let SearchPlan::Ids(ids) = plan {
        // Look the few ids up and sort them; the unary `+` keeps SQLite from
        // walking the workspace's sort index past a million rows instead.
        q.push(" WHERE +workspace_id = ").push_bind(workspace);
        if ids.is_empty() {
            q.push(" AND FALSE");
        } else {
            q.push(" AND id IN ");
            push_id_list(q, ids);
        }
        return;
    }
    q.push(" WHERE workspace_id = ").push_bind(workspace);
    match plan {
        SearchPlan::None | SearchPlan::Ids(_) => {}
        // PostgreSQL: a moderate term is left to the planner and its index, a
        // common one is checked row by row.
        SearchPlan::Moderate(index, needle) if backend.is_postgres() => {
            q.push(" AND ");
            search_match(q, *index, needle);
        }
        SearchPlan::Common(index, needle) if backend.is_postgres() => {
            q.push(" AND ");
            search_check(q, *index, needle);
        }
        SearchPlan::Common(index, phrase) if !counting => {
            let table = index.table();
            q.push(format!(
                " AND EXISTS (SELECT 1 FROM {table} WHERE {table}.rowid = contacts.id \
                 AND {table} MATCH "
            ))
            .push_bind(phrase.clone())
            .push(")");
        }
        // A count, or a page of a moderate term: the matches read once as a set.
        SearchPlan::Moderate(index, phrase) | SearchPlan::Common(index, phrase) => {
            let table = index.table();
            q.push(format!(
                " AND id IN (SELECT rowid FROM {table} WHERE {table} MATCH "
            ))
            .push_bind(phrase.clone());
            // The index reads only the half's ids.
            half.push(q, "rowid");
            q.push(")");
        }
        SearchPlan::Like(pattern) => {
            // In sort order, with the user's `%`, `_` and `\` taken literally.
            q.push(" AND (name_fold LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR email_fold LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR phone LIKE ")
                .push_bind(pattern.clone())
                .push(
                    " ESCAPE '\\' OR EXISTS (SELECT 1 FROM contact_field_values lv \
                       WHERE lv.contact_id = contacts.id AND lv.value_fold LIKE ",
                )
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\'))");
        }
    }
}

/// The contacts a statement reads: all, or those below or from a split id
/// (see `SqlStore::count_in_halves`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Half {
    All,
    Below(i64),
    From(i64),
}

impl Half {
    /// Appends the half's range on `column`, which holds contact ids.
    fn push(self, q: &mut QueryBuilder<'_, Any>, column: &str) {
        match self {
            Half::All => {}
            Half::Below(id) => {
                q.push(format!(" AND {column} < ")).push_bind(id);
            }
            Half::From(id) => {
                q.push(format!(" AND {column} >= ")).push_bind(id);
            }
        }
    }
}

/// An FTS5 string literal: the whole input is one phrase, quotes doubled, so no
/// character the user types has a query meaning.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// ORDER BY for a sort. The built-in orders each match an index of `contacts`; a
/// custom field sorts by its folded text (or its number), empty values last, with
/// a full sort (see docs/benchmarks.md for what that costs at a million).
pub(super) fn push_order_by(
    q: &mut QueryBuilder<'_, Any>,
    sort: Sort,
    schema: &Schema,
    backend: Backend,
) {
    let dir = if sort.descending { "DESC" } else { "ASC" };
    q.push(" ORDER BY ");
    let column = match (sort.key, backend) {
        // PostgreSQL puts NULL last ascending; SQLite (and the spec) first.
        (SortKey::LastInteraction, Backend::Postgres) if sort.descending => {
            "last_interaction_at DESC NULLS LAST, id DESC"
        }
        (SortKey::LastInteraction, Backend::Postgres) => {
            "last_interaction_at ASC NULLS FIRST, id ASC"
        }
        (SortKey::LastInteraction, _) => "last_interaction_at",
        (SortKey::CreatedAt, _) => "created_at",
        // Both fold ASCII only: NOCASE, and lower() under the "C" collation.
        (SortKey::Name, Backend::Sqlite) => "name COLLATE NOCASE",
        (SortKey::Name, Backend::Postgres) => "lower(name)",
        (SortKey::Field(id), _) => {
            let kind = schema.kind(FieldRef::Custom(id));
            let Some(kind) = kind else {
                // A field deleted since the link was made: the default order.
                q.push("last_interaction_at DESC, id DESC");
                return;
            };
            let value = if kind == app::filter::Kind::Number {
                "number_value"
            } else {
                "value_fold"
            };
            for part in ["IS NULL", dir] {
                q.push("(SELECT v.")
                    .push(value)
                    .push(" FROM contact_field_values v WHERE v.contact_id = contacts.id AND v.field_id = ")
                    .push_bind(id)
                    .push(" AND v.value_fold NOT IN ('', '[]')) ")
                    .push(part)
                    .push(", ");
            }
            q.push("id ").push(dir);
            return;
        }
    };
    if column.contains(',') {
        q.push(column);
    } else {
        q.push(column).push(" ").push(dir).push(", id ").push(dir);
    }
}

fn push_id_list(q: &mut QueryBuilder<'_, Any>, ids: &[i64]) {
    q.push("(");
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    list.push_unseparated(")");
}

#[async_trait::async_trait]
impl ContactStore for SqlStore {
    async fn workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>, StoreError> {
        let row: Option<(i64, String, i64, i64)> = sqlx::query_as(
            "SELECT id, name, contact_count, change_seq FROM workspaces WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        let workspace = row.map(|(id, name, contact_count, change_seq)| Workspace {
            id,
            name,
            contact_count,
            change_seq,
        });
        if let Some(workspace) = &workspace {
            // Every request reads its workspace first: marks still being
            // found for an older counter stop here, before its page starts.
            self.saw_workspace(workspace);
        }
        Ok(workspace)
    }

    async fn contact_page(
        &self,
        workspace: &Workspace,
        query: &ListQuery,
    ) -> Result<ContactPage, StoreError> {
        let now = now_ms();
        let fields = self
            .field_defs("contact_field_defs", workspace.id)
            .await
            .map_err(store_error)?;
        let conversation_fields = self
            .field_defs("conversation_field_defs", workspace.id)
            .await
            .map_err(store_error)?;
        let labels = self.labels(workspace.id).await.map_err(store_error)?;
        let schema = Schema {
            fields: fields.clone(),
            conversation_fields: conversation_fields.clone(),
            labels: labels.iter().map(|l| (l.id, l.name.clone())).collect(),
        };
        let columns = self
            .columns(workspace.id, &schema)
            .await
            .map_err(store_error)?;
        let segments = self.segment_list(workspace.id).await?;
        let mut matching = self.matching(workspace.id, query, schema, now).await?;
        self.plan_dates(workspace.id, &mut matching).await?;
        let records: Vec<ContactRecord> = if matching.broken {
            Vec::new()
        } else if let Some(field) = matching.indexed_field_sort(query.sort) {
            self.field_sorted_page(workspace.id, &matching, field, query)
                .await?
        } else if let Some(ids) = self.marked_page_ids(workspace, &matching, query).await? {
            // A deep page from the nearest mark: a seek and a short skip.
            self.rows_by_ids(&ids, query, &matching).await?
        } else {
            // Deep pages skip rows by id alone (the sort index holds it), then
            // read the ten rows: PostgreSQL would otherwise fetch every
            // skipped row from the table (page 50,000: 1.9 s).
            let deep = query.offset() >= DEEP_OFFSET;
            let mut q = QueryBuilder::<Any>::new(format!("SELECT {CONTACT_COLUMNS} FROM contacts"));
            if deep {
                q.push(" WHERE id IN (SELECT id FROM contacts");
            }
            matching.push_where(&mut q, workspace.id, false)?;
            push_order_by(&mut q, query.sort, &matching.schema, matching.backend);
            q.push(" LIMIT ").push_bind(i64::from(PAGE_SIZE));
            q.push(" OFFSET ").push_bind(query.offset() as i64);
            if deep {
                q.push(")");
                push_order_by(&mut q, query.sort, &matching.schema, matching.backend);
            }
            finish(&mut q, self.backend)
                .build_query_as()
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?
        };
        let total = self
            .page_total(workspace, &matching, query, records.len())
            .await?;
        let mut rows: Vec<ContactRow> = records.into_iter().map(ContactRow::from).collect();
        self.enrich(&mut rows).await.map_err(store_error)?;
        Ok(ContactPage {
            workspace: workspace.clone(),
            rows,
            total,
            page: query.page.max(1),
            per_page: PAGE_SIZE,
            now,
            fields,
            conversation_fields,
            labels,
            segments: segments
                .into_iter()
                .map(|(id, name)| SegmentInfo { id, name })
                .collect(),
            segment: matching.segment,
            columns,
        })
    }

    async fn count_contacts(
        &self,
        workspace: &Workspace,
        query: &ListQuery,
    ) -> Result<i64, StoreError> {
        let schema = self.load_schema(workspace.id).await.map_err(store_error)?;
        let matching = self.matching(workspace.id, query, schema, now_ms()).await?;
        self.count(workspace, &matching, false).await
    }

    async fn schema(&self, workspace: WorkspaceId) -> Result<Schema, StoreError> {
        self.load_schema(workspace).await.map_err(store_error)
    }

    async fn contact_fields(&self, workspace: WorkspaceId) -> Result<Vec<FieldDef>, StoreError> {
        self.field_defs("contact_field_defs", workspace)
            .await
            .map_err(store_error)
    }

    async fn save_columns(
        &self,
        workspace: WorkspaceId,
        columns: &[FieldRef],
    ) -> Result<(), StoreError> {
        let json =
            serde_json::to_string(columns).map_err(|e| StoreError::Internal(e.to_string()))?;
        sqlx::query(
            "INSERT INTO workspace_columns (workspace_id, columns, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (workspace_id) DO UPDATE SET columns = excluded.columns, updated_at = excluded.updated_at",
        )
        .bind(workspace)
        .bind(json)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn check_filter(
        &self,
        workspace: WorkspaceId,
        filter: &Filter,
    ) -> Result<(), StoreError> {
        let schema = self.load_schema(workspace).await.map_err(store_error)?;
        match schema
            .check_all(filter)
            .into_iter()
            .enumerate()
            .find_map(|(i, e)| e.map(|e| (i, e)))
        {
            Some((i, e)) => Err(StoreError::InvalidCondition(i, e)),
            None => Ok(()),
        }
    }

    async fn create_segment(
        &self,
        workspace: WorkspaceId,
        name: &str,
        filter: &Filter,
    ) -> Result<i64, StoreError> {
        let definition =
            serde_json::to_string(filter).map_err(|e| StoreError::Internal(e.to_string()))?;
        let now = now_ms();
        let row: Result<(i64,), sqlx::Error> = sqlx::query_as(
            "INSERT INTO segments (workspace_id, name, definition, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(workspace)
        .bind(name)
        .bind(definition)
        .bind(now)
        .bind(now)
        .fetch_one(&self.pool)
        .await;
        match row {
            Ok((id,)) => Ok(id),
            Err(e) => Err(unique_or(e, name)),
        }
    }

    async fn update_segment(
        &self,
        workspace: WorkspaceId,
        id: i64,
        name: Option<&str>,
        filter: Option<&Filter>,
    ) -> Result<bool, StoreError> {
        let definition = filter
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let result = sqlx::query(
            "UPDATE segments SET name = COALESCE($1, name), definition = COALESCE($2, definition), \
             updated_at = $3 WHERE workspace_id = $4 AND id = $5",
        )
        .bind(name)
        .bind(definition)
        .bind(now_ms())
        .bind(workspace)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(|e| unique_or(e, name.unwrap_or_default()))?;
        Ok(result.rows_affected() == 1)
    }

    async fn delete_segment(&self, workspace: WorkspaceId, id: i64) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM segments WHERE workspace_id = $1 AND id = $2")
            .bind(workspace)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected() == 1)
    }

    async fn save_contact(
        &self,
        workspace: WorkspaceId,
        id: ContactId,
        version: i64,
        changes: &[CleanChange],
    ) -> Result<SaveOutcome, StoreError> {
        self.save_changes(workspace, id, version, changes).await
    }

    async fn delete_summary(
        &self,
        workspace: &Workspace,
        target: &DeleteTarget,
    ) -> Result<DeleteSummary, StoreError> {
        self.summarize_delete(workspace, target).await
    }

    async fn export(
        &self,
        workspace: &Workspace,
        query: &ListQuery,
        options: &app::contacts::export::ExportOptions,
    ) -> Result<app::store::ExportStream, StoreError> {
        self.export_rows(workspace, query, options).await
    }

    async fn count_existing(
        &self,
        workspace: WorkspaceId,
        contacts: &[app::contacts::import::ImportedContact],
    ) -> Result<u64, StoreError> {
        self.count_existing_contacts(workspace, contacts).await
    }

    async fn import_contacts(
        &self,
        workspace: WorkspaceId,
        contacts: &[app::contacts::import::ImportedContact],
        on_existing: app::contacts::import::OnExisting,
    ) -> Result<app::contacts::import::ImportCounts, StoreError> {
        self.import_batch(workspace, contacts, on_existing).await
    }

    async fn delete_contacts(
        &self,
        workspace: &Workspace,
        target: &DeleteTarget,
    ) -> Result<i64, StoreError> {
        self.delete(workspace, target).await
    }

    async fn contact_details(
        &self,
        workspace: WorkspaceId,
        id: ContactId,
    ) -> Result<Option<ContactDetails>, StoreError> {
        let sql =
            format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE workspace_id = $1 AND id = $2");
        let Some(record): Option<ContactRecord> = sqlx::query_as(&sql)
            .bind(workspace)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?
        else {
            return Ok(None);
        };
        let mut rows = vec![ContactRow::from(record)];
        self.enrich(&mut rows).await.map_err(store_error)?;
        let (conversations, conversation_count) =
            self.conversations_of(id).await.map_err(store_error)?;
        Ok(Some(ContactDetails {
            contact: rows.pop().expect("one row"),
            fields: self
                .field_defs("contact_field_defs", workspace)
                .await
                .map_err(store_error)?,
            conversation_fields: self
                .field_defs("conversation_field_defs", workspace)
                .await
                .map_err(store_error)?,
            conversations,
            conversation_count,
            now: now_ms(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_typed_by_users_are_literal() {
        assert_eq!(escape_like("100%"), "100\\%");
        assert_eq!(escape_like("a_b"), "a\\_b");
        assert_eq!(escape_like("c:\\x"), "c:\\\\x");
        assert_eq!(escape_like("plain"), "plain");
    }

    #[test]
    fn short_searches_are_one_term_of_folded_utf8_bytes() {
        let query = |raw: &str| search_query(&SearchTerm::parse(raw).expect("a term"));
        assert_eq!(
            query("Li"),
            Some((SearchIndex::Short, "\"p6C69\"".to_string()))
        );
        assert_eq!(query("ü"), query("Ü"));
        assert_eq!(
            query("王"),
            Some((SearchIndex::Short, "\"uE78E8B\"".to_string()))
        );
        assert_eq!(query("ann").map(|q| q.0), Some(SearchIndex::Trigram));
        // "İ" folds to two characters and "İİ" to four: no single term says it.
        assert_eq!(query("İ").map(|q| q.0), Some(SearchIndex::Short));
        assert_eq!(query("İİ"), None);
    }

    #[test]
    fn fts_phrases_quote_everything() {
        assert_eq!(fts_phrase("ann"), "\"ann\"");
        assert_eq!(fts_phrase("say \"hi\" OR x*"), "\"say \"\"hi\"\" OR x*\"");
    }
}
