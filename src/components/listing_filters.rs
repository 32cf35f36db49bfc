use leptos::prelude::*;

use crate::model::catalog::{Facet, FacetKey, ListingQuery};

/// Filters as links (they work without JavaScript and can be shared), with how many products each leaves.
#[component]
pub fn ListingFilters(facets: Vec<Facet>, query: ListingQuery, base: String, in_path: bool) -> impl IntoView {
    let href = {
        let base = base.clone();
        move |q: &ListingQuery| format!("{base}{}", q.to_query_string(!in_path))
    };
    let stock_toggle = ListingQuery { in_stock: !query.in_stock, page: 1, ..query.clone() };
    let clear = ListingQuery {
        q: query.q.clone(),
        sort: query.sort,
        category: if in_path { None } else { query.category.clone() },
        ..Default::default()
    };
    let facet_views = facets
        .into_iter()
        .map(|facet| {
            let key = facet.key;
            let items = facet
                .values
                .into_iter()
                .map(|value| {
                    let target = href(&query.toggled(key, &value.value));
                    let swatch = value.swatch.clone().filter(|_| key == FacetKey::Color).map(|colour| {
                        // An SVG fill, not a style attribute: the page's CSP allows no inline styles.
                        view! {
                            <svg class="swatch" viewBox="0 0 16 16" aria-hidden="true">
                                <circle cx="8" cy="8" r="7.5" fill=colour stroke="#0000004d"/>
                            </svg>
                        }
                    });
                    view! {
                        <li>
                            <a
                                class="filter"
                                href=target
                                role="checkbox"
                                aria-checked=value.selected.to_string()
                                rel="nofollow"
                            >
                                {swatch}
                                <span class="filter__label">{value.label}</span>
                                <span class="filter__count">"(" {value.count} ")"</span>
                            </a>
                        </li>
                    }
                })
                .collect_view();
            let label = facet.label;
            let aria_label = label.clone();
            view! {
                <section class="filters__group" aria-label=aria_label>
                    <h2 class="filters__title">{label}</h2>
                    <ul>{items}</ul>
                </section>
            }
        })
        .collect_view();
    let (min, max) = (query.min_price.map(|c| (c / 100).to_string()), query.max_price.map(|c| (c / 100).to_string()));
    let hidden = view! { <HiddenQueryInputs query=query.clone() in_path except=&["min", "max", "page"]/> };
    view! {
        <aside class="filters" aria-label="Filters">
            <section class="filters__group" aria-label="Availability">
                <h2 class="filters__title">"Availability"</h2>
                <a class="filter" href=href(&stock_toggle) role="checkbox" aria-checked=query.in_stock.to_string() rel="nofollow">
                    "In stock only"
                </a>
            </section>
            {facet_views}
            <form class="filters__group filters__price" method="get" action=base.clone()>
                <h2 class="filters__title">"Price"</h2>
                {hidden}
                <label>"Min $" <input type="number" name="min" min="0" step="1" inputmode="numeric" value=min/></label>
                <label>"Max $" <input type="number" name="max" min="0" step="1" inputmode="numeric" value=max/></label>
                <button type="submit">"Apply"</button>
            </form>
            {query.is_filtered().then(|| view! { <a class="filters__clear" href=href(&clear)>"Clear all filters"</a> })}
        </aside>
    }
}

/// The query's parameters as hidden inputs, so a GET form that changes some of them keeps the others.
#[component]
pub fn HiddenQueryInputs(query: ListingQuery, in_path: bool, except: &'static [&'static str]) -> impl IntoView {
    query
        .pairs(!in_path)
        .into_iter()
        .filter(|(name, _)| !except.contains(name))
        .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
        .collect_view()
}
