//! The table itself: one row per contact, with the spec's columns.

use super::bulk_delete::ActionBar;
use super::inline_edit::{EditableCell, OptInSwitch};
use super::live::LiveFeed;
use super::url::ContactsUrl;
use crate::domain::{ContactPage, ContactRow, EditField, FieldDef, SortKey};
use crate::filter::FieldRef;
use crate::format;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use std::collections::HashSet;

/// Which contacts are ticked, shared by the rows, the header checkbox and the
/// action bar. `all_matching` means every contact of the current list, across pages.
#[derive(Clone, Copy)]
pub struct Selection {
    pub ids: RwSignal<HashSet<i64>>,
    pub all_matching: RwSignal<bool>,
}

impl Selection {
    pub fn new() -> Self {
        Selection {
            ids: RwSignal::new(HashSet::new()),
            all_matching: RwSignal::new(false),
        }
    }

    pub fn clear(&self) {
        self.ids.set(HashSet::new());
        self.all_matching.set(false);
    }
}

impl Default for Selection {
    fn default() -> Self {
        Self::new()
    }
}

/// The rows shown, each its own signal so a refresh updates cells in place.
type Rows = RwSignal<Vec<(i64, ArcRwSignal<ContactRow>)>>;

/// Merges a fresh page into the rows shown: changed rows update in place, new
/// ones are added, and rows no longer on the page go.
fn merge(rows: Rows, fresh: &[ContactRow]) {
    let current = rows.get_untracked();
    let next: Vec<(i64, ArcRwSignal<ContactRow>)> = fresh
        .iter()
        .map(|row| match current.iter().find(|(id, _)| *id == row.id) {
            Some((id, signal)) => {
                if signal.with_untracked(|old| old != row) {
                    signal.set(row.clone());
                }
                (*id, signal.clone())
            }
            None => (row.id, ArcRwSignal::new(row.clone())),
        })
        .collect();
    let same_ids =
        next.len() == current.len() && next.iter().zip(&current).all(|(a, b)| a.0 == b.0);
    if !same_ids {
        rows.set(next);
    }
}

#[component]
pub fn ContactsTable(
    page: ContactPage,
    url: ContactsUrl,
    /// The list's total, `None` while it is counted.
    total: super::total::Total,
    /// Selecting is only for bulk delete, which is for admins.
    admin: bool,
) -> impl IntoView {
    let selection = expect_context::<Selection>();
    let selected = selection.ids;
    let query = url.list_query();
    let rows: Rows = RwSignal::new(
        page.rows
            .iter()
            .map(|r| (r.id, ArcRwSignal::new(r.clone())))
            .collect(),
    );
    let now = RwSignal::new(page.now);
    // Live mode hands over fresh pages; only one for this very list is merged.
    if let Some(feed) = use_context::<LiveFeed>() {
        Effect::new(move |_| {
            feed.page.with(|fresh| {
                if let Some((asked, fresh)) = fresh {
                    if *asked == query {
                        merge(rows, &fresh.rows);
                        // Something changed: the old total no longer holds.
                        total.set(fresh.total);
                        super::total::fill(total, query.clone());
                        now.set(fresh.now);
                    }
                }
            })
        });
    }
    let page_ids = move || rows.with(|rows| rows.iter().map(|(id, _)| *id).collect::<Vec<_>>());
    let all_on_page = move || {
        let ids = page_ids();
        selection.all_matching.get()
            || (!ids.is_empty() && ids.iter().all(|id| selected.read().contains(id)))
    };
    let toggle_page = move |_| {
        let ids = page_ids();
        let select = !ids.iter().all(|id| selected.read_untracked().contains(id));
        selection.all_matching.set(false);
        selected.update(|set| {
            for id in &ids {
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
    let column_count = 7 + usize::from(admin) + columns.len();
    let first = if page.rows.is_empty() {
        0
    } else {
        i64::from(page.page.saturating_sub(1)) * i64::from(page.per_page) + 1
    };
    let shown = move || rows.with(|r| r.len() as i64);
    let footer = move || {
        let range = format!(
            "Showing {}–{}",
            format::count(first),
            format::count(first + shown() - 1)
        );
        match total.get() {
            Some(0) => "No contacts found".to_string(),
            _ if shown() == 0 => "No contacts on this page".to_string(),
            Some(total) => format!(
                "{range} of {}",
                format::plural(total, "contact", "contacts")
            ),
            None => format!("{range} · counting…"),
        }
    };
    let header_columns = columns.clone();
    let row_url = url.clone();

    view! {
        <div class="table-scroll">
            <table class="contacts-table" aria-describedby="contacts-total">
                <caption class="visually-hidden">"All contacts in this workspace"</caption>
                <thead>
                    <tr>
                        {admin.then(|| view! {
                            <th scope="col" class="col-select">
                                <input
                                    type="checkbox"
                                    aria-label="Select all contacts on this page"
                                    prop:checked=all_on_page
                                    on:change=toggle_page
                                />
                            </th>
                        })}
                        <SortableHeader label="Name" key=SortKey::Name url=url.clone()/>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Phone"</th>
                        <SortableHeader label="Created At" key=SortKey::CreatedAt url=url.clone()/>
                        <SortableHeader label="Last Interaction" key=SortKey::LastInteraction url=url.clone()/>
                        <th scope="col">"Campaign Opt-in"</th>
                        {header_columns
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
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|(id, _)| *id
                        children=move |(_, row)| {
                            view! {
                                <ContactTableRow row=row.into() columns=columns.clone() now url=row_url.clone() admin/>
                            }
                        }
                    />
                </tbody>
                <tfoot>
                    <tr>
                        <td colspan=column_count id="contacts-total" class="table-total">
                            {footer}
                        </td>
                    </tr>
                </tfoot>
            </table>
        </div>
        {admin.then(|| view! { <ActionBar query=url.list_query() total page_size=page.rows.len()/> })}
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

fn display_name(row: &ContactRow) -> String {
    if row.name.trim().is_empty() {
        "Unnamed contact".to_string()
    } else {
        row.name.clone()
    }
}

#[component]
fn ContactTableRow(
    row: RwSignal<ContactRow>,
    columns: Vec<(FieldRef, FieldDef)>,
    now: RwSignal<i64>,
    url: ContactsUrl,
    admin: bool,
) -> impl IntoView {
    let selection = expect_context::<Selection>();
    let selected = selection.ids;
    let (id, created_at, name) = row.with_untracked(|r| (r.id, r.created_at, display_name(r)));
    let href = url.with_contact(Some(id)).href();
    let edit_href = url.with_contact(Some(id)).with_edit(true).href();
    let navigate = use_navigate();
    let open = {
        let href = href.clone();
        move |_| navigate(&href, Default::default())
    };
    let is_selected = move || selection.all_matching.get() || selected.read().contains(&id);
    let toggle = move |_| {
        if selection.all_matching.get_untracked() {
            // Leaving "all matching": keep the rest of this page ticked.
            selection.all_matching.set(false);
        }
        selected.update(|set| {
            if !set.remove(&id) {
                set.insert(id);
            }
        })
    };
    let field_cells = columns
        .iter()
        .map(|(field, def)| match field {
            FieldRef::Custom(field_id) => view! {
                <EditableCell
                    row
                    field=EditField::Custom(*field_id)
                    def=def.clone()
                    label=format!("{} of {name}", def.label)
                    class="field"
                />
            }
            .into_any(),
            FieldRef::Conversation(field_id) => {
                let (field_id, field_type) = (*field_id, def.field_type);
                view! {
                    <td class="field conversation-field">
                        {move || row.with(|r| {
                            r.conversation_field(field_id)
                                .map(|v| format::field_value(field_type, v))
                                .unwrap_or_default()
                        })}
                    </td>
                }
                .into_any()
            }
            _ => view! { <td class="field"></td> }.into_any(),
        })
        .collect_view();
    let last_interaction = move || {
        let (at, message) = row.with(|r| (r.last_interaction_at, r.last_message.clone()));
        match at {
            Some(at) => {
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
                        <time datetime=format::iso_time(at)>{format::time_ago(now.get(), at)}</time>
                        <span class="tip" role="tooltip" id=tip_id>{preview}</span>
                    </span>
                }
                .into_any()
            }
            None => view! { <span class="muted">"No messages"</span> }.into_any(),
        }
    };
    let avatar = move || {
        row.with(|r| {
            view! { <Avatar name=display_name(r) url=r.avatar_url.clone() color=r.avatar_color.clone()/> }
        })
    };

    view! {
        <tr class="contact-row" class:selected=is_selected on:click=open data-contact-id=id>
            {admin.then(|| view! {
                <td class="col-select" on:click=|ev| ev.stop_propagation()>
                    <input
                        type="checkbox"
                        aria-label=format!("Select {name}")
                        prop:checked=is_selected
                        on:change=toggle
                    />
                </td>
            })}
            <th scope="row" class="col-name">
                <span class="name-cell">
                    {avatar}
                    <a href=href.clone() class="contact-link" on:click=|ev| ev.prevent_default()>
                        {move || row.with(display_name)}
                    </a>
                </span>
            </th>
            <EditableCell row field=EditField::Email label=format!("email of {name}") class="col-email"/>
            <EditableCell row field=EditField::Phone label=format!("phone of {name}") class="col-phone"/>
            <td class="col-date">
                <time datetime=format::iso_time(created_at) title=format::exact_time(created_at)>
                    {move || format::time_ago(now.get(), created_at)}
                </time>
            </td>
            <td class="col-date">{last_interaction}</td>
            <OptInSwitch row label=format!("Campaign opt-in for {name}")/>
            {field_cells}
            <td class="col-actions" on:click=|ev| ev.stop_propagation()>
                <a class="icon-button" href=edit_href aria-label=format!("Edit {name}")>
                    <span aria-hidden="true">"✎"</span>
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
