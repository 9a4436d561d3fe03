//! The gate every request passes: cross-site writes are refused, the session
//! cookie is looked up, and requests without a session are sent to sign in
//! (pages) or answered 401 (server functions and the CSV routes).

use app::accounts::{secret, token_from_cookies, RequestInfo, Session, SIGN_IN_PATH};
use app::contacts::{export::EXPORT_PATH, import::UPLOAD_PATH};
use app::error::AppError;
use app::store::SharedAccounts;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    Json,
};
use std::net::SocketAddr;

/// Paths anyone may reach: the sign-in page and its server functions, and the
/// static files.
fn is_public(method: &Method, path: &str) -> bool {
    (path == SIGN_IN_PATH && method == Method::GET)
        || path == "/api/sign_in"
        || path == "/api/first_run"
        || is_static(path)
}

/// The health check and static files (the WASM, CSS, icons, generated
/// avatars): the same for everyone, so no session is looked up for them.
fn is_static(path: &str) -> bool {
    path == "/healthz"
        || path == "/favicon.svg"
        || path.starts_with("/pkg/")
        || path.starts_with("/avatars/")
}

/// Requests that change data, or start a download of it.
fn changes_data(method: &Method, path: &str) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) || path == EXPORT_PATH
}

/// Whether the browser says the request comes from another site. Browsers send
/// `Sec-Fetch-Site` (secure contexts); older ones only `Origin`. A request with
/// neither is not from a browser page, so no one else's cookies ride on it.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin") | Ok("none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let (Ok(origin), Some(host)) = (
        origin.to_str(),
        headers.get(header::HOST).and_then(|h| h.to_str().ok()),
    ) else {
        return true;
    };
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    origin_host != Some(host)
}

/// Whether the client reached us over HTTPS, directly or through a proxy that says so.
fn is_https(request: &Request) -> bool {
    request.uri().scheme_str() == Some("https")
        || request
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(token_from_cookies)
        .map(str::to_string)
}

fn refuse(err: AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(err)).into_response()
}

/// A plain page for when the gate itself cannot go on (the database is down).
fn error_page(err: AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Contacts</title>\
         <link rel=\"stylesheet\" href=\"/pkg/contacts.css\"></head><body><main class=\"state error\" role=\"alert\">\
         <h1>Contacts could not be loaded</h1><p>{err}</p><a class=\"button\" href=\"\">Try again</a></main></body></html>"
    );
    (status, axum::response::Html(html)).into_response()
}

/// Where a signed-out visitor to `path` goes: sign in, then back.
pub fn sign_in_redirect(path_and_query: &str) -> String {
    let next: String = path_and_query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    if next == "/" || next == "/contacts" {
        SIGN_IN_PATH.to_string()
    } else {
        format!("{SIGN_IN_PATH}?next={next}")
    }
}

pub async fn gate(
    State(accounts): State<SharedAccounts>,
    mut request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    if changes_data(&method, &path) && is_cross_site(request.headers()) {
        tracing::warn!(%method, %path, "refused a cross-site request");
        return refuse(AppError::CrossSite);
    }
    if is_static(&path) {
        return next.run(request).await;
    }
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let https = is_https(&request);
    request
        .extensions_mut()
        .insert(RequestInfo { address, https });

    let is_page = method == Method::GET
        && !path.starts_with("/api/")
        && path != EXPORT_PATH
        && path != UPLOAD_PATH;
    let session = match session_token(request.headers()) {
        Some(token) => {
            let now = chrono::Utc::now().timestamp_millis();
            match accounts.session(&secret::token_hash(&token), now).await {
                Ok(session) => session,
                Err(err) if is_page => return error_page(AppError::from(err)),
                Err(err) => return refuse(AppError::from(err)),
            }
        }
        None => None,
    };
    match session {
        Some(session) => {
            if path == SIGN_IN_PATH && method == Method::GET {
                // Already signed in: straight on.
                return Redirect::to("/contacts").into_response();
            }
            request.extensions_mut().insert::<Session>(session);
        }
        None if is_public(&method, &path) => {}
        None => {
            if !is_page {
                return refuse(AppError::Unauthorized);
            }
            let target = request
                .uri()
                .path_and_query()
                .map_or("/", |pq| pq.as_str())
                .to_string();
            return Redirect::to(&sign_in_redirect(&target)).into_response();
        }
    }
    next.run(request).await
}

/// Gives a server function's error answer the status of its error. Arguments
/// that cannot be decoded fail before the function runs, and the framework
/// answers those with 500; they are the caller's mistake (422).
pub async fn error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(AppError::Internal)).into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(err.status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_first() {
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "none")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
    }

    #[test]
    fn origin_must_match_the_host_without_fetch_metadata() {
        assert!(!is_cross_site(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:3000")
        ])));
        // Not from a browser page: nothing to forge.
        assert!(!is_cross_site(&headers(&[("host", "127.0.0.1:3000")])));
    }

    #[test]
    fn sign_in_comes_back_to_the_page_asked_for() {
        assert_eq!(sign_in_redirect("/contacts"), "/signin");
        assert_eq!(
            sign_in_redirect("/contacts?q=ann&page=2"),
            "/signin?next=/contacts%3Fq%3Dann%26page%3D2"
        );
    }

    #[test]
    fn only_sign_in_and_static_files_are_public() {
        assert!(is_public(&Method::GET, "/signin"));
        assert!(is_public(&Method::POST, "/api/sign_in"));
        assert!(is_public(&Method::GET, "/pkg/contacts.wasm"));
        assert!(!is_public(&Method::GET, "/contacts"));
        assert!(!is_public(&Method::POST, "/api/delete_contacts"));
        assert!(!is_public(&Method::GET, EXPORT_PATH));
    }
}
