//! Search latency on a large catalog: `cargo bench --features ssr --bench search [-- --products N]`.
//!
//! Seeds N products (default 100,000) into a temporary SQLite database, loads the read model and its
//! search index, then runs a fixed list of 1,000 queries (whole words, prefixes and typos, built from a
//! seeded RNG over the catalog's own words) twice: the index alone (every hit, ranked), and the whole
//! search listing (hits + filters + facet counts + the first page of cards); then the listing without
//! search text (all products, and a filtered, sorted category). Prints p50/p95/p99/max.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use storefront::model::catalog::ListingQuery;
use storefront::server::config::Settings;
use storefront::server::db;
use storefront::server::seed::{SeedOptions, seed};
use storefront::server::services::listing::list_products;
use storefront::server::services::read_model::Snapshot;

const QUERIES: usize = 1_000;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let products = args
        .iter()
        .position(|a| a == "--products")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    let settings = Settings::from_sources(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "STORE_DATA_DIR" => Some(dir.path().display().to_string()),
        _ => None,
    })
    .expect("settings");
    let db = db::connect_and_migrate(&settings).await.expect("database");

    let started = Instant::now();
    let report = seed(&db, SeedOptions { products, seed: 42 }).await.expect("seed");
    println!(
        "seeded {} products ({} variants) in {:.1} s",
        report.products,
        report.variants,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let snapshot = Snapshot::load(&db).await.expect("read model");
    println!(
        "loaded the read model and built the search index ({} products) in {:.2} s",
        snapshot.products.len(),
        started.elapsed().as_secs_f64()
    );

    let queries = queries(&snapshot, QUERIES);
    // Warm up caches and the allocator once.
    for q in queries.iter().take(50) {
        snapshot.search.search(q, None);
    }

    let mut index_times = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    for q in &queries {
        let t = Instant::now();
        hits += snapshot.search.search(q, None).len();
        index_times.push(t.elapsed());
    }
    let mut listing_times = Vec::with_capacity(queries.len());
    let mut empty = 0;
    for q in &queries {
        let query = ListingQuery::from_params(|key| if key == "q" { vec![q.clone()] } else { Vec::new() });
        let t = Instant::now();
        let listing = list_products(&snapshot, query, false).expect("a listing");
        listing_times.push(t.elapsed());
        if listing.total == 0 {
            empty += 1;
        }
    }
    // The listing without search text, as /products and a filtered, sorted category page ask for it.
    let mut browse_times = Vec::with_capacity(QUERIES);
    let browse = [
        ListingQuery::default(),
        ListingQuery::from_params(|key| match key {
            "category" => vec!["t-shirts".to_owned()],
            "size" => vec!["M".to_owned()],
            "sort" => vec!["price-asc".to_owned()],
            _ => Vec::new(),
        }),
    ];
    for i in 0..QUERIES {
        let t = Instant::now();
        list_products(&snapshot, browse[i % 2].clone(), false).expect("a listing");
        browse_times.push(t.elapsed());
    }
    println!("{QUERIES} queries, e.g. {:?}", &queries[..8]);
    println!("average hits per query: {}; queries with no result: {empty}", hits / queries.len());
    report_line("index search (all hits, ranked)", &mut index_times);
    report_line("search listing (hits, facets, page 1)", &mut listing_times);
    report_line("browse listing (all products / a filtered category, facets, page 1)", &mut browse_times);
}

fn report_line(label: &str, times: &mut [Duration]) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label}: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(at(0.50)),
        ms(at(0.95)),
        ms(at(0.99)),
        ms(*times.last().unwrap())
    );
}

/// A fixed mix: a third whole words, a third typos (swap, drop, double or replace a letter), a sixth
/// prefixes as typed, a sixth two words.
fn queries(snapshot: &Snapshot, count: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for p in snapshot.products.iter().take(2_000) {
        for w in p.title.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 3) {
            words.push(w.to_lowercase());
        }
    }
    words.extend(snapshot.categories.iter().map(|c| c.name.to_lowercase()));
    words.sort();
    words.dedup();
    let mut rng = StdRng::seed_from_u64(7);
    (0..count)
        .map(|i| {
            let word = words[rng.random_range(0..words.len())].clone();
            match i % 6 {
                0 | 1 => word,
                2 | 3 => typo(&word, &mut rng),
                4 => word.chars().take(3.max(word.chars().count() / 2)).collect(),
                _ => format!("{} {}", typo(&word, &mut rng), words[rng.random_range(0..words.len())]),
            }
        })
        .collect()
}

fn typo(word: &str, rng: &mut StdRng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 5 {
        return word.to_owned();
    }
    let i = rng.random_range(1..chars.len() - 1);
    match rng.random_range(0..4) {
        0 => chars.swap(i, i + 1),
        1 => {
            chars.remove(i);
        }
        2 => chars.insert(i, chars[i]),
        _ => chars[i] = (b'a' + rng.random_range(0..26u8)) as char,
    }
    chars.into_iter().collect()
}
