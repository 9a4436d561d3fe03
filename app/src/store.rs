//! The storage port: what the app needs from a database, without saying how.
//!
//! The server crate implements [`ContactStore`] with sqlx and provides it as context;
//! server functions reach it only through [`store`] and [`current_workspace`].

use crate::domain::{
    CleanChange, ContactDetails, ContactId, ContactPage, DeleteSummary, DeleteTarget, ListQuery,
    SaveOutcome, Workspace, WorkspaceId,
};
use crate::error::AppError;
use crate::filter::{FieldRef, Filter};
use std::{future::Future, sync::Arc};

/// Why storage failed. The detail is for logs; users see an [`AppError`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("storage failure: {0}")]
    Internal(String),
    /// A name that must be unique is taken.
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// Text no database may hold (a NUL character), caught by the database
    /// where no rule of ours caught it first.
    #[error("text with a NUL character: {0}")]
    Unstorable(String),
    /// A filter condition (by position) that cannot run, with the reason.
    #[error("invalid filter condition {0}: {1}")]
    InvalidCondition(usize, crate::filter::ConditionError),
}

#[async_trait::async_trait]
pub trait ContactStore: Send + Sync + 'static {
    /// A workspace with its counters, or None when it does not exist.
    async fn workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>, StoreError>;

    /// A page of the list; its total only when that is cheap (see `ContactPage`).
    async fn contact_page(
        &self,
        workspace: &Workspace,
        query: &ListQuery,
    ) -> Result<ContactPage, StoreError>;

    /// How many contacts the list has: the total a page may leave out.
    async fn count_contacts(
        &self,
        workspace: &Workspace,
        query: &ListQuery,
    ) -> Result<i64, StoreError>;

    /// The workspace's fields and labels.
    async fn schema(&self, workspace: WorkspaceId) -> Result<crate::filter::Schema, StoreError>;

    /// The workspace's custom contact fields, in order.
    async fn contact_fields(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Vec<crate::domain::FieldDef>, StoreError>;

    /// Saves which field columns the table shows, in order.
    async fn save_columns(
        &self,
        workspace: WorkspaceId,
        columns: &[FieldRef],
    ) -> Result<(), StoreError>;

    /// Checks a filter against the workspace's fields and labels.
    async fn check_filter(&self, workspace: WorkspaceId, filter: &Filter)
        -> Result<(), StoreError>;

    async fn create_segment(
        &self,
        workspace: WorkspaceId,
        name: &str,
        filter: &Filter,
    ) -> Result<i64, StoreError>;

    /// Renames and/or redefines a segment; false when it does not exist.
    async fn update_segment(
        &self,
        workspace: WorkspaceId,
        id: i64,
        name: Option<&str>,
        filter: Option<&Filter>,
    ) -> Result<bool, StoreError>;

    /// False when it did not exist.
    async fn delete_segment(&self, workspace: WorkspaceId, id: i64) -> Result<bool, StoreError>;

    async fn contact_details(
        &self,
        workspace: WorkspaceId,
        id: ContactId,
    ) -> Result<Option<ContactDetails>, StoreError>;

    /// Saves validated changes to one contact in one transaction, against the
    /// version the user saw: a field someone else changed since is a conflict,
    /// and then nothing is written.
    async fn save_contact(
        &self,
        workspace: WorkspaceId,
        id: ContactId,
        version: i64,
        changes: &[CleanChange],
    ) -> Result<SaveOutcome, StoreError>;

    /// How many contacts a delete would remove, and how many of them have conversations.
    async fn delete_summary(
        &self,
        workspace: &Workspace,
        target: &DeleteTarget,
    ) -> Result<DeleteSummary, StoreError>;

    /// Streams the contacts of an export in its order, at most `options.limit`.
    /// Errors in the query (a filter that cannot run) come before the stream.
    async fn export(
        &self,
        workspace: &Workspace,
        query: &ListQuery,
        options: &crate::contacts::export::ExportOptions,
    ) -> Result<ExportStream, StoreError>;

    /// How many of these contacts already exist (same email, or else same phone).
    async fn count_existing(
        &self,
        workspace: WorkspaceId,
        contacts: &[crate::contacts::import::ImportedContact],
    ) -> Result<u64, StoreError>;

    /// Writes one batch of imported contacts in one transaction: new ones are
    /// created, existing ones (same email, or else same phone) updated or skipped.
    async fn import_contacts(
        &self,
        workspace: WorkspaceId,
        contacts: &[crate::contacts::import::ImportedContact],
        on_existing: crate::contacts::import::OnExisting,
    ) -> Result<crate::contacts::import::ImportCounts, StoreError>;

    /// Deletes the contacts with their conversations and messages, all or nothing.
    /// Returns how many were deleted.
    async fn delete_contacts(
        &self,
        workspace: &Workspace,
        target: &DeleteTarget,
    ) -> Result<i64, StoreError>;
}

pub type SharedStore = Arc<dyn ContactStore>;

/// An account as sign-in needs it.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub password_hash: String,
}

/// The accounts port: users, sessions and failed sign-ins.
#[async_trait::async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Whether any account exists.
    async fn any_user(&self) -> Result<bool, StoreError>;

    /// The account with this email, ignoring case.
    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError>;

    /// How many failed sign-ins were recorded under a key since a time (ms).
    async fn failures_since(&self, key: &str, since: i64) -> Result<u64, StoreError>;

    /// Records one failed sign-in under each key (and forgets old ones).
    async fn record_failure(&self, keys: &[String], at: i64) -> Result<(), StoreError>;

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError>;

    /// Starts a session in the workspace the user used last (or their first one);
    /// false when they belong to no workspace.
    async fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<bool, StoreError>;

    /// The live session with this token hash, with the role in its workspace.
    async fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<crate::accounts::Session>, StoreError>;

    async fn end_session(&self, token_hash: &str) -> Result<(), StoreError>;

    /// Moves a session to another of its user's workspaces; false when they are
    /// not a member there.
    async fn switch_workspace(
        &self,
        session: &crate::accounts::Session,
        workspace: WorkspaceId,
    ) -> Result<bool, StoreError>;

    /// Who the session belongs to, for the page.
    async fn viewer(
        &self,
        session: &crate::accounts::Session,
    ) -> Result<Option<crate::accounts::Viewer>, StoreError>;
}

pub type SharedAccounts = Arc<dyn AccountStore>;

/// Rows of an export as they come from the database.
pub type ExportStream =
    futures::stream::BoxStream<'static, Result<crate::domain::ExportRow, StoreError>>;

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                AppError::Unavailable
            }
            StoreError::Internal(detail) => {
                tracing::error!(%detail, "storage failure");
                AppError::Internal
            }
            StoreError::Unstorable(detail) => {
                tracing::info!(%detail, "refused text with a NUL character");
                AppError::invalid("text", crate::validate::NUL_PROBLEM)
            }
            StoreError::Duplicate(name) => {
                AppError::invalid("name", format!("A segment named “{name}” already exists."))
            }
            StoreError::InvalidCondition(index, reason) => AppError::invalid(
                format!("condition-{index}"),
                format!("Filter condition {}: {reason}", index + 1),
            ),
        }
    }
}

/// The store provided by the server.
pub fn store() -> Result<SharedStore, AppError> {
    leptos::prelude::use_context::<SharedStore>().ok_or_else(|| {
        tracing::error!("no ContactStore in context");
        AppError::Internal
    })
}

/// The accounts store provided by the server.
pub fn accounts() -> Result<SharedAccounts, AppError> {
    leptos::prelude::use_context::<SharedAccounts>().ok_or_else(|| {
        tracing::error!("no AccountStore in context");
        AppError::Internal
    })
}

/// The workspace a request acts in: the session's. Every server function gets its
/// workspace here and never from its arguments.
pub async fn current_workspace() -> Result<Workspace, AppError> {
    let session = crate::accounts::current_session()?;
    store()?
        .workspace(session.workspace_id)
        .await?
        .ok_or(AppError::Unauthorized)
}

/// Runs a server function's body and gives its error the matching HTTP status.
pub async fn respond<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let Err(err) = &result {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(
                http::StatusCode::from_u16(err.status())
                    .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
    }
    result
}
