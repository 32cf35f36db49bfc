pub mod cart;
pub mod home;
pub mod listing;
pub mod not_found;
pub mod product;
