//! Wasm-safe domain types and DTOs, shared by the server and the browser.

pub mod account;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod money;
pub mod order;
pub mod product;
pub mod wishlist;
