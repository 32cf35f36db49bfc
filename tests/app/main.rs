//! Integration tests: the real router over HTTP, each test on its own fresh database.

mod helpers;

mod accounts;
mod addresses;
mod admin;
mod admin_products;
mod checkout;
mod contrast;
mod fixtures;
mod fuzz;
mod health;
mod island_pages;
mod jobs;
mod limits;
mod listing;
mod listing_pages;
mod mail_delivery;
mod nodes;
mod order_history;
mod orders;
mod page_cache;
mod payments;
mod process;
mod product;
mod profile;
mod reconcile;
mod search;
mod security;
mod seed;
mod seo;
mod server_functions;
mod shell;
mod shopper;
mod static_files;
mod stock_alerts;
mod wishlist;
