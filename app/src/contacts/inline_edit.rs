//! Editing contacts inline: email, phone and custom fields are edited in their
//! cells (Enter or clicking away saves, Escape cancels), campaign opt-in with a
//! switch that saves at once. Each save is checked against the version the user
//! saw, so nobody's change is overwritten silently.

use crate::domain::{ContactRow, EditField, FieldChange, FieldDef, FieldType, SavedContact};
use crate::error::AppError;
use crate::format;
use crate::validate;
use leptos::server_fn::codec::Json;
use leptos::{html, prelude::*};

/// The most changes one save may carry (the editor's fields).
pub const MAX_CHANGES: usize = 64;

#[server(input = Json)]
pub async fn save_contact(
    id: i64,
    version: i64,
    changes: Vec<FieldChange>,
) -> Result<SavedContact, AppError> {
    use crate::domain::SaveOutcome;
    use crate::store::{current_workspace, respond, store};
    respond(async move {
        if changes.is_empty() || changes.len() > MAX_CHANGES {
            return Err(AppError::invalid("changes", "Nothing to save."));
        }
        let ws = current_workspace().await?;
        let fields = store()?.contact_fields(ws.id).await?;
        let clean = changes
            .iter()
            .map(|c| {
                validate::change(&fields, c)
                    .map_err(|message| AppError::invalid(c.field.key(), message))
            })
            .collect::<Result<Vec<_>, _>>()?;
        match store()?.save_contact(ws.id, id, version, &clean).await? {
            SaveOutcome::Saved(saved) => Ok(saved),
            SaveOutcome::Conflict { field, current } => Err(conflict(field, current)),
            SaveOutcome::NotFound => Err(AppError::NotFound("This contact".into())),
        }
    })
    .await
}

/// The conflict a person reads: what the value is now, and that theirs was kept
/// in the editor but not saved.
pub fn conflict(field: EditField, current: Option<String>) -> AppError {
    let message = match &current {
        Some(now) if field == EditField::CampaignOptIn => format!(
            "Someone else switched this {} while you were editing. Your change was not saved.",
            if now == "true" { "on" } else { "off" }
        ),
        Some(now) => format!(
            "Someone else changed this to “{now}” while you were editing. Your change was not saved: save again to replace it, or press Escape to keep theirs."
        ),
        None => "Someone else cleared this while you were editing. Your change was not saved: save again to replace it, or press Escape to keep theirs.".to_string(),
    };
    AppError::Conflict {
        field: field.key(),
        message,
        current,
    }
}

/// Where a cell's save stands.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveState {
    Idle,
    Saving,
    Saved,
    /// Not saved: the reason, shown next to the value (invalid, conflict, failure).
    Problem(String),
}

/// Applies what a save stored to the row shown.
pub fn apply_saved(row: &mut ContactRow, saved: SavedContact) {
    for (field, value) in saved.values {
        field.set_in(row, value);
    }
    row.version = saved.version;
}

/// The "Saved" note goes after two seconds, unless something else replaced it.
fn fade_saved(state: RwSignal<SaveState>) {
    set_timeout(
        move || {
            if state.try_get_untracked() == Some(SaveState::Saved) {
                state.set(SaveState::Idle);
            }
        },
        std::time::Duration::from_secs(2),
    );
}

/// How a value is typed in its cell.
fn input_type(field: EditField, def: Option<&FieldDef>) -> &'static str {
    match (field, def.map(|d| d.field_type)) {
        (EditField::Email, _) | (_, Some(FieldType::Email)) => "email",
        (EditField::Phone, _) | (_, Some(FieldType::Phone)) => "tel",
        (_, Some(FieldType::Url)) => "url",
        (_, Some(FieldType::Number)) => "number",
        (_, Some(FieldType::Date)) => "date",
        _ => "text",
    }
}

/// A table cell whose value is edited in place.
#[component]
pub fn EditableCell(
    row: RwSignal<ContactRow>,
    field: EditField,
    /// The custom field's definition (for custom fields).
    #[prop(optional)]
    def: Option<FieldDef>,
    /// What the value is, for screen readers: "Email of Ann Lee".
    label: String,
    class: &'static str,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let state = RwSignal::new(SaveState::Idle);
    // The value and version the edit started from: what the save is checked against.
    let base = StoredValue::new((None::<String>, 0_i64));
    let id = row.with_untracked(|r| r.id);
    let key = field.key();
    let message_id = format!("msg-{id}-{key}");
    let defs: Vec<FieldDef> = def.clone().into_iter().collect();
    let field_type = def.as_ref().map(|d| d.field_type);
    let options = def.as_ref().map(|d| d.options.clone()).unwrap_or_default();

    let shown = move || {
        row.with(|r| field.value_in(r)).map(|v| match field_type {
            Some(t) => format::field_value(t, &v),
            None => v,
        })
    };

    let start = move |ev: leptos::ev::MouseEvent| {
        ev.stop_propagation();
        let (value, version) = row.with_untracked(|r| (field.value_in(r), r.version));
        draft.set(value.clone().unwrap_or_default());
        base.set_value((value, version));
        state.set(SaveState::Idle);
        editing.set(true);
    };
    let cancel = move || {
        editing.set(false);
        state.set(SaveState::Idle);
    };
    let save = Callback::new(move |_: ()| {
        if !editing.get_untracked() || state.get_untracked() == SaveState::Saving {
            return;
        }
        let (expected, version) = base.get_value();
        let change = FieldChange {
            field,
            expected: expected.clone(),
            value: draft.get_untracked(),
        };
        let clean = match validate::change(&defs, &change) {
            Ok(clean) => clean,
            Err(problem) => {
                state.set(SaveState::Problem(problem));
                return;
            }
        };
        if clean.value == expected {
            // Nothing changed: close without a round trip.
            cancel();
            return;
        }
        state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            match save_contact(id, version, vec![change]).await {
                Ok(saved) => {
                    row.update(|r| apply_saved(r, saved));
                    editing.set(false);
                    state.set(SaveState::Saved);
                    fade_saved(state);
                }
                Err(AppError::Conflict {
                    message, current, ..
                }) => {
                    // The user has now seen the current value: saving again replaces it.
                    base.set_value((current, version));
                    state.set(SaveState::Problem(message));
                }
                Err(err) => state.set(SaveState::Problem(err.to_string())),
            }
        });
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            ev.prevent_default();
            save.run(());
        }
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            cancel();
        }
        _ => {}
    };

    let input_ref = NodeRef::<html::Input>::new();
    let select_ref = NodeRef::<html::Select>::new();
    Effect::new(move |_| {
        if let Some(input) = input_ref.get() {
            let _ = input.focus();
        }
        if let Some(select) = select_ref.get() {
            let _ = select.focus();
        }
    });

    let problem = move || match state.get() {
        SaveState::Problem(message) => Some(message),
        _ => None,
    };
    let editor = {
        let label = label.clone();
        let message_id = message_id.clone();
        let options = options.clone();
        move || {
            let described = message_id.clone();
            let invalid = move || problem().is_some().to_string();
            match field_type {
                Some(FieldType::Select) => {
                    let options = options
                        .iter()
                        .map(|o| view! { <option value=o.clone() selected=draft.get_untracked() == *o>{o.clone()}</option> })
                        .collect_view();
                    view! {
                        <select
                            class="cell-input"
                            node_ref=select_ref
                            aria-label=label.clone()
                            aria-invalid=invalid
                            aria-describedby=described
                            on:change=move |ev| {
                                draft.set(event_target_value(&ev));
                                save.run(());
                            }
                            on:blur=move |_| save.run(())
                            on:keydown=on_keydown
                        >
                            <option value="" selected=draft.get_untracked().is_empty()>"—"</option>
                            {options}
                        </select>
                    }
                    .into_any()
                }
                Some(FieldType::MultiSelect) => {
                    let chosen: Vec<String> =
                        crate::json::from_str(&draft.get_untracked()).unwrap_or_default();
                    let options = options
                        .iter()
                        .map(|o| view! { <option value=o.clone() selected=chosen.contains(o)>{o.clone()}</option> })
                        .collect_view();
                    view! {
                        <select
                            multiple
                            class="cell-input"
                            node_ref=select_ref
                            aria-label=label.clone()
                            aria-invalid=invalid
                            aria-describedby=described
                            on:change=move |ev| draft.set(selected_options(&ev))
                            on:blur=move |_| save.run(())
                            on:keydown=on_keydown
                        >
                            {options}
                        </select>
                    }
                    .into_any()
                }
                _ => view! {
                    <input
                        class="cell-input"
                        type=input_type(field, def.as_ref())
                        step="any"
                        node_ref=input_ref
                        aria-label=label.clone()
                        aria-invalid=invalid
                        aria-describedby=described
                        prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))
                        on:blur=move |_| save.run(())
                        on:keydown=on_keydown
                    />
                }
                .into_any(),
            }
        }
    };
    let display = {
        let label = label.clone();
        move || {
            let value = shown().filter(|v| !v.is_empty());
            let empty = value.is_none();
            view! {
                <button
                    type="button"
                    class="cell-value"
                    class:empty=empty
                    aria-label=format!("Edit {label}")
                    on:click=start
                >
                    {value.unwrap_or_else(|| "—".into())}
                </button>
            }
        }
    };

    view! {
        <td
            class=class
            class:editing=move || editing.get()
            class:saving=move || state.get() == SaveState::Saving
            class:saved=move || state.get() == SaveState::Saved
            class:failed=move || problem().is_some()
            data-field=key
            on:click=|ev| ev.stop_propagation()
        >
            {move || if editing.get() { editor.clone()().into_any() } else { display.clone()().into_any() }}
            <CellStatus state message_id/>
        </td>
    }
}

/// The saving / saved / failed note under a cell.
#[component]
fn CellStatus(state: RwSignal<SaveState>, message_id: String) -> impl IntoView {
    move || {
        match state.get() {
        SaveState::Idle => None,
        SaveState::Saving => Some(view! { <span class="cell-status" role="status">"Saving…"</span> }.into_any()),
        SaveState::Saved => Some(view! { <span class="cell-status ok" role="status">"Saved"</span> }.into_any()),
        SaveState::Problem(message) => Some(
            view! { <span class="cell-status problem" role="alert" id=message_id.clone()>{message}</span> }
                .into_any(),
        ),
    }
    }
}

/// The chosen options of a `<select multiple>` as the JSON array the field stores.
fn selected_options(ev: &leptos::ev::Event) -> String {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let chosen: Vec<String> = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .map(|select| {
                let options = select.selected_options();
                (0..options.length())
                    .filter_map(|i| options.item(i))
                    .filter_map(|o| o.get_attribute("value"))
                    .collect()
            })
            .unwrap_or_default();
        serde_json::to_string(&chosen).unwrap_or_else(|_| "[]".into())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        "[]".into()
    }
}

/// The campaign opt-in switch: saves as soon as it is flipped.
#[component]
pub fn OptInSwitch(row: RwSignal<ContactRow>, label: String) -> impl IntoView {
    let state = RwSignal::new(SaveState::Idle);
    let on_change = move |ev: leptos::ev::Event| {
        let checked = event_target_checked(&ev);
        let (id, before, version) = row.with_untracked(|r| (r.id, r.campaign_opt_in, r.version));
        row.update(|r| r.campaign_opt_in = checked);
        state.set(SaveState::Saving);
        let change = FieldChange {
            field: EditField::CampaignOptIn,
            expected: Some(before.to_string()),
            value: checked.to_string(),
        };
        leptos::task::spawn_local(async move {
            match save_contact(id, version, vec![change]).await {
                Ok(saved) => {
                    row.update(|r| apply_saved(r, saved));
                    state.set(SaveState::Saved);
                    fade_saved(state);
                }
                Err(err) => {
                    // Show what is stored: the other person's choice, or the old value.
                    let now = match &err {
                        AppError::Conflict { current, .. } => current.as_deref() == Some("true"),
                        _ => before,
                    };
                    row.update(|r| r.campaign_opt_in = now);
                    state.set(SaveState::Problem(err.to_string()));
                }
            }
        });
    };
    let id = row.with_untracked(|r| r.id);
    let message_id = format!("msg-{id}-campaign_opt_in");
    view! {
        <td
            class="col-optin"
            class:saving=move || state.get() == SaveState::Saving
            class:failed=move || matches!(state.get(), SaveState::Problem(_))
            on:click=|ev| ev.stop_propagation()
        >
            <input
                type="checkbox"
                role="switch"
                class="switch"
                prop:checked=move || row.with(|r| r.campaign_opt_in)
                aria-label=label
                aria-describedby=message_id.clone()
                disabled=move || state.get() == SaveState::Saving
                on:change=on_change
            />
            <CellStatus state message_id/>
        </td>
    }
}
