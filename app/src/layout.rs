//! The frame around every page: the sidebar with Contacts > All and the account
//! menu, and the 404 page.

use crate::accounts::switcher::{AccountMenu, ViewerResource};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    // Loaded once per page; the page's parts that depend on the role read it too.
    let viewer = ViewerResource::new();
    provide_context(viewer);
    view! {
        <a class="skip-link" href="#main">"Skip to the contacts table"</a>
        <div class="app">
            <nav class="sidebar" aria-label="Main">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true">"C"</span>
                    <span>"Contacts"</span>
                </div>
                <p class="nav-heading" id="nav-contacts">"Contacts"</p>
                <ul aria-labelledby="nav-contacts">
                    <li>
                        <a href="/contacts" aria-current="page" class="nav-link active">"All"</a>
                    </li>
                </ul>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        viewer.0.await.ok().map(|viewer| view! { <AccountMenu viewer/> })
                    })}
                </Suspense>
            </nav>
            <main id="main" class="main">{children()}</main>
        </div>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <Shell>
            <div class="state">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <a class="button" href="/contacts">"Go to All Contacts"</a>
            </div>
        </Shell>
    }
}
