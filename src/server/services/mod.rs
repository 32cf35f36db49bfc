//! The rules of the store, one service per area. Each takes a connection or a transaction.

pub mod accounts;
pub mod audit;
pub mod cart;
pub mod catalog;
pub mod catalog_admin;
pub mod checkout;
pub mod home;
pub mod inventory;
pub mod leases;
pub mod listing;
pub mod mail;
pub mod media;
pub mod orders;
pub mod payments;
pub mod pricing;
pub mod product;
pub mod promos;
pub mod prune;
pub mod read_model;
pub mod reconcile;
pub mod search;
pub mod stock_alerts;
pub mod wishlist;
