//! Viewing Contact Details: the drawer with the full profile, custom fields and
//! recent conversations with their latest messages, labels and status. In edit
//! mode it holds the contact editor.

use super::editor::ContactEditor;
use super::table::Avatar;
use crate::domain::{ContactDetails, ConversationSummary, FieldDef};
use crate::error::AppError;
use crate::format;
use leptos::server_fn::codec::Json;
use leptos::{html, prelude::*};
use leptos_meta::Title;

/// How many conversations the drawer shows, newest first.
pub const RECENT_CONVERSATIONS: i64 = 5;
/// How many of each conversation's latest messages the drawer shows.
pub const MESSAGES_PER_CONVERSATION: i64 = 3;

// JSON in and out: simple to call from tests and other clients.
#[server(input = Json)]
pub async fn get_contact_details(id: i64) -> Result<ContactDetails, AppError> {
    use crate::store::{current_workspace, respond, store};
    respond(async move {
        let workspace = current_workspace().await?;
        store()?
            .contact_details(workspace.id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("This contact".into()))
    })
    .await
}

#[component]
pub fn DetailsDrawer(
    id: i64,
    /// Whether the drawer shows the contact editor.
    edit: Signal<bool>,
    /// Switches between viewing and editing.
    set_edit: Callback<bool>,
    on_close: Callback<()>,
) -> impl IntoView {
    let details = crate::json::resource(move || id, get_contact_details);
    let reload = use_context::<super::ReloadList>();
    let on_saved = Callback::new(move |_| {
        details.refetch();
        set_edit.run(false);
        if let Some(super::ReloadList(reload)) = reload {
            reload.run(());
        }
    });
    let on_cancel = Callback::new(move |_| set_edit.run(false));
    let close_button = NodeRef::<html::Button>::new();
    // Focus moves into the drawer when it opens, so keyboard users land in it.
    Effect::new(move |_| {
        if let Some(button) = close_button.get() {
            let _ = button.focus();
        }
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    };

    view! {
        <div class="drawer-backdrop" on:click=move |_| on_close.run(())></div>
        <aside
            class="drawer"
            role="dialog"
            aria-modal="true"
            aria-labelledby="drawer-title"
            on:keydown=on_keydown
        >
            <header class="drawer-header">
                <h2 id="drawer-title">
                    {move || if edit.get() { "Edit contact" } else { "Contact details" }}
                </h2>
                <button
                    class="icon-button"
                    node_ref=close_button
                    aria-label="Close contact details"
                    on:click=move |_| on_close.run(())
                >
                    <span aria-hidden="true">"✕"</span>
                </button>
            </header>
            <Suspense fallback=|| view! { <p class="drawer-loading" role="status">"Loading contact…"</p> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok(details) => view! {
                            {move || if edit.get() {
                                view! {
                                    <div class="drawer-body">
                                        <ContactEditor details=details.clone() on_saved on_cancel/>
                                    </div>
                                }
                                .into_any()
                            } else {
                                view! {
                                    <div class="drawer-tools">
                                        <button type="button" class="button" on:click=move |_| set_edit.run(true)>
                                            "Edit contact"
                                        </button>
                                    </div>
                                    <DetailsBody details=details.clone()/>
                                }
                                .into_any()
                            }}
                        }
                        .into_any(),
                        Err(err) => view! {
                            <div class="state" role="alert">
                                <p>{err.to_string()}</p>
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </aside>
    }
    .into_any()
}

#[component]
fn DetailsBody(details: ContactDetails) -> impl IntoView {
    let c = details.contact.clone();
    let now = details.now;
    let name = if c.name.trim().is_empty() {
        "Unnamed contact".to_string()
    } else {
        c.name.clone()
    };
    let fields = field_list(&details.fields, |id| c.field(id).map(str::to_string));
    let conversations = details
        .conversations
        .iter()
        .map(|conv| view! { <ConversationCard conv=conv.clone() fields=details.conversation_fields.clone() now/> })
        .collect_view();
    let more = details.conversation_count - details.conversations.len() as i64;

    view! {
        <Title text=name.clone()/>
        <div class="drawer-body">
            <section class="profile" aria-label="Profile">
                <Avatar name=name.clone() url=c.avatar_url.clone() color=c.avatar_color.clone()/>
                <div>
                    <p class="profile-name">{name.clone()}</p>
                    <p class="muted">
                        "Created "
                        <time datetime=format::iso_time(c.created_at) title=format::exact_time(c.created_at)>
                            {format::time_ago(now, c.created_at)}
                        </time>
                    </p>
                </div>
            </section>
            <dl class="facts">
                <dt>"Email"</dt>
                <dd>{c.email.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Phone"</dt>
                <dd>{c.phone.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Image"</dt>
                <dd class="break">{c.avatar_url.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Campaign opt-in"</dt>
                <dd>{if c.campaign_opt_in { "Yes" } else { "No" }}</dd>
                <dt>"Last interaction"</dt>
                <dd>
                    {c.last_interaction_at
                        .map(|at| format!("{} ({})", format::time_ago(now, at), format::exact_time(at)))
                        .unwrap_or_else(|| "No messages yet".into())}
                </dd>
            </dl>
            <section aria-labelledby="custom-fields-title">
                <h3 id="custom-fields-title">"Custom fields"</h3>
                {fields}
            </section>
            <section aria-labelledby="conversations-title">
                <h3 id="conversations-title">
                    "Recent conversations "
                    <span class="count-badge">{details.conversation_count}</span>
                </h3>
                {if details.conversations.is_empty() {
                    view! { <p class="muted">"No conversations yet."</p> }.into_any()
                } else {
                    view! { <ol class="conversations">{conversations}</ol> }.into_any()
                }}
                {(more > 0).then(|| view! {
                    <p class="muted">{format!("and {} older", format::plural(more, "conversation", "conversations"))}</p>
                })}
            </section>
        </div>
    }
    .into_any()
}

fn field_list(defs: &[FieldDef], value: impl Fn(i64) -> Option<String>) -> AnyView {
    if defs.is_empty() {
        return view! { <p class="muted">"No custom fields in this workspace."</p> }.into_any();
    }
    let items = defs
        .iter()
        .map(|f| {
            let shown = value(f.id)
                .map(|v| format::field_value(f.field_type, &v))
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "—".into());
            view! {
                <dt>{f.label.clone()}</dt>
                <dd>{shown}</dd>
            }
        })
        .collect_view();
    view! { <dl class="facts">{items}</dl> }.into_any()
}

#[component]
fn ConversationCard(conv: ConversationSummary, fields: Vec<FieldDef>, now: i64) -> impl IntoView {
    let labels = conv
        .labels
        .iter()
        .map(|l| view! { <li class="label" style=format!("--label: {}", l.color)>{l.name.clone()}</li> })
        .collect_view();
    let field_values = fields
        .iter()
        .filter_map(|f| {
            conv.fields.iter().find(|v| v.field_id == f.id).map(|v| {
                format!(
                    "{}: {}",
                    f.label,
                    format::field_value(f.field_type, &v.value)
                )
            })
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let messages = conv
        .messages
        .iter()
        .map(|m| {
            let who = if m.incoming { "Contact" } else { "Agent" };
            view! {
                <li class="message" class:incoming=m.incoming>
                    <span class="message-meta">
                        {who} " · "
                        <time datetime=format::iso_time(m.created_at) title=format::exact_time(m.created_at)>
                            {format::time_ago(now, m.created_at)}
                        </time>
                    </span>
                    <p>{m.body.clone()}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <li class="conversation">
            <div class="conversation-head">
                <span class="conversation-id">{format!("#{}", conv.id)}</span>
                <span class=format!("status status-{}", conv.status)>{conv.status.clone()}</span>
                <span class="muted">
                    {format::plural(conv.message_count, "message", "messages")}
                </span>
            </div>
            {(!conv.labels.is_empty()).then(|| view! { <ul class="labels" aria-label="Labels">{labels}</ul> })}
            {(!field_values.is_empty()).then(|| view! { <p class="muted small">{field_values}</p> })}
            <ol class="messages" aria-label="Latest messages">{messages}</ol>
        </li>
    }
    .into_any()
}
