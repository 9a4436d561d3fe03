//! `POST /contacts/import.csv`: the upload. The body (the raw CSV) is streamed to
//! a file, refused past the size limit without being held in memory; the answer
//! is the file's columns, a preview of its first rows and suggested mappings.
//! Checking and importing are server functions (`app::contacts::import`).

use app::accounts::{Role, Session};
use app::contacts::import::{open_file, suggest, ImportPlace, Upload, PREVIEW_ROWS};
use app::error::AppError;
use app::store::SharedStore;
use axum::{
    body::Body,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

#[derive(Clone)]
pub struct ImportContext {
    pub store: SharedStore,
    pub place: ImportPlace,
    pub max_bytes: u64,
}

fn refuse(status: StatusCode, err: AppError) -> Response {
    (status, Json(err)).into_response()
}

/// A name for an upload that no one can guess or use as a path.
fn new_id() -> String {
    app::accounts::secret::new_token()[..32].to_string()
}

pub async fn upload(ctx: ImportContext, session: Session, body: Body) -> Response {
    if session.role != Role::Admin {
        return refuse(StatusCode::FORBIDDEN, AppError::AdminOnly);
    }
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            AppError::invalid(
                "file",
                format!(
                    "The file is larger than {} MB. Split it into smaller files and import them one by one.",
                    ctx.max_bytes / (1024 * 1024)
                ),
            ),
        )
    };
    if let Err(err) = tokio::fs::create_dir_all(&ctx.place.dir).await {
        tracing::error!(%err, "import: cannot create the upload folder");
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::Internal);
    }
    let id = new_id();
    let path = ctx.place.upload_path(session.workspace_id, &id);
    let written = async {
        let mut file = tokio::fs::File::create(&path).await?;
        let mut size = 0_u64;
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(std::io::Error::other)?;
            size += chunk.len() as u64;
            if size > ctx.max_bytes {
                return Ok(None);
            }
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        Ok::<_, std::io::Error>(Some(size))
    }
    .await;
    match written {
        Ok(Some(_)) => {}
        Ok(None) => {
            let _ = tokio::fs::remove_file(&path).await;
            return too_large();
        }
        Err(err) => {
            tracing::warn!(%err, "import: upload interrupted");
            let _ = tokio::fs::remove_file(&path).await;
            return refuse(
                StatusCode::BAD_REQUEST,
                AppError::invalid("file", "The upload was interrupted. Try again."),
            );
        }
    }
    let fields = match ctx.store.contact_fields(session.workspace_id).await {
        Ok(fields) => fields,
        Err(err) => {
            let _ = tokio::fs::remove_file(&path).await;
            return refuse(StatusCode::SERVICE_UNAVAILABLE, AppError::from(err));
        }
    };
    let read = tokio::task::spawn_blocking(move || {
        let (headers, rows) = open_file(&path)?;
        let mut preview = Vec::new();
        let mut count = 0_u64;
        for (_, row) in rows {
            if preview.len() < PREVIEW_ROWS {
                preview.push(row);
            }
            count += 1;
        }
        Ok::<_, AppError>((headers, preview, count))
    })
    .await;
    match read {
        Ok(Ok((headers, preview, rows))) => {
            if headers.iter().all(|h| h.is_empty()) {
                return refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    AppError::invalid("file", "The file has no header row."),
                );
            }
            let mapping = headers.iter().map(|h| suggest(h, &fields)).collect();
            Json(Upload {
                id,
                headers,
                preview,
                rows,
                mapping,
                fields,
            })
            .into_response()
        }
        Ok(Err(err)) => refuse(StatusCode::UNPROCESSABLE_ENTITY, err),
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::Internal),
    }
}
