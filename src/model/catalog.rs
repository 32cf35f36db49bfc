//! Catalog DTOs and the listing query: what the browser asks for and what it gets back.

use serde::{Deserialize, Serialize};

use super::money::Money;

pub const PAGE_SIZE: u32 = 24;
/// Pages past this are clamped: nobody browses further, and deep offsets are slow.
pub const MAX_PAGE: u32 = 1_000;
/// Search text past this many characters is cut: no product title is longer, and a 10 KB query must
/// still answer quickly.
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
    Name,
    /// Search results only: best match first.
    Relevance,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Newest, Sort::PriceAsc, Sort::PriceDesc, Sort::Name];
    pub const SEARCH: [Sort; 5] = [Sort::Relevance, Sort::Newest, Sort::PriceAsc, Sort::PriceDesc, Sort::Name];

    /// Unknown values fall back to the default: a bad link still shows a page.
    pub fn parse(value: &str) -> Sort {
        match value {
            "price-asc" => Sort::PriceAsc,
            "price-desc" => Sort::PriceDesc,
            "name" => Sort::Name,
            "relevance" => Sort::Relevance,
            _ => Sort::Newest,
        }
    }

    pub fn param(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::PriceAsc => "price-asc",
            Sort::PriceDesc => "price-desc",
            Sort::Name => "name",
            Sort::Relevance => "relevance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "Newest",
            Sort::PriceAsc => "Price, low to high",
            Sort::PriceDesc => "Price, high to low",
            Sort::Name => "Name, A to Z",
            Sort::Relevance => "Best match",
        }
    }
}

/// Filters, sort and page of a listing, as they appear in its shareable URL. Every way in (URL
/// parameters, the `/api/products` server function) goes through [`ListingQuery::capped`], so a
/// query is always within its caps: 20 values of 40 characters per filter, a 100-character search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "UncheckedListingQuery")]
pub struct ListingQuery {
    /// Search text (/search?q=), trimmed, whitespace collapsed, at most MAX_QUERY_CHARS characters.
    pub q: Option<String>,
    pub category: Option<String>,
    pub sizes: Vec<String>,
    pub colors: Vec<String>,
    /// Minor units.
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub in_stock: bool,
    pub sort: Sort,
    /// 1-based, clamped to 1..=MAX_PAGE.
    pub page: u32,
}

/// A listing query as sent, before its caps: only ever turned into a [`ListingQuery`].
#[derive(Deserialize)]
struct UncheckedListingQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    sizes: Vec<String>,
    #[serde(default)]
    colors: Vec<String>,
    #[serde(default)]
    min_price: Option<i64>,
    #[serde(default)]
    max_price: Option<i64>,
    #[serde(default)]
    in_stock: bool,
    #[serde(default)]
    sort: Sort,
    #[serde(default)]
    page: u32,
}

impl From<UncheckedListingQuery> for ListingQuery {
    fn from(raw: UncheckedListingQuery) -> Self {
        let UncheckedListingQuery { q, category, sizes, colors, min_price, max_price, in_stock, sort, page } = raw;
        ListingQuery { q, category, sizes, colors, min_price, max_price, in_stock, sort, page }.capped()
    }
}

/// Filter values kept per filter, and their longest length.
const MAX_FILTER_VALUES: usize = 20;
const MAX_FILTER_VALUE_BYTES: usize = 40;
const MAX_CATEGORY_BYTES: usize = 100;
/// The dearest price a filter may name ($999,999,999.99), as the URL parser reads it.
const MAX_PRICE_FILTER: i64 = 99_999_999_999;

impl ListingQuery {
    /// How many filters the shopper chose (each size and colour, the price bounds, "in stock only").
    pub fn active_filters(&self) -> usize {
        self.sizes.len()
            + self.colors.len()
            + usize::from(self.min_price.is_some())
            + usize::from(self.max_price.is_some())
            + usize::from(self.in_stock)
    }

    /// Reads URL parameters leniently: malformed values are ignored, never an error.
    pub fn from_params(get_all: impl Fn(&str) -> Vec<String>) -> ListingQuery {
        let first = |key: &str| get_all(key).into_iter().next().filter(|v| !v.trim().is_empty());
        ListingQuery {
            q: first("q"),
            category: first("category"),
            sizes: get_all("size"),
            colors: get_all("color"),
            min_price: first("min").and_then(|v| parse_price(&v)),
            max_price: first("max").and_then(|v| parse_price(&v)),
            in_stock: first("in_stock").is_some_and(|v| v == "1" || v == "true" || v == "on"),
            // Unsorted: best match first, which `capped` turns into newest first when there is no search.
            sort: first("sort").map(|s| Sort::parse(&s)).unwrap_or(Sort::Relevance),
            page: first("page").and_then(|p| p.parse::<u64>().ok()).unwrap_or(1).min(MAX_PAGE as u64) as u32,
        }
        .capped()
    }

    /// The query within its caps, however it arrived: blank values dropped, filter values trimmed,
    /// at most 20 of 40 bytes (sorted, no repeats), the search text cleaned and cut, prices within
    /// range, relevance only for a search, the page in 1..=MAX_PAGE.
    pub fn capped(self) -> ListingQuery {
        let list = |values: Vec<String>| {
            let mut values: Vec<String> = values
                .into_iter()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty() && v.len() <= MAX_FILTER_VALUE_BYTES)
                .take(MAX_FILTER_VALUES)
                .collect();
            values.sort();
            values.dedup();
            values
        };
        let price = |p: Option<i64>| p.filter(|p| (0..=MAX_PRICE_FILTER).contains(p));
        let q = self.q.map(|q| clean_search_text(&q)).filter(|q| !q.is_empty());
        let sort = match self.sort {
            Sort::Relevance if q.is_none() => Sort::Newest,
            sort => sort,
        };
        ListingQuery {
            category: self.category.filter(|c| !c.trim().is_empty() && c.len() <= MAX_CATEGORY_BYTES),
            sizes: list(self.sizes),
            colors: list(self.colors),
            min_price: price(self.min_price),
            max_price: price(self.max_price),
            in_stock: self.in_stock,
            sort,
            page: self.page.clamp(1, MAX_PAGE),
            q,
        }
    }

    /// Newest first, or best match first for a search.
    pub fn default_sort(&self) -> Sort {
        if self.q.is_some() { Sort::Relevance } else { Sort::Newest }
    }

    /// The URL parameters for this query, in a stable order (without the category when it is in the path).
    pub fn pairs(&self, include_category: bool) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        if let Some(q) = &self.q {
            pairs.push(("q", q.clone()));
        }
        if include_category && let Some(category) = &self.category {
            pairs.push(("category", category.clone()));
        }
        pairs.extend(self.sizes.iter().map(|s| ("size", s.clone())));
        pairs.extend(self.colors.iter().map(|c| ("color", c.clone())));
        if let Some(min) = self.min_price {
            pairs.push(("min", format_price_param(min)));
        }
        if let Some(max) = self.max_price {
            pairs.push(("max", format_price_param(max)));
        }
        if self.in_stock {
            pairs.push(("in_stock", "1".into()));
        }
        if self.sort != self.default_sort() {
            pairs.push(("sort", self.sort.param().into()));
        }
        if self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        pairs
    }

    /// `?size=M&sort=price-asc`, or empty.
    pub fn to_query_string(&self, include_category: bool) -> String {
        let pairs = self.pairs(include_category);
        if pairs.is_empty() {
            return String::new();
        }
        let encoded: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={}", encode(&v))).collect();
        format!("?{}", encoded.join("&"))
    }

    /// The same query with one filter value switched on or off (and back to page 1).
    pub fn toggled(&self, key: FacetKey, value: &str) -> ListingQuery {
        let mut next = self.clone();
        next.page = 1;
        match key {
            FacetKey::Category => {
                next.category = if self.category.as_deref() == Some(value) { None } else { Some(value.to_owned()) };
            }
            FacetKey::Size => toggle(&mut next.sizes, value),
            FacetKey::Color => toggle(&mut next.colors, value),
        }
        next
    }

    pub fn with_page(&self, page: u32) -> ListingQuery {
        ListingQuery { page, ..self.clone() }
    }

    /// Sorting alone does not make a new page for search engines.
    pub fn is_filtered(&self) -> bool {
        !self.sizes.is_empty()
            || !self.colors.is_empty()
            || self.min_price.is_some()
            || self.max_price.is_some()
            || self.in_stock
    }
}

/// Trims, collapses whitespace and control characters to single spaces, and cuts at MAX_QUERY_CHARS.
pub fn clean_search_text(text: &str) -> String {
    let mut out = String::new();
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    match out.char_indices().nth(MAX_QUERY_CHARS) {
        Some((cut, _)) => out[..cut].trim_end().to_owned(),
        None => out,
    }
}

fn toggle(values: &mut Vec<String>, value: &str) {
    if let Some(index) = values.iter().position(|v| v == value) {
        values.remove(index);
    } else {
        values.push(value.to_owned());
        values.sort();
    }
}

/// "25" or "25.50" (dollars) → cents. Negative, huge or malformed: None.
pub fn parse_price(value: &str) -> Option<i64> {
    let value = value.trim();
    let (units, cents) = value.split_once('.').unwrap_or((value, "0"));
    if units.is_empty() || units.len() > 9 || !units.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if cents.is_empty() || cents.len() > 2 || !cents.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents: i64 = if cents.len() == 1 { cents.parse::<i64>().ok()? * 10 } else { cents.parse().ok()? };
    Some(units.parse::<i64>().ok()? * 100 + cents)
}

fn format_price_param(cents: i64) -> String {
    if cents % 100 == 0 { (cents / 100).to_string() } else { format!("{}.{:02}", cents / 100, cents % 100) }
}

/// A product's page showing one of its variants: `/p/{slug}?variant={sku}` (the one way this URL is
/// written; `base` is the product's path or full URL).
pub fn variant_url(base: &str, sku: &str) -> String {
    format!("{base}?variant={}", encode(sku))
}

/// A product's page: `/p/{slug}`.
pub fn product_path(slug: &str) -> String {
    format!("/p/{slug}")
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FacetKey {
    Category,
    Size,
    Color,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub url: String,
    pub alt: String,
    pub width: i32,
    pub height: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductCard {
    pub slug: String,
    pub title: String,
    pub brand: String,
    pub image: Option<Image>,
    pub min_price: Money,
    pub max_price: Money,
    /// The highest compare-at price when any variant is on sale.
    pub compare_at: Option<Money>,
    pub sold_out: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u64,
    pub selected: bool,
    pub swatch: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facet {
    pub key: FacetKey,
    pub label: String,
    pub values: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryInfo {
    pub slug: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    /// Set on a category page.
    pub category: Option<CategoryInfo>,
    pub query: ListingQuery,
    pub cards: Vec<ProductCard>,
    pub total: u64,
    pub pages: u32,
    pub facets: Vec<Facet>,
}

/// A category on the home page: its newest in-stock product's picture and how many it has in stock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryTile {
    pub slug: String,
    pub name: String,
    pub image: Option<Image>,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeContent {
    pub categories: Vec<CategoryTile>,
    pub new_arrivals: Vec<ProductCard>,
    pub on_sale: Vec<ProductCard>,
}

/// A product suggested while typing in the search box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchSuggestion {
    pub slug: String,
    pub title: String,
    pub category: String,
    /// The lowest price; "from" when the variants' prices differ.
    pub price: Money,
    pub from: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> ListingQuery {
        ListingQuery::from_params(|key| pairs.iter().filter(|(k, _)| *k == key).map(|(_, v)| v.to_string()).collect())
    }

    #[test]
    fn malformed_parameters_are_ignored_or_clamped() {
        let q = query(&[("page", "0"), ("sort", "bogus"), ("min", "-5"), ("max", "abc"), ("in_stock", "maybe")]);
        assert_eq!(q, ListingQuery { page: 1, ..Default::default() });
        assert_eq!(query(&[("page", "99999999999")]).page, MAX_PAGE);
        assert_eq!(query(&[("page", "3")]).page, 3);
    }

    #[test]
    fn prices_are_read_as_dollars() {
        let q = query(&[("min", "25"), ("max", "49.5")]);
        assert_eq!((q.min_price, q.max_price), (Some(2500), Some(4950)));
        assert_eq!(query(&[("min", "1.999")]).min_price, None);
    }

    #[test]
    fn the_query_string_round_trips() {
        let q = query(&[
            ("size", "M"),
            ("size", "L"),
            ("color", "Heather Grey"),
            ("min", "10"),
            ("sort", "price-asc"),
            ("page", "2"),
        ]);
        let qs = q.to_query_string(false);
        assert_eq!(qs, "?size=L&size=M&color=Heather+Grey&min=10&sort=price-asc&page=2");
    }

    #[test]
    fn toggling_a_value_resets_the_page() {
        let q = query(&[("size", "M"), ("page", "4")]);
        let off = q.toggled(FacetKey::Size, "M");
        assert!(off.sizes.is_empty());
        assert_eq!(off.page, 1);
        assert_eq!(q.toggled(FacetKey::Size, "S").sizes, vec!["M".to_string(), "S".to_string()]);
    }

    #[test]
    fn sorting_alone_is_not_filtering() {
        assert!(!query(&[("sort", "name")]).is_filtered());
        assert!(query(&[("in_stock", "1")]).is_filtered());
    }

    #[test]
    fn a_query_sent_to_the_server_function_gets_the_same_caps() {
        let sent = serde_json::json!({
            "q": format!("  {}  ", "wool ".repeat(1000)),
            "category": "x".repeat(10_000),
            "sizes": (0..5000).map(|i| format!("S{i}")).chain(["".into(), "y".repeat(41)]).collect::<Vec<_>>(),
            "colors": ["Red", "Red", " Blue "],
            "min_price": -1,
            "max_price": i64::MAX,
            "sort": "Relevance",
            "page": 4_000_000_000u32,
        });
        let q: ListingQuery = serde_json::from_value(sent).expect("any such body reads");
        assert_eq!(q.q.as_ref().map(|q| q.chars().count() <= MAX_QUERY_CHARS), Some(true));
        assert_eq!(q.category, None);
        assert_eq!(q.sizes.len(), MAX_FILTER_VALUES);
        assert!(q.sizes.iter().all(|s| s.len() <= MAX_FILTER_VALUE_BYTES));
        assert_eq!(q.colors, vec!["Blue".to_string(), "Red".to_string()]);
        assert_eq!((q.min_price, q.max_price, q.page), (None, None, MAX_PAGE));
        assert_eq!(q.sort, Sort::Relevance, "a search may sort by relevance");
        let browse: ListingQuery = serde_json::from_value(serde_json::json!({ "sort": "Relevance" })).unwrap();
        assert_eq!((browse.sort, browse.page), (Sort::Newest, 1), "relevance needs a search; pages start at 1");
        // What the browser sends arrives unchanged.
        let url = query(&[("size", "M"), ("color", "Red"), ("min", "10"), ("q", "parka"), ("page", "2")]);
        assert_eq!(serde_json::from_value::<ListingQuery>(serde_json::to_value(&url).unwrap()).unwrap(), url);
    }

    #[test]
    fn search_text_is_cleaned_and_sorted_by_relevance_by_default() {
        let q = query(&[("q", "  red \t\n hoodie  ")]);
        assert_eq!(q.q.as_deref(), Some("red hoodie"));
        assert_eq!(q.sort, Sort::Relevance);
        assert_eq!(q.to_query_string(true), "?q=red+hoodie");
        assert_eq!(query(&[("q", "hoodie"), ("sort", "name")]).to_query_string(true), "?q=hoodie&sort=name");
        assert_eq!(query(&[("q", "   ")]).q, None);
        assert_eq!(query(&[("sort", "relevance")]).sort, Sort::Newest);
        let long = "é".repeat(10_000);
        assert_eq!(query(&[("q", &long)]).q.unwrap().chars().count(), MAX_QUERY_CHARS);
    }
}
