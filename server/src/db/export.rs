//! Reading an export: the matching contacts in the export's order, streamed from
//! one database cursor through a small bounded channel, so memory stays flat
//! whatever the count.

use super::contacts::SqlStore;
use super::store_error;
use crate::db::{finish, Backend, Flag};
use app::contacts::export::{ExportOptions, ExportSort, RECENT_CONVERSATIONS};
use app::domain::{ExportRow, FieldValue, ListQuery, Workspace};
use app::store::{ExportStream, StoreError};
use futures::StreamExt;
use sqlx::{Any, QueryBuilder};

/// Rows in flight between the cursor and the response.
const CHANNEL_ROWS: usize = 512;

/// Rows handed over at a time.
const BATCH_ROWS: usize = 64;

#[derive(sqlx::FromRow)]
struct ExportRecord {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    created_at: i64,
    last_interaction_at: Option<i64>,
    campaign_opt_in: Flag,
    fields: Option<String>,
    labels: Option<String>,
    conversation_fields: Option<String>,
}

/// `[[field_id, value], …]` as SQLite's json_group_array writes it.
fn pairs(json: Option<&str>) -> Vec<FieldValue> {
    json.and_then(|j| serde_json::from_str::<Vec<(i64, String)>>(j).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(field_id, value)| FieldValue { field_id, value })
        .collect()
}

impl From<ExportRecord> for ExportRow {
    fn from(r: ExportRecord) -> Self {
        // Conversation values come newest first: the first of each field wins.
        let mut conversation_fields: Vec<FieldValue> = Vec::new();
        for v in pairs(r.conversation_fields.as_deref()) {
            if !conversation_fields.iter().any(|c| c.field_id == v.field_id) {
                conversation_fields.push(v);
            }
        }
        ExportRow {
            name: r.name,
            email: r.email,
            phone: r.phone,
            created_at: r.created_at,
            last_interaction_at: r.last_interaction_at,
            campaign_opt_in: r.campaign_opt_in.0,
            fields: pairs(r.fields.as_deref()),
            labels: r
                .labels
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default(),
            conversation_fields,
        }
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
        // JSON arrays built in SQL, one aggregate per backend (text either way).
        let (pairs, distinct) = match self.backend {
            Backend::Sqlite => (
                "json_group_array(json_array(field_id, value))",
                "json_group_array(DISTINCT l.name)",
            ),
            Backend::Postgres => (
                "json_agg(json_build_array(field_id, value))::text",
                "json_agg(DISTINCT l.name)::text",
            ),
        };
        let mut q = QueryBuilder::<Any>::new(format!(
            "SELECT name, email, phone, created_at, last_interaction_at, campaign_opt_in + 0 AS campaign_opt_in, \
             (SELECT {pairs} FROM contact_field_values v \
              WHERE v.contact_id = contacts.id) AS fields, "
        ));
        let recent = format!(
            "(SELECT id, COALESCE(last_message_at, created_at) AS at FROM conversations \
             WHERE conversations.contact_id = contacts.id ORDER BY at DESC, id DESC LIMIT {RECENT_CONVERSATIONS})"
        );
        if options.labels {
            q.push(format!(
                "(SELECT {distinct} FROM {recent} rc \
                 JOIN conversation_labels cl ON cl.conversation_id = rc.id \
                 JOIN labels l ON l.id = cl.label_id) AS labels, "
            ));
        } else {
            q.push("NULL AS labels, ");
        }
        if options.conversation_fields {
            q.push(format!(
                "(SELECT {pairs} FROM \
                 (SELECT v.field_id, v.value FROM {recent} rc \
                  JOIN conversation_field_values v ON v.conversation_id = rc.id \
                  ORDER BY rc.at DESC, rc.id DESC) cf) AS conversation_fields"
            ));
        } else {
            q.push("NULL AS conversation_fields");
        }
        q.push(" FROM contacts");
        matching.push_where(&mut q, workspace.id, false)?;
        q.push(match (options.sort, self.backend) {
            (ExportSort::LastInteraction, Backend::Postgres) => {
                " ORDER BY last_interaction_at DESC NULLS LAST, id DESC"
            }
            (ExportSort::LastInteraction, Backend::Sqlite) => {
                " ORDER BY last_interaction_at DESC, id DESC"
            }
            (ExportSort::CreatedAt, _) => " ORDER BY created_at DESC, id DESC",
        });
        q.push(" LIMIT ").push_bind(options.limit as i64);

        // Rows cross to the response in batches: the two tasks meet once per
        // batch instead of once per row.
        let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Result<ExportRow, StoreError>>>(
            CHANNEL_ROWS / BATCH_ROWS,
        );
        let (pool, backend) = (self.pool.clone(), self.backend);
        tokio::spawn(async move {
            let mut q = finish(&mut q, backend);
            let mut rows = q.build_query_as::<ExportRecord>().fetch(&pool);
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            while let Some(row) = rows.next().await {
                let item = row.map(ExportRow::from).map_err(store_error);
                let failed = item.is_err();
                batch.push(item);
                if batch.len() == BATCH_ROWS || failed {
                    // The receiver is gone when the download was cancelled: stop reading.
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                    if tx.send(full).await.is_err() || failed {
                        return;
                    }
                }
            }
            if !batch.is_empty() {
                let _ = tx.send(batch).await;
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
