//! Segments: saved filters. The dropdown applies one (clearing the search and the
//! quick filter); the banner shows its name and how many contacts match; the
//! current filter can be saved as a segment, and segments renamed, redefined and
//! deleted.

use super::url::ContactsUrl;
use crate::domain::{ActiveSegment, SegmentInfo};
use crate::error::AppError;
use crate::filter::Filter;
use crate::format;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::hooks::use_navigate;

/// The longest segment name.
pub const MAX_NAME_CHARS: usize = 80;

/// A segment name as stored: trimmed, 1 to 80 characters.
pub fn clean_name(raw: &str) -> Result<String, AppError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(AppError::invalid("name", "Give the segment a name."));
    }
    if name.contains('\0') {
        return Err(AppError::invalid("name", crate::validate::NUL_PROBLEM));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::invalid(
            "name",
            format!("Keep the name under {MAX_NAME_CHARS} characters."),
        ));
    }
    Ok(name)
}

#[cfg(feature = "ssr")]
async fn checked(filter: &Filter) -> Result<(), AppError> {
    if filter.conditions.is_empty() {
        return Err(AppError::invalid(
            "filter",
            "Add at least one condition to save a segment.",
        ));
    }
    if filter.conditions.len() > crate::filter::MAX_CONDITIONS {
        return Err(AppError::invalid(
            "filter",
            "A segment can have at most 20 conditions.",
        ));
    }
    Ok(())
}

#[server(input = Json)]
pub async fn create_segment(name: String, filter: Filter) -> Result<i64, AppError> {
    use crate::store::{current_workspace, respond, store};
    respond(async move {
        crate::accounts::require_admin()?;
        let name = clean_name(&name)?;
        checked(&filter).await?;
        let ws = current_workspace().await?;
        store()?.check_filter(ws.id, &filter).await?;
        Ok(store()?.create_segment(ws.id, &name, &filter).await?)
    })
    .await
}

#[server(input = Json)]
pub async fn update_segment(
    id: i64,
    name: Option<String>,
    filter: Option<Filter>,
) -> Result<(), AppError> {
    use crate::store::{current_workspace, respond, store};
    respond(async move {
        crate::accounts::require_admin()?;
        let name = name.as_deref().map(clean_name).transpose()?;
        let ws = current_workspace().await?;
        if let Some(filter) = &filter {
            checked(filter).await?;
            store()?.check_filter(ws.id, filter).await?;
        }
        if store()?
            .update_segment(ws.id, id, name.as_deref(), filter.as_ref())
            .await?
        {
            Ok(())
        } else {
            Err(AppError::NotFound("This segment".into()))
        }
    })
    .await
}

#[server(input = Json)]
pub async fn delete_segment(id: i64) -> Result<(), AppError> {
    use crate::store::{current_workspace, respond, store};
    respond(async move {
        crate::accounts::require_admin()?;
        let ws = current_workspace().await?;
        if store()?.delete_segment(ws.id, id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("This segment".into()))
        }
    })
    .await
}

/// The Segment dropdown.
#[component]
pub fn SegmentPicker(url: ContactsUrl, segments: Vec<SegmentInfo>) -> impl IntoView {
    let navigate = use_navigate();
    let current = url.segment;
    let on_change = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev).parse::<i64>().ok();
        navigate(&url.with_segment(id).href(), Default::default());
    };
    view! {
        <label class="segment-picker">
            <span class="visually-hidden">"Segment"</span>
            <select on:change=on_change>
                <option value="" selected=current.is_none()>"All contacts"</option>
                {segments
                    .into_iter()
                    .map(|s| view! { <option value=s.id.to_string() selected=current == Some(s.id)>{s.name}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

/// The banner above the table while a segment is applied.
#[component]
pub fn SegmentBanner(
    url: ContactsUrl,
    segment: ActiveSegment,
    /// How many contacts match, `None` while they are counted.
    total: super::total::Total,
    /// Renaming and deleting a shared segment is for admins.
    admin: bool,
) -> impl IntoView {
    let renaming = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let name_input = RwSignal::new(segment.name.clone());
    let error = RwSignal::new(None::<String>);
    let id = segment.id;
    let navigate = use_navigate();
    let clear = url.with_segment(None).href();
    let rename = Action::new(move |name: &String| update_segment(id, Some(name.clone()), None));
    let delete = Action::new(move |_: &()| delete_segment(id));
    let reload = use_context::<super::ReloadList>();
    Effect::new({
        move |_| match rename.value().get() {
            Some(Ok(())) => {
                if let Some(super::ReloadList(reload)) = reload {
                    reload.run(());
                }
            }
            Some(Err(e)) => error.set(Some(e.to_string())),
            None => {}
        }
    });
    Effect::new({
        let clear = clear.clone();
        move |_| match delete.value().get() {
            Some(Ok(())) => navigate(&clear, Default::default()),
            Some(Err(e)) => error.set(Some(e.to_string())),
            None => {}
        }
    });
    let count = move || match total.get() {
        Some(n) => format::plural(n, "contact matches", "contacts match"),
        None => "Counting matches…".to_string(),
    };

    view! {
        <section class="segment-banner" aria-label="Active segment">
            <div class="segment-summary">
                <span class="muted">"Segment"</span>
                <strong class="segment-name">{segment.name.clone()}</strong>
                {match segment.problem.clone() {
                    Some(problem) => view! { <span class="segment-problem" role="alert">{problem}</span> }.into_any(),
                    None => view! { <span class="segment-count">{count}</span> }.into_any(),
                }}
            </div>
            <div class="segment-actions">
                {admin.then(|| view! {
                <Show
                    when=move || renaming.get()
                    fallback=move || view! { <button class="link-button" on:click=move |_| renaming.set(true)>"Rename"</button> }
                >
                    <form
                        class="inline-form"
                        on:submit=move |ev| {
                            ev.prevent_default();
                            error.set(None);
                            rename.dispatch(name_input.get_untracked());
                        }
                    >
                        <label class="visually-hidden" for="segment-name">"Segment name"</label>
                        <input id="segment-name" type="text" maxlength="80" prop:value=move || name_input.get() on:input=move |ev| name_input.set(event_target_value(&ev))/>
                        <button class="button" type="submit">"Save name"</button>
                    </form>
                </Show>
                <Show
                    when=move || confirming.get()
                    fallback=move || view! { <button class="link-button danger" on:click=move |_| confirming.set(true)>"Delete"</button> }
                >
                    <span class="confirm">
                        "Delete this segment? Contacts are not deleted. "
                        <button class="button danger" on:click=move |_| { delete.dispatch(()); }>"Delete segment"</button>
                        <button class="link-button" on:click=move |_| confirming.set(false)>"Keep it"</button>
                    </span>
                </Show>
                })}
                <a class="link-button" href=clear>"Clear segment"</a>
            </div>
            <p class="field-error" role="alert">{move || error.get()}</p>
        </section>
    }
}

/// "Save as segment" for the current quick filter, or "Save to segment" while
/// editing a segment's conditions.
#[component]
pub fn SaveAsSegment(filter: Filter) -> impl IntoView {
    let open = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let save = Action::new(move |(name, filter): &(String, Filter)| {
        create_segment(name.clone(), filter.clone())
    });
    let navigate = use_navigate();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(id)) => navigate(
            &ContactsUrl::default().with_segment(Some(id)).href(),
            Default::default(),
        ),
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let filter = StoredValue::new(filter);
    view! {
        <Show
            when=move || open.get()
            fallback=move || view! { <button class="link-button" on:click=move |_| open.set(true)>"Save as segment"</button> }
        >
            <form
                class="inline-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    error.set(None);
                    save.dispatch((name.get_untracked(), filter.get_value()));
                }
            >
                <label class="visually-hidden" for="new-segment-name">"New segment name"</label>
                <input
                    id="new-segment-name"
                    type="text"
                    maxlength="80"
                    placeholder="Segment name"
                    aria-describedby="new-segment-error"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <button class="button primary" type="submit">"Save segment"</button>
                <span class="field-error" id="new-segment-error" role="alert">{move || error.get()}</span>
            </form>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(clean_name("  High   value  ").unwrap(), "High value");
        assert!(clean_name("   ").is_err());
        assert!(clean_name(&"x".repeat(81)).is_err());
        assert!(clean_name(&"é".repeat(80)).is_ok());
    }
}
