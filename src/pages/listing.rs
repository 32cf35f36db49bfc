//! Product listings: all products (/products) and one category (/c/{slug}).

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::catalog::list_products;
use crate::components::form::SubmitOnChange;
use crate::components::listing_filters::{FilterDrawer, HiddenQueryInputs, ListingFilters};
use crate::components::pagination::Pagination;
use crate::components::product_card::ProductCard;
use crate::components::seo::{JsonLd, PageMeta, breadcrumbs};
use crate::error::AppError;
use crate::model::catalog::{Facet, Listing, ListingQuery, ProductCard as Card, Sort};
use crate::pages::not_found::{NotFound, PageError};

#[component]
pub fn ProductsPage() -> impl IntoView {
    view! { <ListingPage category=Signal::derive(|| None)/> }
}

#[component]
pub fn CategoryPage() -> impl IntoView {
    let params = use_params_map();
    view! { <ListingPage category=Signal::derive(move || params.read().get("slug"))/> }
}

/// /search?q=…: the listing of matching products, best match first, with the same filters.
#[component]
pub fn SearchPage() -> impl IntoView {
    view! { <ListingPage category=Signal::derive(|| None) search=true/> }
}

#[component]
fn ListingPage(category: Signal<Option<String>>, #[prop(optional)] search: bool) -> impl IntoView {
    let query_map = use_query_map();
    let request = move || {
        let params = query_map.read();
        let mut query = ListingQuery::from_params(|key| params.get_all(key).unwrap_or_default());
        let in_path = category.get().is_some();
        if in_path {
            query.category = category.get();
        }
        (query, in_path)
    };
    let listing = Resource::new(request, |(query, in_path)| list_products(query, in_path));
    let in_path = move || category.get().is_some();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading products…"</p> }>
            {move || Suspend::new(async move {
                match listing.await {
                    Ok(listing) if search => view! { <SearchBody listing/> }.into_any(),
                    Ok(listing) => view! { <ListingBody listing in_path=in_path()/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <PageError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ListingBody(listing: Listing, in_path: bool) -> impl IntoView {
    let Listing { category, query, cards, total, pages, facets } = listing;
    // /c/{slug} pages carry the category in the path; /products?category=… as a filter.
    let base = match &category {
        Some(c) if in_path => format!("/c/{}", c.slug),
        _ => "/products".to_owned(),
    };
    let heading = category.as_ref().map_or_else(|| "All products".to_owned(), |c| c.name.clone());
    let description = category
        .as_ref()
        .map_or_else(|| "Clothing, shoes and goods for every day outdoors.".to_owned(), |c| c.description.clone());
    // Sorting alone makes no new page for search engines; filtered pages are not indexed at all.
    let canonical_base = category.as_ref().map_or_else(|| base.clone(), |c| format!("/c/{}", c.slug));
    let canonical = if query.page > 1 { format!("{canonical_base}?page={}", query.page) } else { canonical_base };
    let structured = {
        let category = category.as_ref().map(|c| (c.name.clone(), format!("/c/{}", c.slug)));
        Box::new(move |base: &str| {
            let mut trail = vec![("Home", "/"), ("All products", "/products")];
            if let Some((name, href)) = &category {
                trail.push((name.as_str(), href.as_str()));
            }
            breadcrumbs(base, &trail)
        })
    };
    let clear = base.clone();
    let page_title = if query.page > 1 { format!("{heading} – page {}", query.page) } else { heading.clone() };
    view! {
        <Title text=page_title.clone()/>
        <PageMeta title=page_title description=description.clone() path=canonical/>
        <JsonLd data=structured/>
        {query.is_filtered().then(|| view! { <Meta name="robots" content="noindex, follow"/> })}
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <ol>
                <li><a href="/">"Home"</a></li>
                {category.as_ref().map(|_| view! { <li><a href="/products">"All products"</a></li> })}
                <li aria-current="page">{heading.clone()}</li>
            </ol>
        </nav>
        <div class="listing__head">
            <h1>{heading}</h1>
            <p class="listing__count" role="status">{count_text(total)}</p>
            <SortSelect query=query.clone() base=base.clone() in_path sorts=&Sort::ALL/>
        </div>
        <ListingResults facets query base in_path cards pages>
            <div class="empty">
                <p>"No products match these filters."</p>
                <a class="button button--primary" href=clear.clone()>"Clear filters"</a>
            </div>
        </ListingResults>
    }
}

/// Filters beside the product grid (or `children` when nothing matches) and the pagination.
#[component]
fn ListingResults(
    facets: Vec<Facet>,
    query: ListingQuery,
    base: String,
    in_path: bool,
    cards: Vec<Card>,
    pages: u32,
    children: ChildrenFn,
) -> impl IntoView {
    let href = {
        let (base, query) = (base.clone(), query.clone());
        move |page: u32| format!("{base}{}", query.with_page(page).to_query_string(!in_path))
    };
    let results = if cards.is_empty() {
        children().into_any()
    } else {
        let grid = cards.into_iter().enumerate().map(|(i, card)| view! { <ProductCard card eager=i < 4/> });
        view! { <ul class="grid">{grid.collect_view()}</ul> }.into_any()
    };
    let (shown, page, active) = (query.to_query_string(!in_path), query.page, query.active_filters());
    view! {
        // Tests wait for the listing of a given query (each filter is a link to a new page).
        <div class="listing" data-query=shown>
            <FilterDrawer active>
                <ListingFilters facets query base in_path/>
            </FilterDrawer>
            <div class="listing__results">
                {results}
                <Pagination page pages href/>
            </div>
        </div>
    }
}

#[component]
fn SearchBody(listing: Listing) -> impl IntoView {
    let Listing { query, cards, total, pages, facets, .. } = listing;
    let base = "/search".to_owned();
    let text = query.q.clone().unwrap_or_default();
    let (heading, title) = if text.is_empty() {
        ("Search".to_owned(), "Search".to_owned())
    } else {
        (format!("Results for “{text}”"), format!("Search: {text}"))
    };
    let sorts: &'static [Sort] = if text.is_empty() { &Sort::ALL } else { &Sort::SEARCH };
    view! {
        <Title text=title.clone()/>
        // Results for a query are a page like a category's (canonical: the query alone); filtered, not indexed.
        <PageMeta title description="Search the store's products.".to_owned() path=search_path(&text) canonical=!query.is_filtered()/>
        {query.is_filtered().then(|| view! { <Meta name="robots" content="noindex, follow"/> })}
        <div class="listing__head">
            <h1>{heading}</h1>
            <p class="listing__count" role="status">{count_text(total)}</p>
            <SortSelect query=query.clone() base=base.clone() in_path=false sorts/>
        </div>
        <form class="search-again" role="search" aria-label="Search again" action="/search" method="get">
            <label for="search-page-q">"Search again"</label>
            <input id="search-page-q" type="search" name="q" value=text.clone() maxlength="100"/>
            <button type="submit" class="button">"Search"</button>
        </form>
        <ListingResults facets query base in_path=false cards pages>
            <div class="empty">
                <p>{format!("No products match “{text}”.")}</p>
                <p>"Check the spelling, use fewer words, or clear the filters."</p>
                <a class="button button--primary" href="/products">"Browse all products"</a>
            </div>
        </ListingResults>
    }
}

fn count_text(total: u64) -> String {
    match total {
        1 => "1 product".to_owned(),
        n => format!("{n} products"),
    }
}

/// A sort select: its form's button applies it; hydrated, choosing a value is enough.
#[component]
fn SortSelect(query: ListingQuery, base: String, in_path: bool, sorts: &'static [Sort]) -> impl IntoView {
    let options = sorts
        .iter()
        .map(|sort| view! { <option value=sort.param() selected=*sort == query.sort>{sort.label()}</option> })
        .collect_view();
    view! {
        <SubmitOnChange>
            <form class="sort" method="get" action=base>
                <HiddenQueryInputs query=query.clone() in_path except=&["sort", "page"]/>
                <label for="sort">"Sort by"</label>
                <select id="sort" name="sort">{options}</select>
                <button type="submit" class="sort__apply">"Sort"</button>
            </form>
        </SubmitOnChange>
    }
}

/// The canonical address of the results for `text`.
fn search_path(text: &str) -> String {
    if text.is_empty() { "/search".to_owned() } else { format!("/search?q={}", crate::model::catalog::encode(text)) }
}
