//! Catalog rules: which products shoppers see, how variants are identified by their options.

use crate::server::entities::{product, variant};

/// The status of a product that shoppers see and can buy (drafts and archived products are hidden).
pub const ACTIVE: &str = "active";

/// "Sellable": an active variant of an active product. The one definition: cart, checkout and order
/// placement ask it (stock is a separate question).
pub fn is_sellable(product: &product::Model, variant: &variant::Model) -> bool {
    variant.active && product.status == ACTIVE
}

/// The canonical key of a combination of option values: sorted ids, comma-joined. The schema keeps it
/// unique per product, so a product has at most one variant per combination.
pub fn option_key(value_ids: &[i32]) -> String {
    let mut ids = value_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_keys_ignore_order() {
        assert_eq!(option_key(&[12, 3]), "3,12");
        assert_eq!(option_key(&[3, 12]), "3,12");
        assert_eq!(option_key(&[]), "");
    }
}
