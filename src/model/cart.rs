//! The cart as the shopper sees it.

use serde::{Deserialize, Serialize};

use super::catalog::Image;
use super::money::Money;

/// Quantity limits of one cart line.
pub const MAX_LINE_QUANTITY: i32 = 99;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartLine {
    pub sku: String,
    pub slug: String,
    pub title: String,
    /// "Navy / M"; empty for one-variant products.
    pub variant_label: String,
    pub image: Option<Image>,
    pub unit_price: Money,
    pub quantity: i32,
    pub line_total: Money,
    /// What is in stock now (the quantity is never more).
    pub available: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    /// Units in the cart (the header's badge).
    pub count: i32,
    pub subtotal: Option<Money>,
    /// What changed since the shopper last saw the cart: prices, quantities capped to stock, lines gone.
    pub notices: Vec<String>,
}
