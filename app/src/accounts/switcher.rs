//! The account menu in the sidebar: who is signed in, the workspace in use with a
//! switch to the others, and signing out.

use super::sign_in::{go_to, SignOut};
use super::Viewer;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(input = Json)]
pub async fn get_viewer() -> Result<Viewer, AppError> {
    use crate::store::{accounts, respond};
    respond(async move {
        let session = super::current_session()?;
        accounts()?
            .viewer(&session)
            .await?
            .ok_or(AppError::Unauthorized)
    })
    .await
}

/// Moves the session to another of the person's workspaces. Form-encoded so the
/// switch works before the WASM has loaded.
#[server(endpoint = "/switch_workspace")]
pub async fn switch_workspace(workspace: i64) -> Result<String, AppError> {
    use super::sign_in::redirect_plain_form;
    use crate::store::{accounts, respond};
    respond(async move {
        let session = super::current_session()?;
        if !accounts()?.switch_workspace(&session, workspace).await? {
            return Err(AppError::NotFound("Workspace".into()));
        }
        redirect_plain_form("/contacts");
        Ok("/contacts".to_string())
    })
    .await
}

/// The signed-in person, loaded once per page by the frame.
#[derive(Clone, Copy)]
pub struct ViewerResource(pub crate::json::Resource<Result<Viewer, AppError>>);

impl ViewerResource {
    pub fn new() -> Self {
        ViewerResource(crate::json::resource(|| (), |_| get_viewer()))
    }
}

impl Default for ViewerResource {
    fn default() -> Self {
        Self::new()
    }
}

/// Shows its children only to admins of the workspace in use. The server refuses
/// the same actions to agents; this only keeps the page honest.
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let viewer = use_context::<ViewerResource>();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    let admin = match viewer {
                        Some(viewer) => viewer.0.await.is_ok_and(|v| v.is_admin()),
                        None => false,
                    };
                    admin.then(|| children())
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn AccountMenu(viewer: Viewer) -> impl IntoView {
    let switch = ServerAction::<SwitchWorkspace>::new();
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(path)) = switch.value().get() {
            go_to(&path);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(path)) = sign_out.value().get() {
            go_to(&path);
        }
    });
    let switch_error = move || {
        switch
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let others: Vec<_> = viewer
        .workspaces
        .iter()
        .filter(|m| m.workspace_id != viewer.workspace_id)
        .cloned()
        .collect();
    let switcher = (!others.is_empty()).then(|| {
        view! {
            <ActionForm action=switch attr:class="workspace-switch">
                <label for="workspace-switch">"Switch to"</label>
                <select id="workspace-switch" name="workspace">
                    {others
                        .into_iter()
                        .map(|m| view! { <option value=m.workspace_id>{m.workspace_name}</option> })
                        .collect_view()}
                </select>
                <button type="submit" class="button small">"Switch"</button>
                <p class="field-error" role="alert">{switch_error}</p>
            </ActionForm>
        }
    });
    view! {
        <section class="account" aria-label="Account">
            <p class="nav-heading">"Workspace"</p>
            <p class="workspace-name" data-testid="workspace-name">{viewer.workspace_name.clone()}</p>
            {switcher}
            <p class="account-who">
                <span class="account-name">{viewer.name.clone()}</span>
                <span class="role-badge">{viewer.role.label()}</span>
            </p>
            <p class="account-email">{viewer.email.clone()}</p>
            <ActionForm action=sign_out>
                <button type="submit" class="button small subtle">"Sign out"</button>
            </ActionForm>
        </section>
    }
}
