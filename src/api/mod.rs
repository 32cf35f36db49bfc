//! Server functions by area. Each is thin: parse, call one service, return a DTO.

pub mod account;
pub mod addresses;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod shell;
pub mod stock_alerts;
pub mod wishlist;
