//! The contact editor: the details drawer in edit mode, for every profile field
//! (name, email, phone, image URL, campaign opt-in) and every custom field, with
//! the same validation and version check as inline edits.

use super::inline_edit::{apply_saved, save_contact};
use crate::domain::{ContactDetails, EditField, FieldChange, FieldDef, FieldType};
use crate::error::AppError;
use crate::validate;
use leptos::prelude::*;
use std::collections::HashMap;

/// One input of the form.
#[derive(Clone)]
struct Input {
    field: EditField,
    label: String,
    def: Option<FieldDef>,
    draft: RwSignal<String>,
}

#[component]
pub fn ContactEditor(
    details: ContactDetails,
    /// Called with the saved contact after a successful save.
    on_saved: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let contact = details.contact.clone();
    let id = contact.id;
    let profile = [
        (EditField::Name, "Name"),
        (EditField::Email, "Email"),
        (EditField::Phone, "Phone"),
        (EditField::AvatarUrl, "Image URL"),
    ];
    let inputs: Vec<Input> = profile
        .into_iter()
        .map(|(field, label)| (field, label.to_string(), None))
        .chain(
            details
                .fields
                .iter()
                .map(|d| (EditField::Custom(d.id), d.label.clone(), Some(d.clone()))),
        )
        .map(|(field, label, def)| Input {
            field,
            label,
            def,
            draft: RwSignal::new(field.value_in(&contact).unwrap_or_default()),
        })
        .collect();
    let opt_in = RwSignal::new(contact.campaign_opt_in);
    // What each field held when the user saw it; a conflict replaces it with the
    // current value, so saving again is a deliberate overwrite.
    let seen = StoredValue::new(contact.clone());
    let errors = RwSignal::new(HashMap::<String, String>::new());
    let form_error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let defs = details.fields.clone();

    let submit = {
        let inputs = inputs.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if saving.get_untracked() {
                return;
            }
            let base = seen.get_value();
            let mut changes = Vec::new();
            let mut problems = HashMap::new();
            let all = inputs
                .iter()
                .map(|i| (i.field, i.draft.get_untracked()))
                .chain([(EditField::CampaignOptIn, opt_in.get_untracked().to_string())]);
            for (field, value) in all {
                let change = FieldChange {
                    field,
                    expected: field.value_in(&base),
                    value,
                };
                match validate::change(&defs, &change) {
                    Err(problem) => {
                        problems.insert(field.key(), problem);
                    }
                    Ok(clean) if clean.value != change.expected => changes.push(change),
                    Ok(_) => {}
                }
            }
            errors.set(problems.clone());
            form_error.set(None);
            if !problems.is_empty() {
                form_error.set(Some(
                    "Some values need fixing before they can be saved.".into(),
                ));
                return;
            }
            if changes.is_empty() {
                on_cancel.run(());
                return;
            }
            saving.set(true);
            let version = base.version;
            leptos::task::spawn_local(async move {
                let result = save_contact(id, version, changes).await;
                saving.set(false);
                match result {
                    Ok(saved) => {
                        seen.update_value(|c| apply_saved(c, saved));
                        on_saved.run(());
                    }
                    Err(AppError::Conflict {
                        field,
                        message,
                        current,
                    }) => {
                        seen.update_value(|c| {
                            if let Some(f) = field_of(&field, c) {
                                f.set_in(c, current);
                            }
                        });
                        errors.update(|e| {
                            e.insert(field, message);
                        });
                    }
                    Err(AppError::Invalid { field, message }) => errors.update(|e| {
                        e.insert(field, message);
                    }),
                    Err(err) => form_error.set(Some(err.to_string())),
                }
            });
        }
    };

    let rows = inputs
        .into_iter()
        .map(|input| view! { <EditorInput input errors/> })
        .collect_view();
    let opt_in_error = move || errors.with(|e| e.get("campaign_opt_in").cloned());
    view! {
        <form class="editor" on:submit=submit novalidate>
            {rows}
            <div class="editor-row">
                <label class="switch-label">
                    <input
                        type="checkbox"
                        role="switch"
                        class="switch"
                        name="campaign_opt_in"
                        prop:checked=move || opt_in.get()
                        on:change=move |ev| opt_in.set(event_target_checked(&ev))
                    />
                    "Campaign opt-in"
                </label>
                {move || opt_in_error().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </div>
            {move || form_error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="dialog-actions">
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                <button type="submit" class="button primary" disabled=move || saving.get()>
                    {move || if saving.get() { "Saving…" } else { "Save changes" }}
                </button>
            </div>
        </form>
    }
}

/// The field a key names, among those a contact has.
fn field_of(key: &str, contact: &crate::domain::ContactRow) -> Option<EditField> {
    [
        EditField::Name,
        EditField::Email,
        EditField::Phone,
        EditField::AvatarUrl,
        EditField::CampaignOptIn,
    ]
    .into_iter()
    .chain(contact.fields.iter().map(|f| EditField::Custom(f.field_id)))
    .find(|f| f.key() == key)
    .or_else(|| {
        key.strip_prefix("field-")
            .and_then(|id| id.parse().ok())
            .map(EditField::Custom)
    })
}

#[component]
fn EditorInput(input: Input, errors: RwSignal<HashMap<String, String>>) -> impl IntoView {
    let key = input.field.key();
    let id = format!("edit-{key}");
    let error_id = format!("edit-{key}-error");
    let draft = input.draft;
    let error = {
        let key = key.clone();
        move || errors.with(|e| e.get(&key).cloned())
    };
    let invalid = {
        let error = error.clone();
        move || error().is_some().to_string()
    };
    let field_type = input.def.as_ref().map(|d| d.field_type);
    let options = input
        .def
        .as_ref()
        .map(|d| d.options.clone())
        .unwrap_or_default();
    let control = match field_type {
        Some(FieldType::Select) => {
            let current = draft.get_untracked();
            view! {
                <select id=id.clone() name=key.clone() aria-invalid=invalid aria-describedby=error_id.clone()
                    on:change=move |ev| draft.set(event_target_value(&ev))>
                    <option value="" selected=current.is_empty()>"—"</option>
                    {options.iter().map(|o| view! { <option value=o.clone() selected=current == *o>{o.clone()}</option> }).collect_view()}
                </select>
            }
            .into_any()
        }
        Some(FieldType::MultiSelect) => {
            let boxes = options
                .iter()
                .map(|o| {
                    let option = o.clone();
                    let checked = {
                        let option = option.clone();
                        move || {
                            crate::json::from_str::<Vec<String>>(&draft.get())
                                .unwrap_or_default()
                                .contains(&option)
                        }
                    };
                    let toggle = move |ev: leptos::ev::Event| {
                        let on = event_target_checked(&ev);
                        let mut chosen: Vec<String> =
                            crate::json::from_str(&draft.get_untracked()).unwrap_or_default();
                        chosen.retain(|c| *c != option);
                        if on {
                            chosen.push(option.clone());
                        }
                        draft.set(serde_json::to_string(&chosen).unwrap_or_default());
                    };
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=checked on:change=toggle/>
                            {o.clone()}
                        </label>
                    }
                })
                .collect_view();
            view! {
                <div class="checks" id=id.clone() role="group" aria-label=input.label.clone() aria-describedby=error_id.clone()>
                    {boxes}
                </div>
            }
            .into_any()
        }
        _ => {
            let kind = match (input.field, field_type) {
                (EditField::Email, _) | (_, Some(FieldType::Email)) => "email",
                (EditField::Phone, _) | (_, Some(FieldType::Phone)) => "tel",
                (EditField::AvatarUrl, _) | (_, Some(FieldType::Url)) => "url",
                (_, Some(FieldType::Number)) => "number",
                (_, Some(FieldType::Date)) => "date",
                _ => "text",
            };
            view! {
                <input
                    id=id.clone()
                    name=key.clone()
                    type=kind
                    step="any"
                    aria-invalid=invalid
                    aria-describedby=error_id.clone()
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                />
            }
            .into_any()
        }
    };
    view! {
        <div class="editor-row">
            <label for=id>{input.label.clone()}</label>
            {control}
            {move || error().map(|e| view! { <p class="field-error" id=error_id.clone() role="alert">{e}</p> })}
        </div>
    }
}
