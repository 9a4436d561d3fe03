//! Searching: one box for name, email, phone and custom field text. The list
//! follows about 250 ms after typing pauses; the query lives in the URL (`?q=`).

use super::url::ContactsUrl;
use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

/// How long typing must pause before the list follows.
pub const DEBOUNCE_MS: u32 = 250;

#[component]
pub fn SearchBox(url: ReadSignal<ContactsUrl>) -> impl IntoView {
    let text = RwSignal::new(url.with_untracked(|u| u.q.clone()));
    // Back, forward and links change the URL: the box follows it.
    Effect::new(move |_| {
        let q = url.with(|u| u.q.clone());
        if text.get_untracked() != q {
            text.set(q);
        }
    });
    let navigate = use_navigate();
    let go = move |q: String| {
        let href = url.with_untracked(|u| u.with_q(&q).href());
        navigate(
            &href,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let debounce = Debounce::new();
    let on_input = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            text.set(value.clone());
            let go = go.clone();
            debounce.run(move || go(value));
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        debounce.cancel();
        go(text.get_untracked());
    };

    // A plain GET form: without the WASM, Enter still searches.
    view! {
        <form class="search" role="search" method="get" action="/contacts" on:submit=on_submit>
            <label class="visually-hidden" for="contact-search">"Search contacts"</label>
            <span class="search-icon" aria-hidden="true">"⌕"</span>
            <input
                id="contact-search"
                type="search"
                name="q"
                placeholder="Search name, email, phone or keyword"
                autocomplete="off"
                maxlength="200"
                prop:value=move || text.get()
                on:input=on_input
            />
        </form>
    }
}

/// Runs the latest of a burst of actions once it has been quiet for `DEBOUNCE_MS`.
#[derive(Clone, Copy)]
struct Debounce {
    #[cfg(feature = "hydrate")]
    pending: StoredValue<Option<gloo_timers::callback::Timeout>, LocalStorage>,
}

impl Debounce {
    fn new() -> Self {
        Debounce {
            #[cfg(feature = "hydrate")]
            pending: StoredValue::new_local(None),
        }
    }

    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
    fn run(&self, action: impl FnOnce() + 'static) {
        #[cfg(feature = "hydrate")]
        {
            // Dropping the previous timeout cancels it.
            let timeout = gloo_timers::callback::Timeout::new(DEBOUNCE_MS, action);
            self.pending.set_value(Some(timeout));
        }
    }

    fn cancel(&self) {
        #[cfg(feature = "hydrate")]
        self.pending.set_value(None);
    }
}
