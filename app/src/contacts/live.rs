//! Live mode: when on, the list refreshes every few seconds. Each tick asks the
//! server one cheap question (the workspace's change counter) and fetches the page
//! again only when something changed. A refresh updates rows in place, so an open
//! editor, the drawer, the selection and the scroll position stay as they are.

use super::{list_contacts, Listing};
use crate::domain::{ContactPage, ListQuery};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Seconds between refreshes while the server answers.
pub const INTERVAL_SECS: u32 = 5;
/// The longest wait between retries while the server does not answer.
pub const MAX_BACKOFF_SECS: u32 = 60;
/// Where the browser remembers the toggle.
const STORAGE_KEY: &str = "contacts.live";

/// The workspace's change counter: it moves whenever a contact, conversation or
/// message changes. One row read, a few bytes.
#[server(input = Json)]
pub async fn live_check() -> Result<i64, AppError> {
    use crate::store::{current_workspace, respond};
    respond(async move { Ok(current_workspace().await?.change_seq) }).await
}

/// What Live mode hands the table: the newest page for a query, and the change
/// counter the shown data is as new as.
#[derive(Clone, Copy)]
pub struct LiveFeed {
    pub page: RwSignal<Option<(ListQuery, ContactPage)>>,
    pub seq: StoredValue<i64>,
}

impl LiveFeed {
    pub fn new() -> Self {
        LiveFeed {
            page: RwSignal::new(None),
            seq: StoredValue::new(0),
        }
    }
}

impl Default for LiveFeed {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum LiveState {
    Off,
    On,
    /// The server did not answer; the next try is in this many seconds.
    Retrying(u32),
}

/// The wait before the next tick after `failures` failed ones in a row.
pub fn backoff_secs(failures: u32) -> u32 {
    if failures == 0 {
        INTERVAL_SECS
    } else {
        INTERVAL_SECS
            .saturating_mul(1 << failures.min(5))
            .min(MAX_BACKOFF_SECS)
    }
}

#[component]
pub fn LiveToggle(query: ArcRwSignal<ListQuery>, feed: LiveFeed) -> impl IntoView {
    let on = RwSignal::new(false);
    let state = RwSignal::new(LiveState::Off);
    // The toggle survives reloads: read once after hydration, saved on change.
    Effect::new(move |_| {
        if read_stored() {
            on.set(true);
        }
    });
    let generation = StoredValue::new(0_u64);
    Effect::new(move |previous: Option<bool>| {
        let enabled = on.get();
        if previous.is_some() {
            write_stored(enabled);
        }
        generation.update_value(|g| *g += 1);
        if !enabled {
            state.set(LiveState::Off);
            return enabled;
        }
        state.set(LiveState::On);
        let mine = generation.get_value();
        let query = query.clone();
        leptos::task::spawn_local(async move {
            let mut failures = 0;
            loop {
                sleep_secs(backoff_secs(failures)).await;
                // Turned off, or the page is gone: this loop ends.
                if generation.try_get_value() != Some(mine) {
                    break;
                }
                match refresh(&query, feed).await {
                    Ok(()) => {
                        failures = 0;
                        state.set(LiveState::On);
                    }
                    Err(_) => {
                        failures += 1;
                        state.set(LiveState::Retrying(backoff_secs(failures)));
                    }
                }
            }
        });
        enabled
    });

    let status = move || match state.get() {
        LiveState::Off => String::new(),
        LiveState::On => format!("Refreshing every {INTERVAL_SECS} s"),
        LiveState::Retrying(secs) => {
            format!("Server unreachable: Live paused, retrying in {secs} s")
        }
    };
    view! {
        <div class="live" class:live-on=move || on.get() class:live-trouble=move || matches!(state.get(), LiveState::Retrying(_))>
            <label class="live-toggle">
                <input
                    type="checkbox"
                    role="switch"
                    class="switch"
                    prop:checked=move || on.get()
                    on:change=move |ev| on.set(event_target_checked(&ev))
                />
                <span>"Live"</span>
            </label>
            <span class="live-status" role="status" aria-live="polite">{status}</span>
        </div>
    }
}

/// One tick: the cheap check, then the page only when something changed.
async fn refresh(query: &ArcRwSignal<ListQuery>, feed: LiveFeed) -> Result<(), AppError> {
    let seq = live_check().await?;
    if feed.seq.try_get_value() == Some(seq) {
        return Ok(());
    }
    let Some(asked) = query.try_get_untracked() else {
        return Ok(());
    };
    let Listing::Page(page) = list_contacts(asked.clone()).await?;
    feed.seq.try_set_value(page.workspace.change_seq);
    feed.page.try_set(Some((asked, *page)));
    Ok(())
}

#[cfg(feature = "hydrate")]
async fn sleep_secs(secs: u32) {
    gloo_timers::future::TimeoutFuture::new(secs * 1000).await;
}

#[cfg(not(feature = "hydrate"))]
async fn sleep_secs(_secs: u32) {
    // Effects never run on the server, so the loop never gets here.
    std::future::pending::<()>().await;
}

fn read_stored() -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
            .is_some_and(|v| v == "on")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = STORAGE_KEY;
        false
    }
}

#[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
fn write_stored(on: bool) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(STORAGE_KEY, if on { "on" } else { "off" });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_interval_up_to_a_minute() {
        assert_eq!(backoff_secs(0), 5);
        assert_eq!(backoff_secs(1), 10);
        assert_eq!(backoff_secs(2), 20);
        assert_eq!(backoff_secs(3), 40);
        assert_eq!(backoff_secs(4), 60);
        assert_eq!(backoff_secs(40), 60);
    }
}
