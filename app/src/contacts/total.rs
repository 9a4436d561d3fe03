//! The list's total. A page carries it when it is cheap to know; otherwise the
//! page comes at once and `count_contacts` fills the footer, the segment banner
//! and "Select all N matching" in afterwards, so the table never waits for a
//! count over a million rows.

use crate::domain::ListQuery;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// How many contacts the list (search, filter or segment) has.
#[server(input = Json)]
pub async fn count_contacts(query: ListQuery) -> Result<i64, AppError> {
    use crate::store::{current_workspace, respond, store};
    respond(async move {
        let workspace = current_workspace().await?;
        Ok(store()?.count_contacts(&workspace, &query).await?)
    })
    .await
}

/// The total shown with the list: `None` while it is being counted.
pub type Total = RwSignal<Option<i64>>;

/// Counts the list in the background when its page came without a total. Only
/// in the browser: the server sends the page without waiting.
pub fn fill(total: Total, query: ListQuery) {
    if total.get_untracked().is_some() {
        return;
    }
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        // A late answer for a list no longer shown lands in a disposed signal.
        if let Ok(n) = count_contacts(query).await {
            total.try_set(Some(n));
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = query;
}
