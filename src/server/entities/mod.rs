//! SeaORM entities, one per table, mirroring the migrations.

pub mod account_token;
pub mod cart;
pub mod cart_line;
pub mod category;
pub mod idempotency_key;
pub mod inventory_ledger;
pub mod job_lease;
pub mod mail_outbox;
pub mod option_value;
pub mod order;
pub mod order_line;
pub mod product;
pub mod product_image;
pub mod product_option;
pub mod product_tag;
pub mod promo_code;
pub mod sandbox_idempotency;
pub mod sandbox_object;
pub mod sandbox_webhook;
pub mod session;
pub mod user;
pub mod variant;
pub mod variant_option_value;
pub mod webhook_event;
