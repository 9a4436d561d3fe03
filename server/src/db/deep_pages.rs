//! Deep pages: where the list stood every `mark_every` rows (10,000), kept
//! while nothing in the workspace changes. Page 50,000 then starts from the
//! nearest mark (an index seek) and skips fewer than 10,000 rows, instead of
//! walking half a million index entries on every request; Next and Previous
//! reuse the same marks.

use super::contacts::{count_key, push_order_by, Matching, SqlStore};
use super::store_error;
use crate::db::{finish, Backend};
use app::domain::{Sort, SortKey, Workspace, WorkspaceId};
use app::store::StoreError;
use sqlx::any::AnyRow;
use sqlx::{Any, QueryBuilder};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Rows from one mark to the next. Finding a mark is one statement, so a
/// wider spacing makes the first deep page after a change cheaper (fewer
/// statements for the same walk) and every later one a little dearer (a
/// longer skip from its mark): at 1,000 the first page 50,000 took 261 ms on
/// SQLite instead of the plain walk's 33.
pub const MARK_EVERY: u64 = 10_000;

/// Lists whose marks are kept; the cache starts over when it is full.
const MARKED_LISTS: usize = 64;

/// Marks kept for one list at most (ten million rows deep).
const MARKS_PER_LIST: usize = 10_000;

/// The marks of each list, by what the list is and the workspace's change counter.
pub(super) type MarkCache = Arc<Mutex<Marks>>;

#[derive(Default)]
pub(super) struct Marks {
    lists: HashMap<String, Arc<Marked>>,
    /// Lists whose marks are being found after their page was answered.
    finding: HashSet<String>,
    /// The marks last found for each list, whatever the change counter was:
    /// where to split the walk of a deep page right after a change.
    recent: HashMap<String, Arc<Marked>>,
    /// The newest change counter a deep page has seen, by workspace: marks
    /// being found for an older one are stale before they are done.
    newest: HashMap<WorkspaceId, i64>,
}

impl Marks {
    /// Remembers that `workspace` is at `change_seq` (or later).
    fn saw(&mut self, workspace: &Workspace) {
        let newest = self
            .newest
            .entry(workspace.id)
            .or_insert(workspace.change_seq);
        *newest = (*newest).max(workspace.change_seq);
    }

    /// Whether the workspace has changed since `workspace` was read.
    fn outdated(&self, workspace: &Workspace) -> bool {
        self.newest
            .get(&workspace.id)
            .is_some_and(|&newest| newest > workspace.change_seq)
    }
}

/// The marks found so far for one list, in order.
#[derive(Default)]
struct Marked {
    marks: Vec<Mark>,
    /// The list ended before the next mark: there are no more to find.
    ended: bool,
}

/// A row's place in the order: its sort value and id.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Mark {
    key: Key,
    id: i64,
}

#[derive(Debug, Clone, PartialEq)]
enum Key {
    Time(Option<i64>),
    Text(String),
}

/// The sort column as the order compares it, for the orders an index holds.
#[derive(Debug, Clone, Copy)]
struct Column {
    /// The expression the index and `push_order_by` order by.
    expr: &'static str,
    nullable: bool,
    text: bool,
    descending: bool,
}

impl Column {
    fn of(sort: Sort, backend: Backend) -> Option<Column> {
        let (expr, nullable, text) = match (sort.key, backend) {
            (SortKey::CreatedAt, _) => ("created_at", false, false),
            (SortKey::LastInteraction, _) => ("last_interaction_at", true, false),
            (SortKey::Name, Backend::Sqlite) => ("name COLLATE NOCASE", false, true),
            (SortKey::Name, Backend::Postgres) => ("lower(name)", false, true),
            (SortKey::Field(_), _) => return None,
        };
        Some(Column {
            expr,
            nullable,
            text,
            descending: sort.descending,
        })
    }

    /// What a mark remembers: on SQLite the name itself (NOCASE folds both
    /// sides of a comparison), on PostgreSQL the folded name.
    fn key_select(self) -> &'static str {
        match self.expr {
            "name COLLATE NOCASE" => "name",
            expr => expr,
        }
    }
}

/// One stretch of the rows after a mark that an index range holds, in order.
/// Both backends sort NULL below every value (NULLS LAST descending).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stretch<'a> {
    /// From the start of the list.
    All,
    /// Rows past the mark among rows that have a value.
    Beyond(&'a Mark),
    /// Rows without a value past the mark's id.
    NullsBeyond(i64),
    /// Every row without a value.
    Nulls,
    /// Every row with a value.
    Values,
    /// Rows whose value the order puts before the mark's value.
    Ahead(&'a Mark),
    /// Rows with the mark's value up to the mark, and the mark itself.
    Through(&'a Mark),
    /// Rows without a value up to the mark's id, and that id.
    NullsThrough(i64),
}

/// The rows after `mark` (all rows without one) as index ranges, in list order.
fn stretches(column: Column, mark: Option<&Mark>) -> Vec<Stretch<'_>> {
    let Some(mark) = mark else {
        return vec![Stretch::All];
    };
    match (&mark.key, column.nullable, column.descending) {
        (Key::Time(None), _, true) => vec![Stretch::NullsBeyond(mark.id)],
        (Key::Time(None), _, false) => vec![Stretch::NullsBeyond(mark.id), Stretch::Values],
        (_, true, true) => vec![Stretch::Beyond(mark), Stretch::Nulls],
        _ => vec![Stretch::Beyond(mark)],
    }
}

/// The rows up to `mark` and the mark itself as index ranges: how many rows
/// the list holds through it is their count. Those before the mark's value
/// and those at it are two ranges: a count over a range without a row-value
/// check per entry is a third faster (8.5 ms for 250,000 instead of 12.7).
fn stretches_through(column: Column, mark: &Mark) -> Vec<Stretch<'_>> {
    match (&mark.key, column.nullable, column.descending) {
        (Key::Time(None), _, true) => vec![Stretch::Values, Stretch::NullsThrough(mark.id)],
        (Key::Time(None), _, false) => vec![Stretch::NullsThrough(mark.id)],
        (_, true, false) => vec![Stretch::Nulls, Stretch::Ahead(mark), Stretch::Through(mark)],
        _ => vec![Stretch::Ahead(mark), Stretch::Through(mark)],
    }
}

fn push_stretch(q: &mut QueryBuilder<'_, Any>, column: Column, stretch: Stretch<'_>) {
    let (past, through, ahead) = if column.descending {
        ("<", ">=", ">")
    } else {
        (">", "<=", "<")
    };
    let key = |q: &mut QueryBuilder<'_, Any>, mark: &Mark| match &mark.key {
        Key::Time(t) => {
            q.push_bind(*t);
        }
        Key::Text(t) => {
            q.push_bind(t.clone());
        }
    };
    match stretch {
        Stretch::All => {}
        Stretch::Beyond(mark) => {
            // A row value compares like the order and seeks in the index.
            q.push(format!(" AND ({}, id) {past} (", column.expr));
            key(q, mark);
            q.push(", ").push_bind(mark.id).push(")");
        }
        Stretch::Ahead(mark) => {
            q.push(format!(" AND {} {ahead} ", column.expr));
            key(q, mark);
        }
        Stretch::Through(mark) => {
            q.push(format!(" AND {} = ", column.expr));
            key(q, mark);
            q.push(format!(" AND id {through} ")).push_bind(mark.id);
        }
        Stretch::NullsBeyond(id) => {
            q.push(format!(" AND {} IS NULL AND id {past} ", column.expr))
                .push_bind(id);
        }
        Stretch::NullsThrough(id) => {
            q.push(format!(" AND {} IS NULL AND id {through} ", column.expr))
                .push_bind(id);
        }
        Stretch::Nulls => {
            q.push(format!(" AND {} IS NULL", column.expr));
        }
        Stretch::Values => {
            q.push(format!(" AND {} IS NOT NULL", column.expr));
        }
    }
}

/// What the marks of a list are remembered by: the count cache's parts, with
/// the clock's minute only when a condition moves with it.
fn marks_key(workspace: &Workspace, matching: &Matching, sort: Sort) -> String {
    format!("{}|{:?}", count_key(workspace, matching, false), sort)
}

/// What the list's marks are remembered by whatever the change counter is.
fn recent_key(workspace: &Workspace, matching: &Matching, sort: Sort) -> String {
    let any_change = Workspace {
        change_seq: -1,
        ..workspace.clone()
    };
    marks_key(&any_change, matching, sort)
}

/// The list being paged: what matches, in which order.
struct List<'a> {
    workspace: &'a Workspace,
    matching: &'a Matching,
    sort: Sort,
    column: Column,
}

impl SqlStore {
    /// Remembers the workspace's change counter, for the walks finding marks.
    pub(super) fn saw_workspace(&self, workspace: &Workspace) {
        if let Some(Ok(mut cache)) = self.marks.as_ref().map(|m| m.lock()) {
            cache.saw(workspace);
        }
    }

    /// The ids of the page at `offset` (at least `mark_every`) in the list's
    /// order, or `None` when the order has no index to seek in.
    pub(super) async fn deep_page_ids(
        &self,
        workspace: &Workspace,
        matching: &Matching,
        sort: Sort,
        offset: u64,
        take: u64,
    ) -> Result<Option<Vec<i64>>, StoreError> {
        let (Some(column), Some(cache)) = (Column::of(sort, self.backend), self.marks.as_ref())
        else {
            return Ok(None);
        };
        let every = self.mark_every.max(1);
        let wanted = usize::try_from(offset / every).unwrap_or(usize::MAX);
        if wanted == 0 || wanted > MARKS_PER_LIST {
            return Ok(None);
        }
        let list = List {
            workspace,
            matching,
            sort,
            column,
        };
        let key = marks_key(workspace, matching, sort);
        let (known, recent) = cache
            .lock()
            .map(|mut c| {
                c.saw(workspace);
                let recent = c
                    .recent
                    .get(&recent_key(workspace, matching, sort))
                    .cloned();
                (c.lists.get(&key).cloned(), recent)
            })
            .unwrap_or_default();
        let known = known.unwrap_or_default();
        let marked = if known.marks.len() >= wanted || known.ended {
            known
        } else if self.marks_later {
            // This page does without; its marks are found after it, for the
            // next deep page, so no page waits for them.
            let ids = match recent {
                Some(recent) => {
                    self.page_from_old_marks(&list, &recent, offset, take)
                        .await?
                }
                None => None,
            };
            self.find_marks_later(&list, key, wanted);
            return Ok(ids);
        } else {
            self.find_marks(&list, key, wanted, false).await?
        };
        // The list ends before the page starts.
        let Some(from) = marked.marks.get(wanted - 1) else {
            return Ok(Some(Vec::new()));
        };
        let skip = offset - wanted as u64 * every;
        let rows = self
            .rows_after(&list, Some(from), skip, take, Want::Ids)
            .await?;
        Ok(Some(ids(rows)))
    }

    /// Finds the marks of a list up to the `wanted`-th (or its end), going on
    /// from those already kept, and keeps them. With `give_up`, it stops
    /// without keeping them once a deep page has seen a newer change.
    async fn find_marks(
        &self,
        list: &List<'_>,
        key: String,
        wanted: usize,
        give_up: bool,
    ) -> Result<Arc<Marked>, StoreError> {
        let cache = self.marks.as_ref().expect("marks are on");
        let known = cache.lock().ok().and_then(|c| c.lists.get(&key).cloned());
        let mut marks = known.map(|k| k.marks.clone()).unwrap_or_default();
        let every = self.mark_every.max(1);
        let mut ended = false;
        // In Live mode a busy workspace changes every few seconds: a walk for
        // an old counter would only take a core from the next page.
        let outdated = || give_up && cache.lock().is_ok_and(|c| c.outdated(list.workspace));
        while marks.len() < wanted {
            if outdated() {
                return Ok(Arc::new(Marked {
                    marks,
                    ended: false,
                }));
            }
            let next = self
                .rows_after(list, marks.last(), every - 1, 1, Want::Marks)
                .await?;
            let Some(Row::Mark(mark)) = next.into_iter().next() else {
                ended = true;
                break;
            };
            marks.push(mark);
        }
        let marked = Arc::new(Marked { marks, ended });
        if let Ok(mut c) = cache.lock() {
            if c.lists.len() >= MARKED_LISTS && !c.lists.contains_key(&key) {
                c.lists.clear();
                c.recent.clear();
            }
            c.lists.insert(key, marked.clone());
            let recent = recent_key(list.workspace, list.matching, list.sort);
            c.recent.insert(recent, marked.clone());
        }
        Ok(marked)
    }

    /// A deep page right after a change, from the marks found before it. A
    /// mark from about halfway is where the walk splits: how many rows the
    /// list now holds through the mark is counted while, side by side, the
    /// rows after it are read around where the page was then. When fewer
    /// than `slack` rows came or went before the mark, the page is in what
    /// was read; otherwise it is read after the count. Both halves walk half
    /// the rows, on two connections (SQLite answers each on its own thread).
    async fn page_from_old_marks(
        &self,
        list: &List<'_>,
        old: &Marked,
        offset: u64,
        take: u64,
    ) -> Result<Option<Vec<i64>>, StoreError> {
        let every = self.mark_every.max(1);
        let half = usize::try_from(offset / 2 / every).unwrap_or(usize::MAX);
        let Some(mark) = half.checked_sub(1).and_then(|i| old.marks.get(i)) else {
            return Ok(None);
        };
        // Mark `half` was found `half * every` rows in, itself included.
        let then = half as u64 * every;
        let slack = (every / 4).clamp(1, 1_000);
        let from = (offset - then).saturating_sub(slack);
        let (through, around) = tokio::try_join!(
            self.rows_through(list, mark),
            self.rows_after(list, Some(mark), from, take + 2 * slack, Want::Ids),
        )?;
        let Some(skip) = offset.checked_sub(through) else {
            return Ok(None);
        };
        let rows = if skip >= from && skip - from <= 2 * slack {
            around
                .into_iter()
                .skip((skip - from) as usize)
                .take(take as usize)
                .collect()
        } else {
            self.rows_after(list, Some(mark), skip, take, Want::Ids)
                .await?
        };
        Ok(Some(ids(rows)))
    }

    /// How many rows the list holds up to `mark`, the mark included.
    async fn rows_through(&self, list: &List<'_>, mark: &Mark) -> Result<u64, StoreError> {
        let mut total = 0;
        for stretch in stretches_through(list.column, mark) {
            let mut q = QueryBuilder::<Any>::new("SELECT COUNT(*) FROM contacts");
            list.matching.push_where(&mut q, list.workspace.id, false)?;
            push_stretch(&mut q, list.column, stretch);
            let (n,): (i64,) = finish(&mut q, self.backend)
                .build_query_as()
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
            total += n.max(0) as u64;
        }
        Ok(total)
    }

    /// `find_marks` in a task of its own, once at a time per list.
    fn find_marks_later(&self, list: &List<'_>, key: String, wanted: usize) {
        let Some(cache) = self.marks.clone() else {
            return;
        };
        if !cache
            .lock()
            .map(|mut c| c.finding.insert(key.clone()))
            .unwrap_or(false)
        {
            return;
        }
        let (store, workspace, matching) =
            (self.clone(), list.workspace.clone(), list.matching.clone());
        let (sort, column) = (list.sort, list.column);
        tokio::spawn(async move {
            let list = List {
                workspace: &workspace,
                matching: &matching,
                sort,
                column,
            };
            if let Err(err) = store.find_marks(&list, key.clone(), wanted, true).await {
                tracing::warn!(%err, "finding the marks of a deep page failed");
            }
            if let Ok(mut c) = cache.lock() {
                c.finding.remove(&key);
            }
        });
    }

    /// `take` rows after skipping `skip` past `mark` (from the start without
    /// one), each stretch of the rows after it read from its index range.
    async fn rows_after(
        &self,
        list: &List<'_>,
        mark: Option<&Mark>,
        mut skip: u64,
        take: u64,
        want: Want,
    ) -> Result<Vec<Row>, StoreError> {
        let column = list.column;
        let mut rows = Vec::new();
        let stretches = stretches(column, mark);
        let last = stretches.len() - 1;
        for (i, stretch) in stretches.into_iter().enumerate() {
            let select = match want {
                Want::Marks => format!("SELECT {}, id FROM contacts", column.key_select()),
                Want::Ids => "SELECT id FROM contacts".to_string(),
            };
            let mut q = QueryBuilder::<Any>::new(select);
            list.matching.push_where(&mut q, list.workspace.id, false)?;
            push_stretch(&mut q, column, stretch);
            push_order_by(&mut q, list.sort, &list.matching.schema, self.backend);
            q.push(" LIMIT ")
                .push_bind((take - rows.len() as u64) as i64);
            q.push(" OFFSET ").push_bind(skip as i64);
            let mut q = finish(&mut q, self.backend);
            let found: Vec<Row> = match (want, column.text) {
                (Want::Marks, true) => self
                    .fetch::<(String, i64)>(&mut q)
                    .await?
                    .into_iter()
                    .map(|(k, id)| {
                        Row::Mark(Mark {
                            key: Key::Text(k),
                            id,
                        })
                    })
                    .collect(),
                (Want::Marks, false) => self
                    .fetch::<(Option<i64>, i64)>(&mut q)
                    .await?
                    .into_iter()
                    .map(|(k, id)| {
                        Row::Mark(Mark {
                            key: Key::Time(k),
                            id,
                        })
                    })
                    .collect(),
                (Want::Ids, _) => self
                    .fetch::<(i64,)>(&mut q)
                    .await?
                    .into_iter()
                    .map(|(id,)| Row::Id(id))
                    .collect(),
            };
            let held_none = found.is_empty();
            rows.extend(found);
            if rows.len() as u64 == take || i == last {
                break;
            }
            // The next stretch skips what this one did not hold.
            skip -= if held_none {
                self.stretch_rows(list, stretch, skip).await?
            } else {
                skip
            };
        }
        Ok(rows)
    }

    async fn fetch<T>(&self, q: &mut QueryBuilder<'static, Any>) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
    {
        q.build_query_as::<T>()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
    }

    /// How many rows a stretch holds, counting no further than `cap`.
    async fn stretch_rows(
        &self,
        list: &List<'_>,
        stretch: Stretch<'_>,
        cap: u64,
    ) -> Result<u64, StoreError> {
        let mut q = QueryBuilder::<Any>::new("SELECT COUNT(*) FROM (SELECT 1 FROM contacts");
        list.matching.push_where(&mut q, list.workspace.id, false)?;
        push_stretch(&mut q, list.column, stretch);
        q.push(" LIMIT ").push_bind(cap as i64).push(") capped");
        let (n,): (i64,) = finish(&mut q, self.backend)
            .build_query_as()
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(n.max(0) as u64)
    }
}

#[derive(Debug, Clone, Copy)]
enum Want {
    Ids,
    Marks,
}

enum Row {
    Id(i64),
    Mark(Mark),
}

fn ids(rows: Vec<Row>) -> Vec<i64> {
    rows.into_iter()
        .filter_map(|row| match row {
            Row::Id(id) => Some(id),
            Row::Mark(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(nullable: bool, descending: bool) -> Column {
        Column {
            expr: "last_interaction_at",
            nullable,
            text: false,
            descending,
        }
    }

    #[test]
    fn rows_after_a_mark_with_a_value_include_the_rows_without_one_when_they_sort_last() {
        let mark = Mark {
            key: Key::Time(Some(5)),
            id: 9,
        };
        assert_eq!(
            stretches(column(true, true), Some(&mark)),
            vec![Stretch::Beyond(&mark), Stretch::Nulls]
        );
        assert_eq!(
            stretches(column(true, false), Some(&mark)),
            vec![Stretch::Beyond(&mark)]
        );
        assert_eq!(
            stretches(column(false, true), Some(&mark)),
            vec![Stretch::Beyond(&mark)]
        );
    }

    #[test]
    fn rows_after_a_mark_without_a_value_continue_by_id_then_reach_the_values_ascending() {
        let mark = Mark {
            key: Key::Time(None),
            id: 9,
        };
        assert_eq!(
            stretches(column(true, true), Some(&mark)),
            vec![Stretch::NullsBeyond(9)]
        );
        assert_eq!(
            stretches(column(true, false), Some(&mark)),
            vec![Stretch::NullsBeyond(9), Stretch::Values]
        );
        assert_eq!(stretches(column(true, true), None), vec![Stretch::All]);
    }

    #[test]
    fn rows_through_a_mark_are_the_rows_the_order_puts_before_it_and_the_mark() {
        let value = Mark {
            key: Key::Time(Some(5)),
            id: 9,
        };
        let missing = Mark {
            key: Key::Time(None),
            id: 9,
        };
        // Descending, the rows without a value come last; ascending, first.
        assert_eq!(
            stretches_through(column(true, true), &value),
            vec![Stretch::Ahead(&value), Stretch::Through(&value)]
        );
        assert_eq!(
            stretches_through(column(true, false), &value),
            vec![
                Stretch::Nulls,
                Stretch::Ahead(&value),
                Stretch::Through(&value)
            ]
        );
        assert_eq!(
            stretches_through(column(false, false), &value),
            vec![Stretch::Ahead(&value), Stretch::Through(&value)]
        );
        assert_eq!(
            stretches_through(column(true, true), &missing),
            vec![Stretch::Values, Stretch::NullsThrough(9)]
        );
        assert_eq!(
            stretches_through(column(true, false), &missing),
            vec![Stretch::NullsThrough(9)]
        );
    }

    #[test]
    fn orders_without_an_index_to_seek_in_have_no_marks() {
        let field = Sort {
            key: SortKey::Field(3),
            descending: false,
        };
        assert!(Column::of(field, Backend::Sqlite).is_none());
        let name = Sort {
            key: SortKey::Name,
            descending: false,
        };
        assert_eq!(
            Column::of(name, Backend::Postgres).map(|c| c.key_select()),
            Some("lower(name)")
        );
        assert_eq!(
            Column::of(name, Backend::Sqlite).map(|c| c.key_select()),
            Some("name")
        );
    }
}
