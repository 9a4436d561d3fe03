//! The Contacts server: the axum binary's building blocks (HTTP, database, CLI
//! commands). Only this crate touches sqlx; the app crate reaches storage through
//! its `ContactStore` port, implemented here.

pub mod api;
pub mod auth;
pub mod bench;
pub mod db;
pub mod export;
pub mod http;
pub mod import;
pub mod seed;
pub mod simulate;
