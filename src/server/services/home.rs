//! What the home page features, chosen from the read model: categories with a picture, new arrivals
//! and the deepest sales, in stock only.

use crate::model::catalog::{CategoryTile, HomeContent};

use super::read_model::{ProductEntry, Snapshot};

pub const NEW_ARRIVALS: usize = 8;
pub const ON_SALE: usize = 4;

pub fn home(snapshot: &Snapshot) -> HomeContent {
    let newest_in_stock = || snapshot.by_newest.iter().map(|&i| &snapshot.products[i as usize]).filter(|p| p.in_stock);
    let categories = snapshot
        .categories
        .iter()
        .enumerate()
        .filter(|(_, c)| c.parent_id.is_none())
        .filter_map(|(index, c)| {
            let mut products = newest_in_stock().filter(|p| p.category == index);
            let first = products.next()?;
            Some(CategoryTile {
                slug: c.slug.clone(),
                name: c.name.clone(),
                image: first.image.clone(),
                count: 1 + products.count() as u64,
            })
        })
        .collect();
    let new_arrivals = newest_in_stock().take(NEW_ARRIVALS).map(ProductEntry::card).collect();
    let mut on_sale: Vec<&ProductEntry> = newest_in_stock().filter(|p| p.max_compare > p.min_price).collect();
    // Deepest discount first (in basis points of the compare-at price), newest first among equals.
    on_sale.sort_by_key(|p| std::cmp::Reverse((p.max_compare - p.min_price) * 10_000 / p.max_compare.max(1)));
    let on_sale = on_sale.into_iter().take(ON_SALE).map(ProductEntry::card).collect();
    HomeContent { categories, new_arrivals, on_sale }
}
