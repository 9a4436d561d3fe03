//! The peers' way, as the benchmark's baseline. Chatwoot's contacts endpoint
//! searches with `ILIKE '%q%'` OR'ed over name, email and phone (and custom
//! attributes), pages with `OFFSET` and runs an exact `COUNT(*)` on every
//! request; Twenty pages ILIKE filters the same way with a separate count. Here
//! that strategy runs on the same database, so the comparison is of strategies,
//! and its answers are checked against ours.

use crate::db::{finish, Backend};
use sqlx::{Any, AnyPool, QueryBuilder};

/// A page of ids and the total, as the baseline finds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub ids: Vec<i64>,
    pub total: i64,
}

/// What the baseline narrows by.
pub enum Narrowing<'a> {
    None,
    /// A substring, case-insensitive (ASCII, as SQLite's LIKE), over name,
    /// email, phone and custom field values.
    Search(&'a str),
    /// Plan is the option, created in `[from, before)` (ms), has the label.
    ThreeConditions {
        plan_field: i64,
        plan: &'a str,
        created: (i64, i64),
        label: i64,
    },
}

fn push_where(
    q: &mut QueryBuilder<'_, Any>,
    workspace: i64,
    narrowing: &Narrowing<'_>,
    backend: Backend,
) {
    // Case-insensitive for ASCII: SQLite's LIKE, PostgreSQL's ILIKE (under the
    // "C" collation it folds ASCII only too).
    let like = match backend {
        Backend::Sqlite => " LIKE ",
        Backend::Postgres => " ILIKE ",
    };
    q.push(" WHERE c.workspace_id = ").push_bind(workspace);
    match narrowing {
        Narrowing::None => {}
        Narrowing::Search(term) => {
            let pattern = format!("%{}%", crate::db::filter_sql::escape_like(term));
            q.push(" AND (");
            for (i, column) in ["c.name", "c.email", "c.phone"].iter().enumerate() {
                if i > 0 {
                    q.push(" OR ");
                }
                q.push(*column)
                    .push(like)
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '\\'");
            }
            q.push(" OR EXISTS (SELECT 1 FROM contact_field_values v WHERE v.contact_id = c.id AND v.value")
                .push(like)
                .push_bind(pattern)
            .push(" ESCAPE '\\'))");
        }
        Narrowing::ThreeConditions {
            plan_field,
            plan,
            created,
            label,
        } => {
            q.push(" AND EXISTS (SELECT 1 FROM contact_field_values v WHERE v.contact_id = c.id AND v.field_id = ")
                .push_bind(*plan_field)
                .push(" AND v.value = ")
                .push_bind(plan.to_string())
                .push(")");
            q.push(" AND c.created_at >= ").push_bind(created.0);
            q.push(" AND c.created_at < ").push_bind(created.1);
            q.push(
                " AND EXISTS (SELECT 1 FROM conversations cv JOIN conversation_labels cl \
                 ON cl.conversation_id = cv.id WHERE cv.contact_id = c.id AND cl.label_id = ",
            )
            .push_bind(*label)
            .push(")");
        }
    }
}

/// One request the peers' way: the page by `OFFSET` in the default order (last
/// interaction, newest first), then `COUNT(*)` of everything that matches.
pub async fn list(
    pool: &AnyPool,
    workspace: i64,
    narrowing: &Narrowing<'_>,
    page: u32,
    per_page: u32,
) -> Result<Answer, sqlx::Error> {
    let backend = Backend::of(pool);
    let mut q = QueryBuilder::<Any>::new("SELECT c.id FROM contacts c");
    push_where(&mut q, workspace, narrowing, backend);
    q.push(match backend {
        Backend::Sqlite => " ORDER BY c.last_interaction_at DESC, c.id DESC LIMIT ",
        Backend::Postgres => " ORDER BY c.last_interaction_at DESC NULLS LAST, c.id DESC LIMIT ",
    })
    .push_bind(i64::from(per_page))
    .push(" OFFSET ")
    .push_bind(i64::from(page.saturating_sub(1)) * i64::from(per_page));
    let ids: Vec<(i64,)> = finish(&mut q, backend)
        .build_query_as()
        .fetch_all(pool)
        .await?;
    let mut q = QueryBuilder::<Any>::new("SELECT COUNT(*) FROM contacts c");
    push_where(&mut q, workspace, narrowing, backend);
    let (total,): (i64,) = finish(&mut q, backend)
        .build_query_as()
        .fetch_one(pool)
        .await?;
    Ok(Answer {
        ids: ids.into_iter().map(|(id,)| id).collect(),
        total,
    })
}
