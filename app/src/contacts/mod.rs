//! The All Contacts view. Each submodule is one part of the spec.

pub mod bulk_delete;
pub mod columns;
pub mod details;
pub mod editor;
pub mod export;
pub mod filters;
pub mod import;
pub mod inline_edit;
pub mod live;
pub mod pagination;
pub mod search;
pub mod segments;
pub mod table;
pub mod total;
pub mod url;

use crate::domain::{ContactPage, ListQuery};

use crate::accounts::switcher::{AdminOnly, ViewerResource};
use crate::error::AppError;
use crate::layout::Shell;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate};
use live::LiveFeed;
use serde::{Deserialize, Serialize};
use table::Selection;
use url::ContactsUrl;

/// What the table shows: a page of contacts. (An enum on the wire, so other
/// states can be added without breaking clients.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Listing {
    Page(Box<ContactPage>),
}

// JSON in and out: simple to call from tests and other clients.
#[server(input = Json)]
pub async fn list_contacts(query: ListQuery) -> Result<Listing, AppError> {
    use crate::store::{current_workspace, respond, store};
    respond(async move {
        let workspace = current_workspace().await?;
        let page = store()?.contact_page(&workspace, &query).await?;
        Ok(Listing::Page(Box::new(page)))
    })
    .await
}

#[component]
pub fn ContactsPage() -> impl IntoView {
    // The page's own copy of the URL state. On the server it is read once: memos
    // over the router's location were sometimes recomputed after the router had
    // been disposed, panicking mid-render. In the browser an effect keeps it in
    // step with navigation (effects never run on the server).
    let params = use_location().query;
    let initial = params
        .try_with_untracked(ContactsUrl::from_params)
        .unwrap_or_default();
    // What the list asks for, reference-counted: the resource's task can outlive
    // this page's owner on the server, and must not read a disposed signal.
    let query = ArcRwSignal::new(initial.list_query());
    let url = RwSignal::new(initial);
    Effect::new({
        let query = query.clone();
        move |_| {
            let Some(next) = params.try_with(ContactsUrl::from_params) else {
                return;
            };
            let list = next.list_query();
            if query.with_untracked(|q| *q != list) {
                query.set(list);
            }
            if url
                .try_with_untracked(|current| *current != next)
                .unwrap_or(false)
            {
                url.set(next);
            }
        }
    });
    let listing = crate::json::resource(
        {
            let query = query.clone();
            move || query.get()
        },
        list_contacts,
    );
    // Reference-counted, like `query`: the server render can read it after the
    // page's owner is gone. Only the browser sets it: on the server the
    // Transition's task could set it from another thread while the render reads
    // it, and a signal read that finds the lock taken panics.
    let pending = ArcRwSignal::new(false);
    let set_pending = if cfg!(feature = "ssr") {
        SignalSetter::default()
    } else {
        SignalSetter::map({
            let pending = pending.clone();
            move |value| pending.set(value)
        })
    };
    let selection = Selection::new();
    provide_context(selection);
    // A new list (another page, search, filter or segment) starts with nothing ticked.
    Effect::new({
        let query = query.clone();
        move |previous: Option<ListQuery>| {
            let current = query.get();
            if previous.is_some_and(|p| p != current) {
                selection.clear();
            }
            current
        }
    });
    let feed = LiveFeed::new();
    let list_info = StoredValue::new(export::ListInfo::default());
    provide_context(feed);
    provide_context(ReloadList(Callback::new(move |_| listing.refetch())));

    let navigate = use_navigate();
    let close_drawer = Callback::new({
        let navigate = navigate.clone();
        move |_| {
            let href = url.read_untracked().with_contact(None).href();
            navigate(&href, Default::default());
        }
    });
    let set_edit = Callback::new(move |edit: bool| {
        let href = url.read_untracked().with_edit(edit).href();
        navigate(&href, Default::default());
    });
    // The drawer stays as it is while only other parts of the URL change.
    let open_contact = Memo::new(move |_| url.try_with(|u| u.contact).flatten());
    let editing = Signal::derive(move || url.try_with(|u| u.edit).unwrap_or(false));

    view! {
        <Title text="All Contacts"/>
        <Shell>
            <header class="page-header">
                <div>
                    <h1>"All Contacts"</h1>
                    <p class="subtitle">"Everyone who ever wrote to your workspace."</p>
                </div>
                <span class="loading-indicator" role="status" aria-live="polite">
                    {{
                        let pending = pending.clone();
                        move || if pending.get() { "Loading…" } else { "" }
                    }}
                </span>
                // Outside the list's suspense: a reload of the list (after an
                // import, say) must not close these dialogs.
                <div class="page-actions">
                    <AdminOnly>
                        <import::ImportButton/>
                        <export::ExportButton url=url.read_only() info=list_info/>
                    </AdminOnly>
                </div>
            </header>
            <div class="toolbar">
                <search::SearchBox url=url.read_only()/>
                <live::LiveToggle query=query.clone() feed/>
            </div>
            <Transition
                fallback=|| view! { <TableSkeleton/> }
                set_pending=set_pending
            >
                {move || {
                let viewer = use_context::<ViewerResource>();
                let pending = pending.clone();
                Suspend::new(async move {
                    // What the role may not do is not shown (the server refuses it too).
                    let admin = match viewer {
                        Some(viewer) => viewer.0.await.is_ok_and(|v| v.is_admin()),
                        None => false,
                    };
                    match listing.await {
                        Ok(Listing::Page(page)) => {
                            let page = *page;
                            // Live mode compares the counter with what this page shows.
                            feed.seq.try_set_value(page.workspace.change_seq);
                            let has_conversation_fields = !page.conversation_fields.is_empty();
                            // Untracked: the table follows the listing, not every URL change
                            // (opening the drawer must not re-render it). `try_` because a
                            // server render can outlive the page's owner (see the notes).
                            let url = url.try_get_untracked().unwrap_or_default();
                            // The total, or its count on the way (filled in the browser).
                            let total: total::Total = RwSignal::new(page.total);
                            total::fill(total, url.list_query());
                            Effect::new(move |_| {
                                list_info.try_set_value(export::ListInfo {
                                    total: total.get(),
                                    has_conversation_fields,
                                });
                            });
                            let narrowed = !url.q.trim().is_empty()
                                || !url.filter.conditions.is_empty()
                                || url.segment.is_some();
                            // Agents use segments as they are: redefining one is for admins.
                            let filter_bar = (admin || page.segment.is_none()).then(|| view! {
                                <filters::FilterBar url=url.clone() schema=page.schema() segment=page.segment.clone() admin/>
                            });
                            let bars = view! {
                                <div class="list-bar">
                                    <segments::SegmentPicker url=url.clone() segments=page.segments.clone()/>
                                    {filter_bar}
                                    <columns::ColumnsButton schema=page.schema() columns=page.columns.clone()/>
                                </div>
                                {page.segment.clone().map(|segment| view! {
                                    <segments::SegmentBanner url=url.clone() segment total admin/>
                                })}
                            }
                            // Erased: the whole toolbar's type is too deep for the compiler.
                            .into_any();
                            let may_have_next = page.may_have_next();
                            let body = if page.total == Some(0) && narrowed {
                                view! { <NoMatches url=url.clone()/> }.into_any()
                            } else if page.total == Some(0) {
                                view! { <EmptyWorkspace name=page.workspace.name.clone()/> }.into_any()
                            } else {
                                view! {
                                    <div class="table-card" class:stale=move || pending.get()>
                                        <table::ContactsTable page url=url.clone() total admin/>
                                    </div>
                                    <pagination::Pagination url total may_have_next/>
                                }
                                .into_any()
                            };
                            view! { {bars} {body} }.into_any()
                        }
                        Err(err @ AppError::Invalid { .. }) => {
                            // A filter from an old link can name a field that no longer
                            // exists: say which condition, and offer a way out.
                            let clear = url
                                .try_get_untracked()
                                .unwrap_or_default()
                                .with_filter(Default::default())
                                .href();
                            view! {
                                <div class="state error" role="alert">
                                    <h2>"This filter cannot be applied"</h2>
                                    <p>{err.to_string()}</p>
                                    <a class="button" href=clear>"Clear filters"</a>
                                </div>
                            }
                            .into_any()
                        }
                        Err(err) => view! { <LoadError err retry=move || listing.refetch()/> }.into_any(),
                    }
                })
                }}
            </Transition>
            {move || {
                open_contact
                    .try_get()
                    .flatten()
                    .map(|id| view! { <details::DetailsDrawer id edit=editing set_edit on_close=close_drawer/> })
            }}
        </Shell>
    }
    .into_any()
}

#[component]
fn TableSkeleton() -> impl IntoView {
    view! {
        <div class="table-card skeleton" role="status" aria-label="Loading contacts">
            {(0..10).map(|_| view! { <div class="skeleton-row"></div> }).collect_view()}
        </div>
    }
}

#[component]
fn EmptyWorkspace(name: String) -> impl IntoView {
    view! {
        <div class="state">
            <h2>"No contacts yet"</h2>
            <p>{format!("The workspace “{name}” has no contacts. New people appear here as soon as they write to you.")}</p>
        </div>
    }
}

#[component]
fn NoMatches(url: ContactsUrl) -> impl IntoView {
    let (message, action, href) = if !url.q.trim().is_empty() {
        (
            format!("Nothing matches “{}”. Check the spelling or search for part of a name, email or phone.", url.q.trim()),
            "Clear the search",
            url.with_q("").href(),
        )
    } else if url.segment.is_some() {
        (
            "No contact matches this segment right now.".to_string(),
            "Show all contacts",
            url.with_segment(None).href(),
        )
    } else {
        (
            "No contact meets these conditions.".to_string(),
            "Clear filters",
            url.with_filter(Default::default()).href(),
        )
    };
    view! {
        <div class="state" role="status">
            <h2>"No contacts match"</h2>
            <p>{message}</p>
            <a class="button" href=href>{action}</a>
        </div>
    }
}

/// Reloads the list after a change the URL does not show (a segment renamed or
/// redefined).
#[derive(Clone, Copy)]
pub struct ReloadList(pub Callback<()>);

#[component]
fn LoadError(err: AppError, retry: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    if err == AppError::Unauthorized {
        return view! {
            <div class="state error" role="alert">
                <h2>"You are signed out"</h2>
                <p>{err.to_string()}</p>
                <a class="button" href=crate::accounts::SIGN_IN_PATH>"Sign in"</a>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="state error" role="alert">
            <h2>"Contacts could not be loaded"</h2>
            <p>{err.to_string()}</p>
            <button class="button" on:click=move |_| retry()>"Try again"</button>
        </div>
    }
    .into_any()
}
