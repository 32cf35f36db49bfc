//! Product listings and search results: filters, facet counts, sorting and pagination, computed in one
//! pass over the in-memory read model (no query per listing, whatever its size: no N+1).

use crate::error::AppError;
use crate::model::catalog::{CategoryInfo, Facet, FacetKey, FacetValue, Listing, ListingQuery, PAGE_SIZE, Sort};

use super::read_model::Snapshot;

/// A listing of active products. With `category_in_path`, an unknown category is NotFound; as a filter
/// parameter it is ignored, like any other malformed filter. With a search text, only matching products
/// are listed, by relevance unless another sort is asked for.
pub fn list_products(
    snapshot: &Snapshot,
    mut query: ListingQuery,
    category_in_path: bool,
) -> Result<Listing, AppError> {
    let category = query.category.as_deref().and_then(|slug| snapshot.category_index(slug));
    if category.is_none() {
        if category_in_path {
            return Err(AppError::NotFound);
        }
        query.category = None;
    }
    if query.sort == Sort::Relevance && query.q.is_none() {
        query.sort = Sort::Newest;
    }

    // Search narrows the candidates and gives the relevance order.
    let hits = query.q.as_deref().map(|q| snapshot.search.search(q, None));
    let candidate: Option<Vec<bool>> = hits.as_ref().map(|hits| {
        let mut candidate = vec![false; snapshot.products.len()];
        for hit in hits {
            candidate[hit.product as usize] = true;
        }
        candidate
    });

    let selected = |key: FacetKey, wanted: &[String]| -> Vec<bool> {
        snapshot.values.iter().map(|v| v.facet() == Some(key) && wanted.contains(&v.value)).collect()
    };
    let sizes = selected(FacetKey::Size, &query.sizes);
    let colors = selected(FacetKey::Color, &query.colors);
    let takes = |values: &[u32], selected: &[bool], wanted: &[String]| {
        wanted.is_empty() || values.iter().any(|&v| selected[v as usize])
    };

    // One pass: whether each product matches, and each facet's counts under every other filter.
    let mut matched = vec![false; snapshot.products.len()];
    let mut total = 0u64;
    let mut category_counts = vec![0u64; snapshot.categories.len()];
    let mut value_counts = vec![0u64; snapshot.values.len()];
    for (i, product) in snapshot.products.iter().enumerate() {
        if candidate.as_ref().is_some_and(|c| !c[i])
            || (query.in_stock && !product.in_stock)
            || query.min_price.is_some_and(|min| product.max_price < min)
            || query.max_price.is_some_and(|max| product.min_price > max)
        {
            continue;
        }
        let in_category = category.is_none_or(|c| product.category == c);
        let in_sizes = takes(&product.values, &sizes, &query.sizes);
        let in_colors = takes(&product.values, &colors, &query.colors);
        if in_sizes && in_colors {
            category_counts[product.category] += 1;
        }
        for &v in &product.values {
            let counts = match snapshot.values[v as usize].facet() {
                Some(FacetKey::Size) => in_category && in_colors,
                Some(FacetKey::Color) => in_category && in_sizes,
                _ => false,
            };
            if counts {
                value_counts[v as usize] += 1;
            }
        }
        if in_category && in_sizes && in_colors {
            matched[i] = true;
            total += 1;
        }
    }

    let pages = total.div_ceil(PAGE_SIZE as u64).max(1) as u32;
    query.page = query.page.clamp(1, pages);
    let skip = ((query.page - 1) * PAGE_SIZE) as usize;
    let order: Box<dyn Iterator<Item = u32>> = match (query.sort, &hits) {
        (Sort::Relevance, Some(hits)) => Box::new(hits.iter().map(|h| h.product)),
        (Sort::PriceAsc, _) => Box::new(snapshot.by_price_asc.iter().copied()),
        (Sort::PriceDesc, _) => Box::new(snapshot.by_price_desc.iter().copied()),
        (Sort::Name, _) => Box::new(snapshot.by_name.iter().copied()),
        _ => Box::new(snapshot.by_newest.iter().copied()),
    };
    let cards = order
        .filter(|&i| matched[i as usize])
        .skip(skip)
        .take(PAGE_SIZE as usize)
        .map(|i| snapshot.products[i as usize].card())
        .collect();

    let mut facets = Vec::new();
    if !category_in_path {
        let values = snapshot
            .categories
            .iter()
            .zip(&category_counts)
            .filter(|(c, count)| **count > 0 || query.category.as_deref() == Some(c.slug.as_str()))
            .map(|(c, &count)| FacetValue {
                selected: query.category.as_deref() == Some(c.slug.as_str()),
                value: c.slug.clone(),
                label: c.name.clone(),
                count,
                swatch: None,
            })
            .collect();
        facets.push(Facet { key: FacetKey::Category, label: "Category".into(), values });
    }
    for (key, label, wanted) in [(FacetKey::Size, "Size", &query.sizes), (FacetKey::Color, "Color", &query.colors)] {
        let mut values: Vec<(i32, FacetValue)> = snapshot
            .values
            .iter()
            .zip(&value_counts)
            .filter(|(v, count)| v.facet() == Some(key) && (**count > 0 || wanted.contains(&v.value)))
            .map(|(v, &count)| {
                let value = FacetValue {
                    selected: wanted.contains(&v.value),
                    value: v.value.clone(),
                    label: v.value.clone(),
                    count,
                    swatch: v.swatch.clone(),
                };
                (v.position, value)
            })
            .collect();
        values.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.value.cmp(&b.1.value)));
        let mut values: Vec<FacetValue> = values.into_iter().map(|(_, v)| v).collect();
        if key == FacetKey::Size {
            values.sort_by_key(|v| size_rank(&v.value));
        }
        facets.push(Facet { key, label: label.to_owned(), values });
    }
    facets.retain(|f| !f.values.is_empty());

    let category = category.map(|i| {
        let c = &snapshot.categories[i];
        CategoryInfo { slug: c.slug.clone(), name: c.name.clone(), description: c.description.clone() }
    });
    Ok(Listing { category, query, cards, total, pages, facets })
}

/// Clothing sizes in wearing order, numeric sizes by number, anything else after.
fn size_rank(size: &str) -> (u32, u32, String) {
    const ORDER: [&str; 9] = ["XXS", "XS", "S", "S/M", "M", "L", "L/XL", "XL", "XXL"];
    if let Some(i) = ORDER.iter().position(|s| *s == size) {
        return (0, i as u32, String::new());
    }
    match size.parse::<u32>() {
        Ok(n) => (1, n, String::new()),
        Err(_) => (2, 0, size.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_sort_in_wearing_order() {
        let mut sizes = vec!["XL", "S", "42", "M", "XS", "38", "L/XL", "S/M"];
        sizes.sort_by_key(|s| size_rank(s));
        assert_eq!(sizes, vec!["XS", "S", "S/M", "M", "L/XL", "XL", "38", "42"]);
    }
}
