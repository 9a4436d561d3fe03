//! Signing in and out: the sign-in page and its server functions.
//!
//! Both endpoints have fixed paths: the server's gate lets `/api/sign_in` through
//! without a session, and forms post to them before the WASM has loaded.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Failed sign-ins are counted over this window.
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
/// Failures per account within the window before sign-in is refused.
pub const MAX_ACCOUNT_FAILURES: u64 = 5;
/// Failures per client address within the window (several people can share one).
pub const MAX_ADDRESS_FAILURES: u64 = 50;

/// Signs in and answers where to go next. Form-encoded, so the form works
/// without JavaScript; the session id is new on every sign-in.
#[server(endpoint = "/sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use super::{request_info, safe_next, secret, session_cookie, SESSION_DAYS};
    use crate::store::{accounts, respond};
    respond(async move {
        let email = email.trim().to_lowercase();
        if email.is_empty() {
            return Err(AppError::invalid("email", "Enter your email address."));
        }
        if password.is_empty() {
            return Err(AppError::invalid("password", "Enter your password."));
        }
        // No account has such an email or password (and a NUL never reaches
        // PostgreSQL, which could not compare it).
        if email.len() > 320 || password.len() > 1024 || email.contains('\0') || password.contains('\0') {
            return Err(AppError::invalid(
                "password",
                "That email and password do not match an account.",
            ));
        }
        let info = request_info();
        let now = chrono::Utc::now().timestamp_millis();
        let since = now - FAILURE_WINDOW_MINUTES * 60_000;
        let store = accounts()?;
        let account_key = format!("account:{email}");
        let address_key = format!("address:{}", info.address);
        if store.failures_since(&account_key, since).await? >= MAX_ACCOUNT_FAILURES {
            return Err(AppError::TooManyAttempts(format!(
                "Too many failed sign-ins for this account. Wait {FAILURE_WINDOW_MINUTES} minutes, then try again, or ask an admin to set a new password."
            )));
        }
        if store.failures_since(&address_key, since).await? >= MAX_ADDRESS_FAILURES {
            return Err(AppError::TooManyAttempts(format!(
                "Too many failed sign-ins from your network. Wait {FAILURE_WINDOW_MINUTES} minutes, then try again."
            )));
        }
        let user = store.user_by_email(&email).await?;
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        // Hashing takes tens of milliseconds of CPU: off the async workers.
        let matches = tokio::task::spawn_blocking(move || {
            secret::verify_password(&password, hash.as_deref())
        })
        .await
        .unwrap_or(false);
        let Some(user) = user.filter(|_| matches) else {
            store
                .record_failure(&[account_key, address_key], now)
                .await?;
            return Err(AppError::invalid(
                "password",
                "That email and password do not match an account.",
            ));
        };
        store.clear_failures(&account_key).await?;
        // A session id known before signing in is worth nothing after it.
        if let Some(old) = request_cookie_token() {
            store.end_session(&secret::token_hash(&old)).await?;
        }
        let token = secret::new_token();
        let expires = now + SESSION_DAYS * 24 * 3600 * 1000;
        if !store
            .create_session(user.id, &secret::token_hash(&token), now, expires)
            .await?
        {
            return Err(AppError::invalid(
                "email",
                "This account is not part of any workspace yet. Ask an admin to add you.",
            ));
        }
        set_cookie(&session_cookie(&token, info.https));
        let next = safe_next(next.as_deref());
        redirect_plain_form(&next);
        Ok(next)
    })
    .await
}

/// Whether no account exists yet: the sign-in page then says how to make one.
/// Public, like signing in.
#[server(input = leptos::server_fn::codec::Json, endpoint = "/first_run")]
pub async fn first_run() -> Result<bool, AppError> {
    use crate::store::{accounts, respond};
    respond(async move { Ok(!accounts()?.any_user().await?) }).await
}

/// Ends the session and clears its cookie.
#[server(endpoint = "/sign_out")]
pub async fn sign_out() -> Result<String, AppError> {
    use super::{cleared_cookie, current_session, request_info, SIGN_IN_PATH};
    use crate::store::{accounts, respond};
    respond(async move {
        let session = current_session()?;
        accounts()?.end_session(&session.token_hash).await?;
        set_cookie(&cleared_cookie(request_info().https));
        redirect_plain_form(SIGN_IN_PATH);
        Ok(SIGN_IN_PATH.to_string())
    })
    .await
}

#[cfg(feature = "ssr")]
fn request_cookie_token() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(super::token_from_cookies)
        .map(str::to_string)
}

#[cfg(feature = "ssr")]
pub(crate) fn set_cookie(cookie: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(cookie),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

/// A form posted without JavaScript gets a real redirect; the WASM client gets
/// the path as the answer and navigates itself.
#[cfg(feature = "ssr")]
pub(crate) fn redirect_plain_form(path: &str) {
    let plain_form = use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    });
    if plain_form {
        leptos_axum::redirect(path);
    }
}

/// Leaves the page for another, loading it afresh (a new session or workspace
/// changes everything on it).
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let next = use_query_map()
        .with_untracked(|q| q.get("next"))
        .unwrap_or_default();
    let action = ServerAction::<SignIn>::new();
    Effect::new(move |_| {
        if let Some(Ok(path)) = action.value().get() {
            go_to(&path);
        }
    });
    let error_for = move |field: &'static str| {
        move || {
            action.value().with(|v| match v {
                Some(Err(err)) if err.field() == Some(field) => Some(err.to_string()),
                _ => None,
            })
        }
    };
    let general = move || {
        action.value().with(|v| match v {
            Some(Err(err)) if err.field().is_none() => Some(err.to_string()),
            _ => None,
        })
    };
    let pending = action.pending();
    let first_run = crate::json::resource(|| (), |_| first_run());
    let hint = move || {
        Suspend::new(async move {
            first_run.await.unwrap_or(false).then(|| {
                view! {
                    <div class="first-run" role="note">
                        <p>"No one can sign in yet. Create the first admin on the server:"</p>
                        <pre><code>"contacts user add --workspace \"My team\" --email you@example.com --role admin"</code></pre>
                        <p>"or start with demo data: "<code>"contacts serve --demo"</code></p>
                    </div>
                }
            })
        })
    };
    view! {
        <Title text="Sign in"/>
        <main class="signin-page">
            <div class="signin-card">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true">"C"</span>
                    <span>"Contacts"</span>
                </div>
                <h1>"Sign in"</h1>
                <Suspense fallback=|| ()>{hint}</Suspense>
                <ActionForm action>
                    <input type="hidden" name="next" value=next/>
                    <CredentialField
                        id="signin-email"
                        name="email"
                        label="Email"
                        kind="email"
                        autocomplete="username"
                        error=Signal::derive(error_for("email"))
                    />
                    <CredentialField
                        id="signin-password"
                        name="password"
                        label="Password"
                        kind="password"
                        autocomplete="current-password"
                        error=Signal::derive(error_for("password"))
                    />
                    <p class="form-error" role="alert">{general}</p>
                    <button type="submit" class="button primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}

/// One labelled input of the sign-in form, with its message below it.
#[component]
fn CredentialField(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="form-field">
            <label for=id>{label}</label>
            <input
                id=id
                type=kind
                name=name
                autocomplete=autocomplete
                required
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
            />
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}
