//! The rules of the store, one service per area. Each takes a connection or a transaction.

pub mod catalog;
pub mod home;
pub mod listing;
pub mod product;
pub mod read_model;
pub mod search;
