//! The table itself: one row per contact, with the spec's columns.

use super::url::ContactsUrl;
use crate::domain::{ContactPage, ContactRow, FieldDef, SortKey};
use crate::filter::FieldRef;
use crate::format;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use std::collections::HashSet;

/// Which contacts are ticked, shared by the rows and the header checkbox.
#[derive(Clone, Copy)]
pub struct Selection(pub RwSignal<HashSet<i64>>);

#[component]
pub fn ContactsTable(page: ContactPage, url: ContactsUrl) -> impl IntoView {
    let Selection(selected) = expect_context::<Selection>();
    let page_ids: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
    let all_on_page = {
        let ids = page_ids.clone();
        move || !ids.is_empty() && ids.iter().all(|id| selected.read().contains(id))
    };
    let toggle_page = move |_| {
        let select = !page_ids
            .iter()
            .all(|id| selected.read_untracked().contains(id));
        selected.update(|set| {
            for id in &page_ids {
                if select {
                    set.insert(*id);
                } else {
                    set.remove(id);
                }
            }
        });
    };
    let schema = page.schema();
    // The chosen field columns, in order, with their definitions.
    let columns: Vec<(FieldRef, FieldDef)> = page
        .columns
        .iter()
        .filter_map(|c| schema.def(*c).map(|d| (*c, d.clone())))
        .collect();
    let column_count = 8 + columns.len();
    let now = page.now;
    let total = page.total;
    let first = if page.rows.is_empty() {
        0
    } else {
        i64::from(page.page.saturating_sub(1)) * i64::from(page.per_page) + 1
    };
    let last = first + page.rows.len() as i64 - 1;

    let rows = page
        .rows
        .into_iter()
        .map(|row| {
            view! {
                <ContactTableRow row columns=columns.clone() now url=url.clone()/>
            }
        })
        .collect_view();

    view! {
        <div class="table-scroll">
            <table class="contacts-table" aria-describedby="contacts-total">
                <caption class="visually-hidden">"All contacts in this workspace"</caption>
                <thead>
                    <tr>
                        <th scope="col" class="col-select">
                            <input
                                type="checkbox"
                                aria-label="Select all contacts on this page"
                                prop:checked=all_on_page
                                on:change=toggle_page
                            />
                        </th>
                        <SortableHeader label="Name" key=SortKey::Name url=url.clone()/>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Phone"</th>
                        <SortableHeader label="Created At" key=SortKey::CreatedAt url=url.clone()/>
                        <SortableHeader label="Last Interaction" key=SortKey::LastInteraction url=url.clone()/>
                        <th scope="col">"Campaign Opt-in"</th>
                        {columns
                            .iter()
                            .map(|(field, def)| match field {
                                FieldRef::Conversation(_) => view! {
                                    <th scope="col" class="conversation-field" title="From the latest conversation">
                                        {def.label.clone()}
                                    </th>
                                }
                                .into_any(),
                                FieldRef::Custom(id) => view! {
                                    <SortableHeader label=def.label.clone() key=SortKey::Field(*id) url=url.clone()/>
                                }
                                .into_any(),
                                _ => view! { <th scope="col">{def.label.clone()}</th> }.into_any(),
                            })
                            .collect_view()}
                        <th scope="col" class="col-actions">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr>
                        <td colspan=column_count id="contacts-total" class="table-total">
                            {if total == 0 {
                                "No contacts found".to_string()
                            } else {
                                format!(
                                    "Showing {}–{} of {}",
                                    format::count(first),
                                    format::count(last),
                                    format::plural(total, "contact", "contacts"),
                                )
                            }}
                        </td>
                    </tr>
                </tfoot>
            </table>
        </div>
    }
    .into_any()
}

/// A column header that sorts by its column; a second click reverses the order.
#[component]
fn SortableHeader(#[prop(into)] label: String, key: SortKey, url: ContactsUrl) -> impl IntoView {
    let active = url.sort.key == key;
    let aria_sort = match (active, url.sort.descending) {
        (false, _) => "none",
        (true, true) => "descending",
        (true, false) => "ascending",
    };
    let arrow = match (active, url.sort.descending) {
        (false, _) => "↕",
        (true, true) => "↓",
        (true, false) => "↑",
    };
    let href = url.with_sort(url.sort.toggled(key)).href();
    view! {
        <th scope="col" aria-sort=aria_sort class="sortable" class:sorted=active>
            <a href=href class="sort-link">
                {label}
                <span class="sort-arrow" aria-hidden="true">{arrow}</span>
            </a>
        </th>
    }
}

#[component]
fn ContactTableRow(
    row: ContactRow,
    columns: Vec<(FieldRef, FieldDef)>,
    now: i64,
    url: ContactsUrl,
) -> impl IntoView {
    let Selection(selected) = expect_context::<Selection>();
    let id = row.id;
    let href = url.with_contact(Some(id)).href();
    let navigate = use_navigate();
    let open = {
        let href = href.clone();
        move |_| navigate(&href, Default::default())
    };
    let is_selected = move || selected.read().contains(&id);
    let toggle = move |_| {
        selected.update(|set| {
            if !set.remove(&id) {
                set.insert(id);
            }
        })
    };
    let name = if row.name.trim().is_empty() {
        "Unnamed contact".to_string()
    } else {
        row.name.clone()
    };
    let field_cells = columns
        .iter()
        .map(|(field, def)| {
            let (raw, class) = match field {
                FieldRef::Conversation(id) => {
                    (row.conversation_field(*id), "field conversation-field")
                }
                FieldRef::Custom(id) => (row.field(*id), "field"),
                _ => (None, "field"),
            };
            let value = raw
                .map(|v| format::field_value(def.field_type, v))
                .unwrap_or_default();
            view! { <td class=class>{value}</td> }
        })
        .collect_view();
    let last_interaction = match (row.last_interaction_at, row.last_message.clone()) {
        (Some(at), message) => {
            let tip_id = format!("last-message-{id}");
            let described_by = tip_id.clone();
            let preview = message
                .map(|m| {
                    let who = if m.incoming { "Contact" } else { "Agent" };
                    format!("{who}: {}", format::preview(&m.body, 140))
                })
                .unwrap_or_default();
            view! {
                <span class="has-tip" tabindex="0" aria-describedby=described_by>
                    <time datetime=format::iso_time(at)>{format::time_ago(now, at)}</time>
                    <span class="tip" role="tooltip" id=tip_id>{preview}</span>
                </span>
            }
            .into_any()
        }
        (None, _) => view! { <span class="muted">"No messages"</span> }.into_any(),
    };

    view! {
        <tr class="contact-row" class:selected=is_selected on:click=open data-contact-id=id>
            <td class="col-select" on:click=|ev| ev.stop_propagation()>
                <input
                    type="checkbox"
                    aria-label=format!("Select {name}")
                    prop:checked=is_selected
                    on:change=toggle
                />
            </td>
            <th scope="row" class="col-name">
                <span class="name-cell">
                    <Avatar name=name.clone() url=row.avatar_url.clone() color=row.avatar_color.clone()/>
                    <a href=href.clone() class="contact-link" on:click=|ev| ev.prevent_default()>
                        {name.clone()}
                    </a>
                </span>
            </th>
            <td class="col-email">{row.email.clone().unwrap_or_default()}</td>
            <td class="col-phone">{row.phone.clone().unwrap_or_default()}</td>
            <td class="col-date">
                <time datetime=format::iso_time(row.created_at) title=format::exact_time(row.created_at)>
                    {format::time_ago(now, row.created_at)}
                </time>
            </td>
            <td class="col-date">{last_interaction}</td>
            <td class="col-optin">
                <input
                    type="checkbox"
                    role="switch"
                    class="switch"
                    disabled
                    checked=row.campaign_opt_in
                    aria-label=format!("Campaign opt-in for {name}")
                />
            </td>
            {field_cells}
            <td class="col-actions" on:click=|ev| ev.stop_propagation()>
                <a class="icon-button" href=href aria-label=format!("Open details for {name}")>
                    <span aria-hidden="true">"⋯"</span>
                </a>
            </td>
        </tr>
    }
    .into_any()
}

/// An image avatar, or initials on the contact's color when there is none or it fails.
#[component]
pub fn Avatar(name: String, url: Option<String>, color: String) -> impl IntoView {
    let initials = format::initials(&name);
    view! {
        <span class="avatar" style=format!("--avatar: {color}") aria-hidden="true">
            <span class="initials">{initials}</span>
            {url.map(|src| view! { <img src=src alt="" loading="lazy" onerror="this.remove()"/> })}
        </span>
    }
}
