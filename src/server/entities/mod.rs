//! SeaORM entities, one per table, mirroring the migrations.

pub mod category;
pub mod option_value;
pub mod product;
pub mod product_image;
pub mod product_option;
pub mod product_tag;
pub mod variant;
pub mod variant_option_value;
