//! Accounts: who is signed in, in which workspace and with which role.
//!
//! The server's gate (`server::auth`) checks the session cookie on every request
//! and puts the [`Session`] into the request; server functions read it here and
//! nowhere else, so the workspace in use never comes from a request's arguments.

#[cfg(feature = "ssr")]
pub mod secret;
pub mod sign_in;
pub mod switcher;

use crate::domain::WorkspaceId;
#[cfg(feature = "ssr")]
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "contacts_session";
/// Sessions last this long after signing in.
pub const SESSION_DAYS: i64 = 30;
/// Where people sign in.
pub const SIGN_IN_PATH: &str = "/signin";
/// Passwords shorter than this are refused when an account is created.
pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything an agent does, plus delete, export, import and shared segments.
    Admin,
    /// Views, searches, filters, edits and uses segments.
    Agent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "agent" => Some(Role::Agent),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Agent => "Agent",
        }
    }
}

/// A signed-in request, as the server's gate found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie's token: what the database keeps.
    pub token_hash: String,
    pub user_id: i64,
    pub workspace_id: WorkspaceId,
    pub role: Role,
}

/// Facts about the request the gate records for every request, signed in or not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestInfo {
    /// The client's address, for rate limiting sign-ins.
    pub address: String,
    /// Served over HTTPS (directly or behind a proxy that says so): cookies get `Secure`.
    pub https: bool,
}

/// One workspace a person belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub role: Role,
}

/// What the page shows about the signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub name: String,
    pub email: String,
    /// The workspace in use.
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub role: Role,
    /// Every workspace they belong to, by name.
    pub workspaces: Vec<Membership>,
}

impl Viewer {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The session of the request being served.
#[cfg(feature = "ssr")]
pub fn current_session() -> Result<Session, AppError> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Session>().cloned())
        .ok_or(AppError::Unauthorized)
}

/// The session, when it belongs to an admin of its workspace.
#[cfg(feature = "ssr")]
pub fn require_admin() -> Result<Session, AppError> {
    let session = current_session()?;
    match session.role {
        Role::Admin => Ok(session),
        Role::Agent => Err(AppError::AdminOnly),
    }
}

/// The gate's facts about the request being served.
#[cfg(feature = "ssr")]
pub fn request_info() -> RequestInfo {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestInfo>().cloned())
        .unwrap_or_default()
}

/// A local path to go back to after signing in; anything else (another site,
/// `//host`, a backslash trick) becomes the contacts page.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.starts_with(SIGN_IN_PATH)
                && !path.chars().any(char::is_control) =>
        {
            path.to_string()
        }
        _ => "/contacts".to_string(),
    }
}

/// The cookie that carries a new session.
pub fn session_cookie(token: &str, https: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_DAYS * 24 * 3600,
        if https { "; Secure" } else { "" }
    )
}

/// The cookie that removes the session from the browser.
pub fn cleared_cookie(https: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if https { "; Secure" } else { "" }
    )
}

/// The session token in a `Cookie` header, if any.
pub fn token_from_cookies(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/contacts?q=ann")), "/contacts?q=ann");
        for bad in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "javascript:alert(1)",
            "/signin?next=/x",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/contacts", "{bad}");
        }
        assert_eq!(safe_next(None), "/contacts");
    }

    #[test]
    fn session_cookie_is_http_only_lax_and_secure_over_https() {
        let plain = session_cookie("abc", false);
        assert!(plain.starts_with("contacts_session=abc;"));
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax"));
        assert!(!plain.contains("Secure"));
        assert!(session_cookie("abc", true).ends_with("; Secure"));
        assert!(cleared_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn token_is_found_among_other_cookies() {
        assert_eq!(
            token_from_cookies("a=1; contacts_session=tok; b=2"),
            Some("tok")
        );
        assert_eq!(token_from_cookies("contacts_session=; a=1"), None);
        assert_eq!(token_from_cookies("other=1"), None);
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::Admin, Role::Agent] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
    }
}
