//! Wasm-safe domain types and DTOs, shared by the server and the browser.

pub mod catalog;
pub mod money;
pub mod product;
