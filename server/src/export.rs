//! `GET /contacts/export.csv`: the CSV download, streamed in chunks from the
//! store's cursor with the `csv` crate (RFC 4180 quoting, UTF-8 with a byte order
//! mark so spreadsheets read accents right, no cell a spreadsheet would evaluate).

use app::accounts::{Role, Session};
use app::contacts::export::{
    file_name, safe_cell, ExportOptions, ExportProgress, ExportProgressBoard,
};
use app::contacts::url::ContactsUrl;
use app::domain::{ExportRow, FieldDef, FieldType};
use app::error::AppError;
use app::format;
use app::store::{ExportStream, SharedStore};
use axum::{
    body::{Body, Bytes},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use futures::StreamExt;
use std::borrow::Cow;
use std::collections::HashMap;

/// Bytes gathered before a chunk goes out.
const CHUNK_BYTES: usize = 64 * 1024;

/// What the download route needs besides the request.
#[derive(Clone)]
pub struct ExportContext {
    pub store: SharedStore,
    pub board: ExportProgressBoard,
    pub max_rows: u64,
}

fn refuse(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

pub async fn download(
    ctx: ExportContext,
    session: Session,
    params: HashMap<String, String>,
) -> Response {
    if session.role != Role::Admin {
        return refuse(StatusCode::FORBIDDEN, AppError::AdminOnly.to_string());
    }
    let get = |k: &str| params.get(k).cloned();
    let options = match ExportOptions::from_query(get).and_then(|o| {
        o.check(ctx.max_rows)?;
        Ok(o)
    }) {
        Ok(options) => options,
        Err(message) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
    let mut map = leptos_router::params::ParamsMap::new();
    for (k, v) in &params {
        map.insert(k.clone(), v.clone());
    }
    let query = ContactsUrl::from_params(&map).list_query();
    let prepared = async {
        let workspace = ctx
            .store
            .workspace(session.workspace_id)
            .await?
            .ok_or(app::store::StoreError::Internal("no workspace".into()))?;
        let schema = ctx.store.schema(workspace.id).await?;
        let rows = ctx.store.export(&workspace, &query, &options).await?;
        Ok::<_, app::store::StoreError>((workspace, schema, rows))
    };
    let (workspace, schema, rows) = match prepared.await {
        Ok(prepared) => prepared,
        Err(err) => {
            let err = AppError::from(err);
            let status =
                StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return refuse(status, err.to_string());
        }
    };
    let columns = Columns {
        fields: schema.fields.clone(),
        conversation_fields: if options.conversation_fields {
            schema.conversation_fields.clone()
        } else {
            Vec::new()
        },
        labels: options.labels,
    };
    let total = options.limit.min(workspace.contact_count.max(0) as u64);
    let progress = options.token.clone().map(|token| {
        (
            ctx.board.clone(),
            ExportProgressBoard::key(workspace.id, &token),
            total,
        )
    });
    if let Some((board, token, total)) = &progress {
        board.set(
            token,
            ExportProgress {
                written: 0,
                total: *total,
                done: false,
            },
        );
    }
    let disposition = format!(
        "attachment; filename=\"{}\"",
        file_name(chrono::Utc::now().timestamp_millis())
    );
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(csv_stream(rows, columns, progress)),
    )
        .into_response()
}

/// The file's columns after the built-in ones.
pub struct Columns {
    pub fields: Vec<FieldDef>,
    pub conversation_fields: Vec<FieldDef>,
    pub labels: bool,
}

impl Columns {
    pub fn header(&self) -> Vec<String> {
        let mut header: Vec<String> = [
            "Name",
            "Email",
            "Phone",
            "Created At",
            "Last Interaction",
            "Campaign Opt-in",
        ]
        .map(String::from)
        .to_vec();
        header.extend(self.fields.iter().map(|f| f.label.clone()));
        if self.labels {
            header.push("Labels (recent conversations)".into());
        }
        header.extend(
            self.conversation_fields
                .iter()
                .map(|f| format!("{} (recent conversations)", f.label)),
        );
        header
    }

    /// Writes one contact's record, each cell made spreadsheet-safe, straight
    /// into the writer: the export writes a million rows, so no row gathers
    /// its cells first.
    pub fn write_row<W: std::io::Write>(
        &self,
        row: &ExportRow,
        csv: &mut csv::Writer<W>,
    ) -> csv::Result<()> {
        let mut put = |cell: &str| csv.write_field(safe_cell(cell).as_bytes());
        put(&row.name)?;
        put(row.email.as_deref().unwrap_or_default())?;
        put(row.phone.as_deref().unwrap_or_default())?;
        put(&format::iso_time(row.created_at))?;
        put(&row
            .last_interaction_at
            .map(format::iso_time)
            .unwrap_or_default())?;
        put(if row.campaign_opt_in { "yes" } else { "no" })?;
        for def in &self.fields {
            put(&value_of(&row.fields, def))?;
        }
        if self.labels {
            put(&row.labels.join("; "))?;
        }
        for def in &self.conversation_fields {
            put(&value_of(&row.conversation_fields, def))?;
        }
        csv.write_record(None::<&[u8]>)
    }
}

/// A contact's value of `def` as a cell; empty when it has none.
fn value_of<'a>(values: &'a [app::domain::FieldValue], def: &FieldDef) -> Cow<'a, str> {
    values
        .iter()
        .find(|v| v.field_id == def.id)
        .map(|v| cell_value(def.field_type, &v.value))
        .unwrap_or_default()
}

/// A stored field value as a cell: multi-select options joined with "; ".
pub fn cell_value(field_type: FieldType, stored: &str) -> Cow<'_, str> {
    match field_type {
        FieldType::MultiSelect => serde_json::from_str::<Vec<String>>(stored)
            .map_or(Cow::Borrowed(stored), |items| Cow::Owned(items.join("; "))),
        _ => Cow::Borrowed(stored),
    }
}

struct Writing {
    rows: ExportStream,
    columns: Columns,
    csv: csv::Writer<Vec<u8>>,
    written: u64,
    finished: bool,
    progress: Option<(ExportProgressBoard, String, u64)>,
}

impl Writing {
    fn take(&mut self) -> Bytes {
        let full = std::mem::replace(&mut self.csv, writer(Vec::with_capacity(CHUNK_BYTES * 2)));
        Bytes::from(full.into_inner().unwrap_or_default())
    }

    fn report(&self, done: bool) {
        if let Some((board, token, total)) = &self.progress {
            board.set(
                token,
                ExportProgress {
                    written: self.written,
                    total: if done { self.written } else { *total },
                    done,
                },
            );
        }
    }
}

/// RFC 4180: CRLF line ends, quotes where needed.
fn writer(buffer: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(buffer)
}

fn csv_stream(
    rows: ExportStream,
    columns: Columns,
    progress: Option<(ExportProgressBoard, String, u64)>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    let mut buffer = Vec::with_capacity(CHUNK_BYTES * 2);
    // A byte order mark: spreadsheets then read the file as UTF-8.
    buffer.extend_from_slice("\u{feff}".as_bytes());
    let mut csv = writer(buffer);
    let header = columns.header();
    let _ = csv.write_record(header.iter().map(|h| safe_cell(h).into_owned()));
    let state = Writing {
        rows,
        columns,
        csv,
        written: 0,
        finished: false,
        progress,
    };
    // Fused: compression layers may poll once more after the end.
    futures::stream::unfold(state, |mut st| async move {
        if st.finished {
            return None;
        }
        loop {
            match st.rows.next().await {
                Some(Ok(row)) => {
                    if let Err(err) = st.columns.write_row(&row, &mut st.csv) {
                        tracing::error!(%err, "export: writing a row");
                        st.finished = true;
                        return Some((Err(std::io::Error::other("export failed")), st));
                    }
                    st.written += 1;
                    if st.written % 2_000 == 0 {
                        st.report(false);
                    }
                    if st.csv.get_ref().len() >= CHUNK_BYTES {
                        let chunk = st.take();
                        return Some((Ok(chunk), st));
                    }
                }
                Some(Err(err)) => {
                    // Cut the download short: the browser shows it failed rather
                    // than saving a file that silently misses rows.
                    tracing::error!(%err, "export: reading contacts");
                    st.finished = true;
                    return Some((Err(std::io::Error::other("export failed")), st));
                }
                None => {
                    st.finished = true;
                    st.report(true);
                    tracing::info!(rows = st.written, "export finished");
                    let chunk = st.take();
                    return Some((Ok(chunk), st));
                }
            }
        }
    })
    .fuse()
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::contacts::export::unsafe_cell;

    /// Pieces hostile to spreadsheets and to CSV parsers.
    const PIECES: &[&str] = &[
        "=HYPERLINK(\"http://x\",\"y\")",
        "+1+1",
        "-2+3",
        "@SUM(1)",
        "\t",
        "\r",
        "\n",
        "\"",
        ",",
        "'",
        "''",
        ";",
        "Ann",
        "😀",
        "שלום",
        "مرحبا",
        "\u{202e}",
        " ",
        "Müller",
        "",
    ];

    #[test]
    fn hostile_values_survive_the_round_trip_and_never_start_a_formula() {
        // A small deterministic generator: every run checks the same 20,000 values.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let values: Vec<String> = (0..20_000)
            .map(|_| {
                let parts = 1 + next() % 4;
                (0..parts)
                    .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                    .collect()
            })
            .collect();
        let mut out = writer(Vec::new());
        for chunk in values.chunks(5) {
            let cells: Vec<_> = chunk.iter().map(|v| safe_cell(v)).collect();
            out.write_record(cells.iter().map(|c| c.as_bytes()))
                .unwrap();
        }
        let bytes = out.into_inner().unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&bytes[..]);
        let mut parsed = Vec::new();
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{cell:?} would be evaluated"
                );
                parsed.push(unsafe_cell(cell).to_string());
            }
        }
        assert_eq!(parsed, values);
    }

    #[test]
    fn multi_select_values_are_joined_for_people() {
        assert_eq!(
            cell_value(FieldType::MultiSelect, r#"["a","b c"]"#),
            "a; b c"
        );
        assert_eq!(cell_value(FieldType::Text, r#"["a"]"#), r#"["a"]"#);
    }
}
