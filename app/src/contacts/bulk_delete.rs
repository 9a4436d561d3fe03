//! Bulk actions and deletion: ticked rows (or every contact matching the current
//! search, filter or segment) show an action bar; Delete asks for confirmation,
//! telling how many of them have conversations, then deletes all or nothing.

use super::table::Selection;
use super::ReloadList;
use crate::domain::{DeleteSummary, DeleteTarget, ListQuery};
use crate::error::AppError;
use crate::format;
use leptos::server_fn::codec::Json;
use leptos::{html, prelude::*};

/// The most ids one request may name; larger selections use "all matching".
pub const MAX_IDS: usize = 100_000;

#[cfg(feature = "ssr")]
fn checked(target: &DeleteTarget) -> Result<(), AppError> {
    match target {
        DeleteTarget::Ids(ids) if ids.is_empty() => Err(AppError::invalid(
            "selection",
            "Select at least one contact.",
        )),
        DeleteTarget::Ids(ids) if ids.len() > MAX_IDS => Err(AppError::invalid(
            "selection",
            "Too many contacts selected one by one: use “Select all matching” instead.",
        )),
        _ => Ok(()),
    }
}

#[server(input = Json)]
pub async fn preview_delete(target: DeleteTarget) -> Result<DeleteSummary, AppError> {
    use crate::store::{current_workspace, respond, store};
    respond(async move {
        crate::accounts::require_admin()?;
        checked(&target)?;
        let ws = current_workspace().await?;
        let summary = store()?.delete_summary(&ws, &target).await?;
        nothing_ticked_exists(&target, summary.total)?;
        Ok(summary)
    })
    .await
}

// A stable path: scripts and tests call it too.
#[server(input = Json, endpoint = "/delete_contacts")]
pub async fn delete_contacts(target: DeleteTarget) -> Result<i64, AppError> {
    use crate::store::{current_workspace, respond, store};
    respond(async move {
        crate::accounts::require_admin()?;
        checked(&target)?;
        let ws = current_workspace().await?;
        let deleted = store()?.delete_contacts(&ws, &target).await?;
        nothing_ticked_exists(&target, deleted)?;
        Ok(deleted)
    })
    .await
}

/// Ticked contacts none of which exist in the workspace (deleted meanwhile, or
/// another workspace's ids) are "not found", not a silent success.
#[cfg(feature = "ssr")]
fn nothing_ticked_exists(target: &DeleteTarget, found: i64) -> Result<(), AppError> {
    match target {
        DeleteTarget::Ids(ids) if !ids.is_empty() && found == 0 => {
            Err(AppError::NotFound("The selected contacts".into()))
        }
        _ => Ok(()),
    }
}

/// What the confirmation says about the contacts to delete.
pub fn summary_text(summary: DeleteSummary) -> (String, String) {
    let without = summary.total - summary.with_conversations;
    (
        format!(
            "{} conversations: those conversations and their messages are deleted too.",
            format::plural(summary.with_conversations, "contact has", "contacts have"),
        ),
        format!(
            "{} no conversations.",
            format::plural(without, "contact has", "contacts have")
        ),
    )
}

/// The bar at the bottom while contacts are selected.
#[component]
pub fn ActionBar(query: ListQuery, total: super::total::Total, page_size: usize) -> impl IntoView {
    let selection = expect_context::<Selection>();
    let count = move || {
        if selection.all_matching.get() {
            total.get().unwrap_or(0)
        } else {
            selection.ids.with(|ids| ids.len() as i64)
        }
    };
    let confirming = RwSignal::new(false);
    let target = {
        let query = query.clone();
        move || {
            if selection.all_matching.get_untracked() {
                DeleteTarget::Matching(ListQuery {
                    page: 1,
                    ..query.clone()
                })
            } else {
                DeleteTarget::Ids(selection.ids.with_untracked(|ids| {
                    let mut ids: Vec<i64> = ids.iter().copied().collect();
                    ids.sort_unstable();
                    ids
                }))
            }
        }
    };
    // Only once the total is known: the button says how many.
    let can_select_all = move || {
        let Some(total) = total.get() else {
            return false;
        };
        !selection.all_matching.get()
            && total > page_size as i64
            && selection
                .ids
                .with(|ids| ids.len() >= page_size.min(total as usize))
    };
    view! {
        <Show when=move || { count() > 0 }>
            <div class="action-bar" role="region" aria-label="Bulk actions">
                <span class="action-count" aria-live="polite">
                    {move || format!("{} selected", format::plural(count(), "contact", "contacts"))}
                </span>
                <Show when=can_select_all>
                    <button type="button" class="link-button" on:click=move |_| selection.all_matching.set(true)>
                        {move || format!("Select all {} matching", format::count(total.get().unwrap_or(0)))}
                    </button>
                </Show>
                <button type="button" class="link-button" on:click=move |_| selection.clear()>
                    "Clear selection"
                </button>
                <button type="button" class="button danger" on:click=move |_| confirming.set(true)>
                    "Delete"
                </button>
            </div>
        </Show>
        <Show when=move || confirming.get()>
            {
                let target = target.clone();
                move || Suspend::new(confirm_delete(target(), Callback::new(move |_| confirming.set(false))))
            }
        </Show>
    }
}

/// The confirmation's code is loaded the first time someone deletes.
#[lazy]
async fn confirm_delete(target: DeleteTarget, on_close: Callback<()>) -> AnyView {
    view! { <ConfirmDelete target on_close/> }.into_any()
}

#[component]
fn ConfirmDelete(target: DeleteTarget, on_close: Callback<()>) -> impl IntoView {
    let selection = expect_context::<Selection>();
    let reload = use_context::<ReloadList>();
    let summary = crate::json::resource(|| (), {
        let target = target.clone();
        move |_| preview_delete(target.clone())
    });
    let error = RwSignal::new(None::<String>);
    let deleting = RwSignal::new(false);
    let cancel_ref = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = cancel_ref.get() {
            let _ = button.focus();
        }
    });
    let confirm = Callback::new(move |_: ()| {
        let target = target.clone();
        deleting.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match delete_contacts(target).await {
                Ok(_) => {
                    selection.clear();
                    on_close.run(());
                    if let Some(ReloadList(reload)) = reload {
                        reload.run(());
                    }
                }
                Err(err) => {
                    deleting.set(false);
                    error.set(Some(err.to_string()));
                }
            }
        });
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    };
    view! {
        <div class="dialog-backdrop" on:click=move |_| on_close.run(())></div>
        <div
            class="dialog"
            role="alertdialog"
            aria-modal="true"
            aria-labelledby="delete-title"
            aria-describedby="delete-summary"
            on:keydown=on_keydown
        >
            <Suspense fallback=|| view! { <p role="status">"Counting the selected contacts…"</p> }>
                {move || Suspend::new(async move {
                    match summary.await {
                        Ok(summary) => {
                            let (with, without) = summary_text(summary);
                            let title = format!("Delete {}?", format::plural(summary.total, "contact", "contacts"));
                            view! {
                                <h2 id="delete-title">{title}</h2>
                                <div id="delete-summary">
                                    <ul class="delete-counts">
                                        <li>{with}</li>
                                        <li>{without}</li>
                                    </ul>
                                    <p class="warning">"Deleting is permanent and cannot be undone."</p>
                                </div>
                                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                                <div class="dialog-actions">
                                    <button type="button" class="button" node_ref=cancel_ref on:click=move |_| on_close.run(())>
                                        "Cancel"
                                    </button>
                                    <button
                                        type="button"
                                        class="button danger"
                                        disabled=move || deleting.get() || summary.total == 0
                                        on:click=move |_| confirm.run(())
                                    >
                                        {move || if deleting.get() {
                                            "Deleting…".to_string()
                                        } else {
                                            format!("Delete {}", format::plural(summary.total, "contact", "contacts"))
                                        }}
                                    </button>
                                </div>
                            }
                            .into_any()
                        }
                        Err(err) => view! {
                            <h2 id="delete-title">"Contacts cannot be deleted right now"</h2>
                            <p id="delete-summary" role="alert">{err.to_string()}</p>
                            <div class="dialog-actions">
                                <button type="button" class="button" on:click=move |_| on_close.run(())>"Close"</button>
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirmation_counts_contacts_with_and_without_conversations() {
        let (with, without) = summary_text(DeleteSummary {
            total: 3,
            with_conversations: 1,
        });
        assert_eq!(
            with,
            "1 contact has conversations: those conversations and their messages are deleted too."
        );
        assert_eq!(without, "2 contacts have no conversations.");
    }
}
