//! The axum application: Leptos pages and server functions, static files, and the
//! few plain routes (health check, generated avatars).

use crate::db::SqlStore;
use crate::export::ExportContext;
use crate::import::ImportContext;
use app::accounts::Session;
use app::contacts::export::{ExportLimit, ExportProgressBoard, DEFAULT_MAX_ROWS, EXPORT_PATH};
use app::contacts::import::{ImportPlace, UPLOAD_PATH};
use app::store::{SharedAccounts, SharedStore};
use axum::{
    extract::{Path, Query},
    http::{header, StatusCode},
    middleware,
    response::{IntoResponse, Redirect},
    routing::{get, post},
    Extension, Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::{collections::HashMap, net::SocketAddr, sync::Arc};
use tower_http::{compression::CompressionLayer, limit::RequestBodyLimitLayer};

/// Leptos settings for serving: where the built WASM, JS and CSS live.
pub fn leptos_options(site_root: &str, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("contacts")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(leptos_config::Env::PROD)
        .build()
}

/// The whole application over one store.
pub fn router(store: SqlStore, options: LeptosOptions) -> Router {
    router_with(store, options, Limits::default())
}

/// Request bodies larger than this get 413 before they are read (CSV uploads
/// have their own limit).
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Limits the operator can set.
#[derive(Debug, Clone)]
pub struct Limits {
    pub export_max_rows: u64,
    pub import_max_bytes: u64,
    /// Where uploaded files wait for their import.
    pub import_dir: std::path::PathBuf,
    /// The largest request body besides CSV uploads.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            export_max_rows: DEFAULT_MAX_ROWS,
            import_max_bytes: app::contacts::import::DEFAULT_MAX_BYTES,
            import_dir: std::env::temp_dir().join("contacts-imports"),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// The application with the operator's limits.
pub fn router_with(store: SqlStore, options: LeptosOptions, limits: Limits) -> Router {
    let api = crate::api::router(store.clone(), limits.max_body_bytes);
    let accounts: SharedAccounts = Arc::new(store.clone());
    let store: SharedStore = Arc::new(store);
    let export_max_rows = limits.export_max_rows;
    let routes = generate_route_list(app::App);
    let place = ImportPlace {
        dir: limits.import_dir.clone(),
        ..Default::default()
    };
    let import = ImportContext {
        store: store.clone(),
        place: place.clone(),
        max_bytes: limits.import_max_bytes,
    };
    let board = ExportProgressBoard::default();
    let accounts_context = accounts.clone();
    let export = ExportContext {
        store: store.clone(),
        board: board.clone(),
        max_rows: export_max_rows,
    };
    let context = move || {
        provide_context(store.clone());
        provide_context(accounts_context.clone());
        provide_context(board.clone());
        provide_context(ExportLimit(export_max_rows));
        provide_context(place.clone());
    };
    // Uploads stream to a file under their own, larger limit.
    let upload = Router::new().route(
        UPLOAD_PATH,
        post(
            move |Extension(session): Extension<Session>, body: axum::body::Body| {
                crate::import::upload(import.clone(), session, body)
            },
        ),
    );
    Router::new()
        .route("/", get(|| async { Redirect::to("/contacts") }))
        .route(
            EXPORT_PATH,
            get(
                move |Extension(session): Extension<Session>,
                      Query(params): Query<HashMap<String, String>>| {
                    crate::export::download(export.clone(), session, params)
                },
            ),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/avatars/{file}", get(avatar))
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context,
            app::shell,
        ))
        .layer(middleware::from_fn(crate::auth::error_status))
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .merge(upload)
        .layer(middleware::from_fn_with_state(accounts, crate::auth::gate))
        .with_state(options)
        // The API authenticates by token, not by the browser's session.
        .merge(api)
        .layer(CompressionLayer::new())
}

/// A generated avatar image: the demo data needs pictures and this machine has no
/// internet to fetch them from.
async fn avatar(Path(file): Path<String>) -> impl IntoResponse {
    let Some(n) = file
        .strip_suffix(".svg")
        .and_then(|n| n.parse::<u32>().ok())
    else {
        return (StatusCode::NOT_FOUND, "No such avatar").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        avatar_svg(n),
    )
        .into_response()
}

fn avatar_svg(n: u32) -> String {
    let hues = [12, 48, 96, 150, 190, 220, 260, 300, 330];
    let bg = hues[(n % 9) as usize];
    let fg = hues[((n / 9) % 9) as usize];
    let shape = n % 3;
    let figure = match shape {
        0 => format!(
            r#"<circle cx="32" cy="26" r="12" fill="hsl({fg} 70% 85%)"/><rect x="12" y="42" width="40" height="30" rx="18" fill="hsl({fg} 70% 85%)"/>"#
        ),
        1 => format!(
            r#"<rect x="20" y="14" width="24" height="24" rx="8" fill="hsl({fg} 70% 85%)"/><rect x="10" y="42" width="44" height="30" rx="14" fill="hsl({fg} 70% 85%)"/>"#
        ),
        _ => format!(
            r#"<circle cx="32" cy="27" r="13" fill="hsl({fg} 70% 85%)"/><path d="M8 64c4-14 14-20 24-20s20 6 24 20z" fill="hsl({fg} 70% 85%)"/>"#
        ),
    };
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="hsl({bg} 55% 45%)"/>{figure}</svg>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatars_differ_and_are_svg() {
        let a = avatar_svg(1);
        assert!(a.starts_with("<svg"));
        assert_ne!(a, avatar_svg(2));
    }
}
