//! The one error type that crosses the wire, with the message a person reads.
//!
//! Storage and framework errors are mapped into it exactly once (see `store`), where
//! the detail goes to the logs and only the user's message goes to the browser.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{0} was not found. It may have been deleted.")]
    NotFound(String),
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// Someone else changed the same value since the user loaded it.
    #[error("{message}")]
    Conflict {
        field: String,
        message: String,
        /// The value stored now, so the user can decide.
        current: Option<String>,
    },
    /// No session, or it ended.
    #[error("You are signed out. Sign in again to continue.")]
    Unauthorized,
    /// Signed in, but the role does not allow it.
    #[error("Only an admin of this workspace can do this.")]
    AdminOnly,
    /// A request from another site that would change data.
    #[error("This request came from another site and was refused.")]
    CrossSite,
    /// Too many failed sign-ins.
    #[error("{0}")]
    TooManyAttempts(String),
    #[error("The database cannot be reached right now. Try again in a moment.")]
    Unavailable,
    #[error("Something went wrong on our side. Try again; if it keeps happening, tell your administrator.")]
    Internal,
    #[error("The server could not be reached. Check your connection and try again.")]
    Network,
}

impl AppError {
    /// The HTTP status that goes with the error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound(_) => 404,
            AppError::Invalid { .. } => 422,
            AppError::Conflict { .. } => 409,
            AppError::Unauthorized => 401,
            AppError::AdminOnly | AppError::CrossSite => 403,
            AppError::TooManyAttempts(_) => 429,
            AppError::Unavailable => 503,
            AppError::Internal => 500,
            AppError::Network => 502,
        }
    }

    /// The field a message belongs next to, when it is about one field.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } | AppError::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) => AppError::Network,
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => {
                AppError::invalid("request", "The request was not understood.")
            }
            _ => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_messages_never_name_internals() {
        for e in [
            AppError::NotFound("Contact".into()),
            AppError::Unauthorized,
            AppError::AdminOnly,
            AppError::CrossSite,
            AppError::Unavailable,
            AppError::Internal,
            AppError::Network,
        ] {
            let msg = e.to_string().to_lowercase();
            for word in ["sql", "table", "sqlx", "constraint", "panic"] {
                assert!(!msg.contains(word), "{msg:?} mentions {word}");
            }
        }
    }

    #[test]
    fn statuses_separate_user_mistakes_from_server_faults() {
        assert_eq!(AppError::invalid("email", "bad").status(), 422);
        assert_eq!(AppError::NotFound("Contact".into()).status(), 404);
        assert_eq!(AppError::Unavailable.status(), 503);
        assert_eq!(AppError::Internal.status(), 500);
    }
}
