//! Integration tests: the real router over HTTP, each test on its own fresh database.

mod helpers;

mod contrast;
mod health;
mod listing;
mod listing_pages;
mod orders;
mod page_cache;
mod process;
mod product;
mod search;
mod security;
mod seed;
mod seo;
mod shell;
mod static_files;
