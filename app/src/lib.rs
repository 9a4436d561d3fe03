//! The Contacts application: shared components, server functions and domain types.
//!
//! This crate compiles twice: with `ssr` for the axum server and with `hydrate` for
//! the browser. It never builds SQL: storage is reached through the [`store`] port,
//! which the server crate implements and provides as context.

// Leptos views are deeply nested types; the WASM build needs the deeper limit.
#![recursion_limit = "256"]

pub mod accounts;
pub mod contacts;
pub mod domain;
pub mod error;
pub mod filter;
pub mod format;
pub mod json;
pub mod layout;
#[cfg(feature = "ssr")]
pub mod store;
pub mod validate;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document around the app, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/contacts.css"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Meta name="color-scheme" content="light dark"/>
        <Title formatter=|text| format!("{text} · Contacts")/>
        <Router>
            <Routes fallback=|| view! { <layout::NotFound/> }>
                // Async mode: the first page is rendered completely on the server, rows included.
                <Route path=path!("/contacts") view=contacts::ContactsPage ssr=SsrMode::Async/>
                <Route path=path!("/signin") view=accounts::sign_in::SignInPage/>
            </Routes>
        </Router>
    }
}
