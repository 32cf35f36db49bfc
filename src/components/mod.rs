pub mod cart_drawer;
pub mod cart_state;
pub mod footer;
pub mod header;
pub mod listing_filters;
pub mod pagination;
pub mod product_card;
pub mod seo;
