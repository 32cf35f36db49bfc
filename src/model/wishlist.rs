//! The wishlist as the shopper sees it: each saved product with its variants' prices and stock now.

use serde::{Deserialize, Serialize};

use super::catalog::Image;
use super::money::Money;

/// How many products one wishlist keeps.
pub const MAX_WISHLIST_ITEMS: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WishlistItem {
    pub slug: String,
    pub title: String,
    pub image: Option<Image>,
    /// The variants for sale, in the product's order (empty when the product is no longer sold).
    pub variants: Vec<WishlistVariant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WishlistVariant {
    pub sku: String,
    /// "Navy / M"; empty for a product without options.
    pub label: String,
    pub price: Money,
    pub stock: i32,
}

impl WishlistItem {
    /// "$48.00", or "from $42.00" when the variants' prices differ; None when nothing is for sale.
    pub fn price(&self) -> Option<String> {
        let low = self.variants.iter().map(|v| v.price).min_by_key(|p| p.minor)?;
        let high = self.variants.iter().map(|v| v.price.minor).max()?;
        Some(if low.minor == high { low.format() } else { format!("from {}", low.format()) })
    }

    /// Whether any variant can go into the cart now.
    pub fn in_stock(&self) -> bool {
        self.variants.iter().any(|v| v.stock > 0)
    }
}

/// What a wishlist heart did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HeartOutcome {
    /// The product is on the wishlist now (true) or off it (false).
    Saved(bool),
    /// A guest: sign in first (this page), then come back to the product.
    SignInFirst(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(sku: &str, minor: i64, stock: i32) -> WishlistVariant {
        WishlistVariant { sku: sku.into(), label: String::new(), price: Money::store(minor), stock }
    }

    #[test]
    fn the_price_is_a_range_only_when_prices_differ() {
        let mut item = WishlistItem { slug: "s".into(), title: "T".into(), image: None, variants: vec![] };
        assert_eq!(item.price(), None);
        assert!(!item.in_stock());
        item.variants = vec![variant("A", 4800, 0), variant("B", 4800, 0)];
        assert_eq!(item.price().as_deref(), Some("$48.00"));
        assert!(!item.in_stock());
        item.variants.push(variant("C", 4200, 3));
        assert_eq!(item.price().as_deref(), Some("from $42.00"));
        assert!(item.in_stock());
    }
}
