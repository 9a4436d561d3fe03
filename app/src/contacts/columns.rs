//! Columns: which custom contact fields and conversation fields the table shows,
//! and in what order. Kept per workspace, so it survives reloads.

use crate::error::AppError;
use crate::filter::{FieldRef, Schema};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(input = Json)]
pub async fn save_columns(columns: Vec<FieldRef>) -> Result<(), AppError> {
    use crate::store::{current_workspace, respond, store};
    respond(async move {
        let ws = current_workspace().await?;
        let schema = store()?.schema(ws.id).await?;
        let mut seen = Vec::new();
        for c in &columns {
            if schema.def(*c).is_none() {
                return Err(AppError::invalid(
                    "columns",
                    "One of the chosen fields no longer exists. Reload the page.",
                ));
            }
            if seen.contains(c) {
                return Err(AppError::invalid("columns", "A field was chosen twice."));
            }
            seen.push(*c);
        }
        Ok(store()?.save_columns(ws.id, &columns).await?)
    })
    .await
}

/// Every field column, chosen ones first in their order: (field, label, shown).
pub fn column_choices(schema: &Schema, chosen: &[FieldRef]) -> Vec<(FieldRef, String, bool)> {
    let label = |f: FieldRef| match f {
        FieldRef::Conversation(_) => schema.def(f).map(|d| format!("{} (conversation)", d.label)),
        _ => schema.def(f).map(|d| d.label.clone()),
    };
    let all = schema.fields.iter().map(|f| FieldRef::Custom(f.id)).chain(
        schema
            .conversation_fields
            .iter()
            .map(|f| FieldRef::Conversation(f.id)),
    );
    let mut out: Vec<(FieldRef, String, bool)> = chosen
        .iter()
        .filter_map(|f| label(*f).map(|l| (*f, l, true)))
        .collect();
    for f in all {
        if !chosen.contains(&f) {
            if let Some(l) = label(f) {
                out.push((f, l, false));
            }
        }
    }
    out
}

#[component]
pub fn ColumnsButton(schema: Schema, columns: Vec<FieldRef>) -> impl IntoView {
    let open = RwSignal::new(false);
    let items = RwSignal::new(column_choices(&schema, &columns));
    let error = RwSignal::new(None::<String>);
    let save = Action::new(move |columns: &Vec<FieldRef>| save_columns(columns.clone()));
    let reload = use_context::<super::ReloadList>();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            open.set(false);
            if let Some(super::ReloadList(reload)) = reload {
                reload.run(());
            }
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let on_save = move |_| {
        error.set(None);
        let chosen = items.with_untracked(|i| {
            i.iter()
                .filter(|(_, _, shown)| *shown)
                .map(|(f, _, _)| *f)
                .collect()
        });
        save.dispatch(chosen);
    };
    let move_by = move |index: usize, up: bool| {
        items.update(|i| {
            let other = if up {
                index.checked_sub(1)
            } else {
                Some(index + 1)
            };
            if let Some(other) = other.filter(|o| *o < i.len()) {
                i.swap(index, other);
            }
        })
    };
    let list = move || {
        let count = items.with(Vec::len);
        items
            .get()
            .into_iter()
            .enumerate()
            .map(|(index, (field, label, shown))| {
                let id = format!("column-{}", super::filters::field_key(field).replace(':', "-"));
                view! {
                    <li class="column-choice">
                        <input
                            type="checkbox"
                            id=id.clone()
                            prop:checked=shown
                            on:change=move |_| items.update(|i| i[index].2 = !i[index].2)
                        />
                        <label for=id>{label.clone()}</label>
                        <button class="icon-button" aria-label=format!("Move {label} up") disabled=index == 0 on:click=move |_| move_by(index, true)>
                            <span aria-hidden="true">"↑"</span>
                        </button>
                        <button class="icon-button" aria-label=format!("Move {label} down") disabled=index + 1 == count on:click=move |_| move_by(index, false)>
                            <span aria-hidden="true">"↓"</span>
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <div class="columns-menu">
            <button class="button" aria-expanded=move || open.get().to_string() aria-controls="columns-panel" on:click=move |_| open.update(|o| *o = !*o)>
                "Columns"
            </button>
            <Show when=move || open.get()>
                <div class="columns-panel" id="columns-panel" role="group" aria-label="Columns">
                    <p class="muted small">"Field columns to show, in order."</p>
                    <ul>{list}</ul>
                    <p class="field-error" role="alert">{move || error.get()}</p>
                    <div class="drawer-actions">
                        <button class="link-button" on:click=move |_| open.set(false)>"Cancel"</button>
                        <button class="button primary" on:click=on_save>"Save columns"</button>
                    </div>
                </div>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FieldDef, FieldType};

    fn def(id: i64, label: &str) -> FieldDef {
        FieldDef {
            id,
            key: label.to_lowercase(),
            label: label.into(),
            field_type: FieldType::Text,
            options: vec![],
            position: id as i32,
        }
    }

    #[test]
    fn chosen_columns_come_first_in_order_then_the_rest() {
        let schema = Schema {
            fields: vec![def(1, "Company"), def(2, "Plan")],
            conversation_fields: vec![def(3, "Priority")],
            labels: vec![],
        };
        let choices = column_choices(
            &schema,
            &[
                FieldRef::Conversation(3),
                FieldRef::Custom(2),
                FieldRef::Custom(99),
            ],
        );
        let shown: Vec<(FieldRef, bool)> = choices.iter().map(|(f, _, s)| (*f, *s)).collect();
        assert_eq!(
            shown,
            vec![
                (FieldRef::Conversation(3), true),
                (FieldRef::Custom(2), true),
                (FieldRef::Custom(1), false)
            ]
        );
        assert_eq!(choices[0].1, "Priority (conversation)");
    }
}
