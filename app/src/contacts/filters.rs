//! The Quick Filter drawer: conditions on any field, joined by "all" or "any".
//! The applied filter lives in the URL (`f=`); a condition that is incomplete or
//! invalid is marked in the drawer and never sent.

use super::segments::{update_segment, SaveAsSegment};
use super::url::ContactsUrl;
use crate::domain::ActiveSegment;
use crate::filter::{Condition, FieldRef, Filter, Join, Kind, Op, Schema, Value};
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// One condition as the drawer edits it: the raw inputs, before they are values.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub field: FieldRef,
    pub op: Op,
    pub a: String,
    pub b: String,
    pub items: Vec<String>,
}

impl Draft {
    pub fn new(schema: &Schema, field: FieldRef) -> Draft {
        let kind = schema.kind(field).unwrap_or(Kind::Text);
        let op = kind.ops()[0];
        let a = match kind {
            Kind::Boolean => "true".to_string(),
            Kind::Select => schema
                .def(field)
                .and_then(|d| d.options.first().cloned())
                .unwrap_or_default(),
            _ => String::new(),
        };
        Draft {
            field,
            op,
            a,
            b: String::new(),
            items: Vec::new(),
        }
    }

    /// The drawer's inputs for an applied condition.
    pub fn from_condition(c: &Condition) -> Draft {
        let (a, b, items) = match &c.value {
            Value::None => (String::new(), String::new(), vec![]),
            Value::Text(t) => (t.clone(), String::new(), vec![]),
            Value::Number(n) => (n.to_string(), String::new(), vec![]),
            Value::Date(d) => (d.to_string(), String::new(), vec![]),
            Value::Range(x, y) => (x.to_string(), y.to_string(), vec![]),
            Value::Days(n) => (n.to_string(), String::new(), vec![]),
            Value::Bool(v) => (v.to_string(), String::new(), vec![]),
            Value::List(items) => (String::new(), String::new(), items.clone()),
        };
        Draft {
            field: c.field,
            op: c.op,
            a,
            b,
            items,
        }
    }

    /// The condition these inputs describe; `Schema::check` says whether it is valid.
    pub fn to_condition(&self, kind: Kind) -> Condition {
        let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let value = match self.op {
            Op::IsEmpty | Op::IsNotEmpty => Value::None,
            Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => self
                .a
                .trim()
                .parse::<f64>()
                .map(Value::Number)
                .unwrap_or_default(),
            Op::On | Op::Before | Op::After => date(&self.a).map(Value::Date).unwrap_or_default(),
            Op::Between => match (date(&self.a), date(&self.b)) {
                (Some(x), Some(y)) => Value::Range(x, y),
                _ => Value::None,
            },
            Op::InLastDays | Op::MoreThanDaysAgo => self
                .a
                .trim()
                .parse::<u32>()
                .map(Value::Days)
                .unwrap_or_default(),
            Op::IsAnyOf | Op::HasAnyOf | Op::HasAllOf | Op::HasNoneOf => {
                Value::List(self.items.clone())
            }
            Op::Is if kind == Kind::Boolean => Value::Bool(self.a == "true"),
            _ => Value::Text(self.a.clone()),
        };
        Condition {
            field: self.field,
            op: self.op,
            value,
        }
    }
}

pub fn field_key(f: FieldRef) -> String {
    match f {
        FieldRef::Name => "name".into(),
        FieldRef::Email => "email".into(),
        FieldRef::Phone => "phone".into(),
        FieldRef::CreatedAt => "created_at".into(),
        FieldRef::LastInteraction => "last_interaction".into(),
        FieldRef::CampaignOptIn => "campaign_opt_in".into(),
        FieldRef::Labels => "labels".into(),
        FieldRef::HasConversations => "has_conversations".into(),
        FieldRef::Custom(id) => format!("custom:{id}"),
        FieldRef::Conversation(id) => format!("conversation:{id}"),
    }
}

pub fn parse_field_key(s: &str) -> Option<FieldRef> {
    Some(match s {
        "name" => FieldRef::Name,
        "email" => FieldRef::Email,
        "phone" => FieldRef::Phone,
        "created_at" => FieldRef::CreatedAt,
        "last_interaction" => FieldRef::LastInteraction,
        "campaign_opt_in" => FieldRef::CampaignOptIn,
        "labels" => FieldRef::Labels,
        "has_conversations" => FieldRef::HasConversations,
        other => {
            let (prefix, id) = other.split_once(':')?;
            let id = id.parse().ok()?;
            match prefix {
                "custom" => FieldRef::Custom(id),
                "conversation" => FieldRef::Conversation(id),
                _ => return None,
            }
        }
    })
}

fn op_key(op: Op) -> String {
    serde_json::to_string(&op)
        .unwrap_or_default()
        .trim_matches('"')
        .to_string()
}

fn parse_op(s: &str) -> Option<Op> {
    crate::json::from_str(&format!("\"{s}\"")).ok()
}

/// The fields a condition can use, grouped for the field menu.
fn field_groups(schema: &Schema) -> Vec<(&'static str, Vec<(FieldRef, String)>)> {
    let contact = vec![
        (FieldRef::Name, "Name".to_string()),
        (FieldRef::Email, "Email".into()),
        (FieldRef::Phone, "Phone".into()),
        (FieldRef::CreatedAt, "Created at".into()),
        (FieldRef::LastInteraction, "Last interaction".into()),
        (FieldRef::CampaignOptIn, "Campaign opt-in".into()),
        (FieldRef::Labels, "Labels".into()),
        (FieldRef::HasConversations, "Has conversations".into()),
    ];
    let custom = schema
        .fields
        .iter()
        .map(|f| (FieldRef::Custom(f.id), f.label.clone()))
        .collect();
    let conversation = schema
        .conversation_fields
        .iter()
        .map(|f| (FieldRef::Conversation(f.id), f.label.clone()))
        .collect();
    vec![
        ("Contact", contact),
        ("Custom fields", custom),
        ("Conversation fields", conversation),
    ]
}

#[component]
pub fn FilterBar(
    url: ContactsUrl,
    schema: Schema,
    segment: Option<ActiveSegment>,
    /// Only admins save filters as segments shared with everyone.
    admin: bool,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let active = url.filter.conditions.len();
    let is_active = active > 0;
    let clear_href = url.with_filter(Filter::default()).href();
    let save = (admin && is_active && segment.is_none()).then(|| url.filter.clone());
    let label = if segment.is_some() {
        "Edit segment conditions"
    } else {
        "Filters"
    };
    view! {
        <div class="filter-bar">
            <button
                class="button"
                class:active=is_active
                aria-haspopup="dialog"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.set(true)
            >
                {label}
                {(active > 0).then(|| view! {
                    <span class="count-badge" aria-label=format!("{active} active")>{active}</span>
                })}
            </button>
            {(active > 0).then(|| view! { <a class="link-button" href=clear_href>"Clear filters"</a> })}
            {save.map(|filter| view! { <SaveAsSegment filter/> })}
            <Show when=move || open.get()>
                {
                    let (url, schema, segment) = (url.clone(), schema.clone(), segment.clone());
                    move || Suspend::new(filter_drawer(
                        url.clone(),
                        schema.clone(),
                        segment.clone(),
                        Callback::new(move |_| open.set(false)),
                    ))
                }
            </Show>
        </div>
    }
}

/// The filter drawer's code is loaded the first time someone opens it.
#[lazy]
async fn filter_drawer(
    url: ContactsUrl,
    schema: Schema,
    segment: Option<ActiveSegment>,
    on_close: Callback<()>,
) -> AnyView {
    view! { <FilterDrawer url schema segment on_close/> }.into_any()
}

#[component]
fn FilterDrawer(
    url: ContactsUrl,
    schema: Schema,
    segment: Option<ActiveSegment>,
    on_close: Callback<()>,
) -> impl IntoView {
    let next_id = StoredValue::new(0u32);
    let fresh_id = move || {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        id
    };
    // Editing a segment starts from its conditions; otherwise from the URL's.
    let editing = segment.as_ref().map(|s| s.id);
    let start = segment
        .map(|s| s.filter)
        .unwrap_or_else(|| url.filter.clone());
    let initial: Vec<(u32, Draft)> = start
        .conditions
        .iter()
        .map(|c| (fresh_id(), Draft::from_condition(c)))
        .collect();
    let drafts = RwSignal::new(initial);
    let errors = RwSignal::new(Vec::<(u32, String)>::new());
    let join = RwSignal::new(start.join);
    let save_error = RwSignal::new(None::<String>);
    let save_segment = Action::new(move |(id, filter): &(i64, Filter)| {
        update_segment(*id, None, Some(filter.clone()))
    });
    let reload = use_context::<super::ReloadList>();
    Effect::new(move |_| match save_segment.value().get() {
        Some(Ok(())) => {
            if let Some(super::ReloadList(reload)) = reload {
                reload.run(());
            }
            on_close.run(());
        }
        Some(Err(e)) => save_error.set(Some(e.to_string())),
        None => {}
    });
    let schema = StoredValue::new(schema);

    let add = move |_| {
        let draft = schema.with_value(|s| Draft::new(s, FieldRef::Name));
        drafts.update(|d| d.push((fresh_id(), draft)));
    };
    let navigate = use_navigate();
    let apply = {
        let url = url.clone();
        move |_| {
            let mut bad = Vec::new();
            let mut conditions = Vec::new();
            schema.with_value(|s| {
                for (id, draft) in drafts.get_untracked() {
                    let kind = s.kind(draft.field).unwrap_or(Kind::Text);
                    let condition = draft.to_condition(kind);
                    match s.check(&condition) {
                        Ok(_) => conditions.push(condition),
                        Err(e) => bad.push((id, e.to_string())),
                    }
                }
            });
            errors.set(bad.clone());
            if bad.is_empty() {
                let filter = Filter {
                    join: join.get_untracked(),
                    conditions,
                };
                match editing {
                    Some(id) => {
                        save_segment.dispatch((id, filter));
                    }
                    None => {
                        navigate(&url.with_filter(filter).href(), Default::default());
                        on_close.run(());
                    }
                }
            }
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    };
    let ids = move || drafts.with(|d| d.iter().map(|(id, _)| *id).collect::<Vec<u32>>());

    view! {
        <div class="drawer-backdrop" on:click=move |_| on_close.run(())></div>
        <aside class="drawer filter-drawer" role="dialog" aria-modal="true" aria-labelledby="filters-title" on:keydown=on_keydown>
            <header class="drawer-header">
                <h2 id="filters-title">"Quick filters"</h2>
                <button class="icon-button" aria-label="Close filters" on:click=move |_| on_close.run(())>
                    <span aria-hidden="true">"✕"</span>
                </button>
            </header>
            <div class="drawer-body">
                <fieldset class="join">
                    <legend>"Contacts must match"</legend>
                    <label>
                        <input type="radio" name="join" prop:checked=move || join.get() == Join::All on:change=move |_| join.set(Join::All)/>
                        " all conditions (AND)"
                    </label>
                    <label>
                        <input type="radio" name="join" prop:checked=move || join.get() == Join::Any on:change=move |_| join.set(Join::Any)/>
                        " any condition (OR)"
                    </label>
                </fieldset>
                <ol class="conditions">
                    <For each=ids key=|id| *id let:id>
                        <ConditionRow id drafts errors schema/>
                    </For>
                </ol>
                {move || drafts.read().is_empty().then(|| view! { <p class="muted">"No conditions yet."</p> })}
                <div class="drawer-actions">
                    <button class="button" on:click=add>"+ Add condition"</button>
                    <button class="button primary" on:click=apply>
                        {if editing.is_some() { "Save to segment" } else { "Apply" }}
                    </button>
                </div>
                <p class="field-error" role="alert">{move || save_error.get()}</p>
            </div>
        </aside>
    }
}

#[component]
fn ConditionRow(
    id: u32,
    drafts: RwSignal<Vec<(u32, Draft)>>,
    errors: RwSignal<Vec<(u32, String)>>,
    schema: StoredValue<Schema>,
) -> impl IntoView {
    let get = move || drafts.with(|d| d.iter().find(|(i, _)| *i == id).map(|(_, d)| d.clone()));
    let edit = move |f: &dyn Fn(&mut Draft)| {
        drafts.update(|d| {
            if let Some((_, draft)) = d.iter_mut().find(|(i, _)| *i == id) {
                f(draft);
            }
        });
        errors.update(|e| e.retain(|(i, _)| *i != id));
    };
    // The editor's shape changes only with the field and operator, so typing
    // never rebuilds the input that has focus.
    let shape = Memo::new(move |_| get().map(|d| (d.field, d.op)));
    let error = move || errors.with(|e| e.iter().find(|(i, _)| *i == id).map(|(_, m)| m.clone()));
    let error_id = format!("condition-error-{id}");
    let described_by = error_id.clone();
    let groups = schema.with_value(field_groups);

    let field_select = {
        let groups = groups.clone();
        view! {
            <select
                aria-label="Field"
                on:change=move |ev| {
                    if let Some(field) = parse_field_key(&event_target_value(&ev)) {
                        let fresh = schema.with_value(|s| Draft::new(s, field));
                        edit(&|d| *d = fresh.clone());
                    }
                }
            >
                {groups
                    .into_iter()
                    .filter(|(_, fields)| !fields.is_empty())
                    .map(|(group, fields)| view! {
                        <optgroup label=group>
                            {fields
                                .into_iter()
                                .map(|(f, label)| {
                                    let key = field_key(f);
                                    view! { <option value=key selected=move || shape.get().map(|s| s.0) == Some(f)>{label}</option> }
                                })
                                .collect_view()}
                        </optgroup>
                    })
                    .collect_view()}
            </select>
        }
    };

    let op_select = move || {
        let (field, op) = shape.get()?;
        let kind = schema.with_value(|s| s.kind(field))?;
        Some(view! {
            <select
                aria-label="Operator"
                on:change=move |ev| {
                    if let Some(op) = parse_op(&event_target_value(&ev)) {
                        edit(&|d| d.op = op);
                    }
                }
            >
                {kind
                    .ops()
                    .iter()
                    .map(|o| view! { <option value=op_key(*o) selected=*o == op>{o.label()}</option> })
                    .collect_view()}
            </select>
        })
    };

    let value_editor = move || {
        let (field, op) = shape.get()?;
        let kind = schema.with_value(|s| s.kind(field))?;
        let options: Vec<(String, String)> = schema.with_value(|s| match kind {
            Kind::Labels => s
                .labels
                .iter()
                .map(|(id, name)| (id.to_string(), name.clone()))
                .collect(),
            _ => s
                .def(field)
                .map(|d| d.options.iter().map(|o| (o.clone(), o.clone())).collect())
                .unwrap_or_default(),
        });
        let a = move || get().map(|d| d.a).unwrap_or_default();
        let b = move || get().map(|d| d.b).unwrap_or_default();
        let set_a = move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            edit(&|d| d.a = v.clone());
        };
        let set_b = move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            edit(&|d| d.b = v.clone());
        };
        Some(match (kind, op) {
            (_, Op::IsEmpty | Op::IsNotEmpty) => ().into_any(),
            (Kind::Boolean, _) => view! {
                <select aria-label="Value" on:change=set_a>
                    <option value="true" selected=move || a() == "true">"Yes"</option>
                    <option value="false" selected=move || a() == "false">"No"</option>
                </select>
            }
            .into_any(),
            (_, Op::InLastDays | Op::MoreThanDaysAgo) => view! {
                <input type="number" min="0" step="1" aria-label="Number of days" prop:value=a on:input=set_a/>
                <span class="muted">" days"</span>
            }
            .into_any(),
            (_, Op::On | Op::Before | Op::After) => view! {
                <input type="date" aria-label="Date" prop:value=a on:input=set_a/>
            }
            .into_any(),
            (_, Op::Between) => view! {
                <input type="date" aria-label="From date" prop:value=a on:input=set_a/>
                <span class="muted">" and "</span>
                <input type="date" aria-label="To date" prop:value=b on:input=set_b/>
            }
            .into_any(),
            (Kind::Number, _) => view! {
                <input type="number" step="any" aria-label="Number" prop:value=a on:input=set_a/>
            }
            .into_any(),
            (Kind::Select, Op::Is | Op::IsNot) => view! {
                <select aria-label="Option" on:change=set_a>
                    {options
                        .into_iter()
                        .map(|(value, label)| {
                            let v = value.clone();
                            view! { <option value=value selected=move || a() == v>{label}</option> }
                        })
                        .collect_view()}
                </select>
            }
            .into_any(),
            (_, Op::IsAnyOf | Op::HasAnyOf | Op::HasAllOf | Op::HasNoneOf) => view! {
                <span class="choices" role="group" aria-label="Options">
                    {options
                        .into_iter()
                        .map(|(value, label)| {
                            let v = value.clone();
                            let checked = move || get().is_some_and(|d| d.items.contains(&v));
                            let toggle = move |_| {
                                let value = value.clone();
                                edit(&|d| {
                                    if let Some(i) = d.items.iter().position(|x| *x == value) {
                                        d.items.remove(i);
                                    } else {
                                        d.items.push(value.clone());
                                    }
                                })
                            };
                            view! {
                                <label class="choice">
                                    <input type="checkbox" prop:checked=checked on:change=toggle/>
                                    {label}
                                </label>
                            }
                        })
                        .collect_view()}
                </span>
            }
            .into_any(),
            _ => view! {
                <input type="text" aria-label="Value" prop:value=a on:input=set_a/>
            }
            .into_any(),
        })
    };

    view! {
        <li class="condition" class:invalid=move || error().is_some() aria-describedby=described_by>
            <div class="condition-inputs">
                {field_select}
                {op_select}
                {value_editor}
                <button
                    class="icon-button"
                    aria-label="Remove condition"
                    on:click=move |_| {
                        drafts.update(|d| d.retain(|(i, _)| *i != id));
                        errors.update(|e| e.retain(|(i, _)| *i != id));
                    }
                >
                    <span aria-hidden="true">"✕"</span>
                </button>
            </div>
            <p class="field-error" id=error_id role="alert">{error}</p>
        </li>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FieldDef, FieldType};

    fn schema() -> Schema {
        Schema {
            fields: vec![FieldDef {
                id: 5,
                key: "plan".into(),
                label: "Plan".into(),
                field_type: FieldType::Select,
                options: vec!["Free".into(), "Pro".into()],
                position: 1,
            }],
            conversation_fields: vec![],
            labels: vec![(9, "vip".into())],
        }
    }

    #[test]
    fn field_keys_round_trip() {
        for f in [
            FieldRef::Name,
            FieldRef::Labels,
            FieldRef::Custom(5),
            FieldRef::Conversation(7),
        ] {
            assert_eq!(parse_field_key(&field_key(f)), Some(f));
        }
        assert_eq!(parse_field_key("custom:x"), None);
        assert_eq!(
            parse_op(&op_key(Op::MoreThanDaysAgo)),
            Some(Op::MoreThanDaysAgo)
        );
    }

    #[test]
    fn drafts_become_conditions_and_back() {
        let s = schema();
        let mut d = Draft::new(&s, FieldRef::Custom(5));
        assert_eq!(d.a, "Free", "a select starts on its first option");
        assert!(s.check(&d.to_condition(Kind::Select)).is_ok());
        d.op = Op::IsAnyOf;
        assert!(
            s.check(&d.to_condition(Kind::Select)).is_err(),
            "no option chosen"
        );
        d.items = vec!["Pro".into()];
        let c = d.to_condition(Kind::Select);
        assert!(s.check(&c).is_ok());
        assert_eq!(Draft::from_condition(&c).to_condition(Kind::Select), c);
    }

    #[test]
    fn incomplete_inputs_are_refused_with_a_reason() {
        let s = schema();
        let mut d = Draft::new(&s, FieldRef::CreatedAt);
        d.op = Op::Between;
        d.a = "2026-01-10".into();
        let err = s.check(&d.to_condition(Kind::Instant)).unwrap_err();
        assert_eq!(err.to_string(), "Pick both dates.");
        d.b = "2026-01-01".into();
        let err = s.check(&d.to_condition(Kind::Instant)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The first date must not be after the second."
        );
        let mut n = Draft::new(&s, FieldRef::Name);
        n.a = "   ".into();
        assert_eq!(
            s.check(&n.to_condition(Kind::Text))
                .unwrap_err()
                .to_string(),
            "Enter some text."
        );
    }
}
