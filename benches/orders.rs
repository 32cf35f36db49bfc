//! Order placement on PostgreSQL: `cargo bench --features ssr --bench orders [-- --orders N --buyers B]`.
//!
//! Creates a scratch database (dropped at the end) on BENCH_DATABASE_URL (default the local server),
//! seeds a small catalog, and measures `orders::place_order` — the whole service: idempotency claim,
//! one transaction taking stock with a conditional UPDATE, writing the order, its line, the ledger row,
//! completing the key — with B concurrent buyers (default 32):
//!   (a) each buyer on its own variant;
//!   (b) every buyer on one hot variant (every order waits for the row lock of the one before);
//! beside (c) the ceiling: the same SQL statements sent raw, in a tight loop, by B workers on distinct
//! variants (no ORM, no service code). Carts are filled before the clock starts. After each run it
//! checks that nothing was oversold: stock = opening − orders, and stock = the sum of its ledger.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, TransactionTrait};
use storefront::model::checkout::Address;
use storefront::server::config::{CheckoutRules, Settings};
use storefront::server::db;
use storefront::server::seed::{SeedOptions, seed};
use storefront::server::services::cart::{self, CartRules};
use storefront::server::services::{inventory, orders};

const OPENING_STOCK: i32 = 1_000_000;

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok()).unwrap_or(default)
}

async fn scalar(db: &DatabaseConnection, sql: String) -> i64 {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

fn checkout(key: String) -> orders::Checkout {
    orders::Checkout {
        email: "bench@example.com".into(),
        address: Address {
            name: "Bench Buyer".into(),
            line1: "1 Main St".into(),
            line2: String::new(),
            city: "Springfield".into(),
            region: "IL".into(),
            postal_code: "62701".into(),
            country: "US".into(),
        },
        shipping_method: "standard".into(),
        promo_code: String::new(),
        expected_total: None,
        idempotency_key: key,
        account: None,
    }
}

struct Run {
    orders: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn report(&mut self, label: &str) -> f64 {
        self.latencies.sort();
        let at = |q: f64| self.latencies[((self.latencies.len() as f64 * q) as usize).min(self.latencies.len() - 1)];
        let rate = self.orders as f64 / self.elapsed.as_secs_f64();
        println!(
            "{label:<44} {:>7} orders  {:>8.0} orders/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
            self.orders,
            rate,
            at(0.50).as_secs_f64() * 1e3,
            at(0.99).as_secs_f64() * 1e3
        );
        rate
    }
}

/// Fills `per_buyer` one-line carts for each buyer's variant, then places them all, B at a time.
async fn place(db: &DatabaseConnection, variants: &[(i32, String)], buyers: usize, per_buyer: usize, tag: &str) -> Run {
    let mut carts = Vec::new();
    for b in 0..buyers {
        let (_, sku) = &variants[b % variants.len()];
        let mut mine = Vec::with_capacity(per_buyer);
        for _ in 0..per_buyer {
            let (cart_id, _) = cart::create(db).await.unwrap();
            cart::add(db, cart_id, sku, 1, CartRules::default()).await.unwrap();
            mine.push(cart_id);
        }
        carts.push(mine);
    }
    let rules = CheckoutRules::default();
    let started = Instant::now();
    let tasks = carts.into_iter().enumerate().map(|(b, mine)| {
        let (db, rules, tag) = (db.clone(), rules.clone(), tag.to_owned());
        tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(mine.len());
            for (i, cart_id) in mine.into_iter().enumerate() {
                let t = Instant::now();
                orders::place_order(&db, cart_id, &checkout(format!("{tag}-{b}-{i}")), &rules).await.unwrap();
                latencies.push(t.elapsed());
            }
            latencies
        })
    });
    let latencies: Vec<Duration> =
        futures::future::join_all(tasks).await.into_iter().flat_map(Result::unwrap).collect();
    Run { orders: latencies.len(), elapsed: started.elapsed(), latencies }
}

/// The same statements as a placement, raw: claim the key, then in one transaction delete the cart
/// line, take the stock, read the variant, insert order, line and ledger row, complete the key.
async fn ceiling(db: &DatabaseConnection, variants: &[(i32, String)], buyers: usize, per_buyer: usize) -> Run {
    let mut lines = Vec::new();
    for b in 0..buyers {
        let (variant_id, sku) = &variants[b % variants.len()];
        let mut mine = Vec::with_capacity(per_buyer);
        for _ in 0..per_buyer {
            let (cart_id, _) = cart::create(db).await.unwrap();
            cart::add(db, cart_id, sku, 1, CartRules::default()).await.unwrap();
            mine.push((cart_id, *variant_id));
        }
        lines.push(mine);
    }
    let started = Instant::now();
    let tasks = lines.into_iter().enumerate().map(|(b, mine)| {
        let db = db.clone();
        tokio::spawn(async move {
            let pg = |sql: &str, values: Vec<sea_orm::Value>| Statement::from_sql_and_values(sea_orm::DatabaseBackend::Postgres, sql, values);
            let mut latencies = Vec::with_capacity(mine.len());
            for (i, (cart_id, variant_id)) in mine.into_iter().enumerate() {
                let t = Instant::now();
                let key = format!("raw-{b}-{i}");
                let now = chrono::Utc::now();
                db.execute_raw(pg("INSERT INTO idempotency_keys (key, fingerprint, state, created_at, updated_at) VALUES ($1, 'f', 'in_progress', $2, $2)", vec![key.clone().into(), now.into()])).await.unwrap();
                let txn = db.begin().await.unwrap();
                txn.execute_raw(pg("DELETE FROM cart_lines WHERE cart_id = $1 AND variant_id = $2 AND quantity = 1", vec![cart_id.into(), variant_id.into()])).await.unwrap();
                let taken = txn.execute_raw(pg("UPDATE variants SET stock = stock - 1 WHERE id = $1 AND active AND stock >= 1", vec![variant_id.into()])).await.unwrap();
                assert_eq!(taken.rows_affected(), 1);
                txn.query_one_raw(pg("SELECT v.price, v.stock, p.title FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1", vec![variant_id.into()])).await.unwrap();
                let order = txn.query_one_raw(pg("INSERT INTO orders (token, email, status, currency, subtotal, total, hold_expires_at, created_at, updated_at) VALUES ($1, 'bench@example.com', 'pending_payment', 'USD', 100, 100, $2, $2, $2) RETURNING id", vec![key.clone().into(), now.into()])).await.unwrap().unwrap();
                let order_id: i32 = order.try_get_by_index(0).unwrap();
                txn.execute_raw(pg("INSERT INTO order_lines (order_id, variant_id, sku, title, quantity, unit_price, line_total) VALUES ($1, $2, 's', 't', 1, 100, 100)", vec![order_id.into(), variant_id.into()])).await.unwrap();
                txn.execute_raw(pg("INSERT INTO inventory_ledger (variant_id, delta, reason, order_id, created_at) VALUES ($1, -1, 'order', $2, $3)", vec![variant_id.into(), order_id.into(), now.into()])).await.unwrap();
                txn.execute_raw(pg("UPDATE idempotency_keys SET state = 'done', order_id = $1 WHERE key = $2", vec![order_id.into(), key.into()])).await.unwrap();
                txn.commit().await.unwrap();
                latencies.push(t.elapsed());
            }
            latencies
        })
    });
    let latencies: Vec<Duration> =
        futures::future::join_all(tasks).await.into_iter().flat_map(Result::unwrap).collect();
    Run { orders: latencies.len(), elapsed: started.elapsed(), latencies }
}

/// No oversell, and stock equals its ledger, for every variant used.
async fn check(db: &DatabaseConnection, variants: &[(i32, String)]) {
    for (id, _) in variants {
        let stock = scalar(db, format!("SELECT CAST(stock AS BIGINT) FROM variants WHERE id = {id}")).await;
        let ledger = scalar(
            db,
            format!("SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM inventory_ledger WHERE variant_id = {id}"),
        )
        .await;
        let sold = scalar(
            db,
            format!("SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM order_lines WHERE variant_id = {id}"),
        )
        .await;
        assert!(stock >= 0, "negative stock");
        assert_eq!(stock, ledger, "stock equals its ledger");
        assert_eq!(stock, i64::from(OPENING_STOCK) - sold, "no oversell");
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let buyers = arg(&args, "--buyers", 32);
    let total = arg(&args, "--orders", 3_200);
    let per_buyer = (total / buyers).max(1);
    let admin_url =
        std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let admin = Database::connect(&admin_url).await.expect("PostgreSQL (BENCH_DATABASE_URL)");
    let name = format!("storefront_bench_{:08x}", rand::random::<u32>());
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let settings = Settings::from_sources(|n| match n {
        "DATABASE_URL" => Some(url.clone()),
        "STORE_DATA_DIR" => Some(std::env::temp_dir().display().to_string()),
        _ => None,
    })
    .expect("settings");
    let db = db::connect_and_migrate(&settings).await.expect("database");
    seed(&db, SeedOptions { products: 60, seed: 7 }).await.expect("seed");
    let sql = format!(
        "SELECT v.id, v.sku FROM variants v JOIN products p ON p.id = v.product_id \
         WHERE v.active AND p.status = 'active' ORDER BY v.id LIMIT {}",
        buyers * 3 + 1
    );
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    let all: Vec<(i32, String)> =
        rows.iter().map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap())).collect();
    assert!(all.len() > buyers * 3, "enough variants");
    for (_, sku) in &all {
        inventory::set_stock(&db, sku, OPENING_STOCK, "bench").await.unwrap();
    }
    let (distinct, rest) = all.split_at(buyers);
    let (hot, rest) = rest.split_at(1);
    let raw = &rest[..buyers];
    println!("PostgreSQL, {buyers} concurrent buyers, {} orders per run, pool of 20 connections\n", per_buyer * buyers);

    // A short warm-up (connections, plans), not counted.
    place(&db, distinct, buyers, 2, "warm").await;
    let ceiling_rate = ceiling(&db, raw, buyers, per_buyer).await.report("(c) ceiling: the same SQL, raw");
    check(&db, raw).await;
    let distinct_rate = place(&db, distinct, buyers, per_buyer, "a").await.report("(a) place_order, distinct variants");
    check(&db, distinct).await;
    let hot_rate = place(&db, hot, buyers, per_buyer, "b").await.report("(b) place_order, one hot variant");
    check(&db, hot).await;
    println!(
        "\n(a) = {:.0} % of the ceiling; (b) = {:.0} % of (a); no oversell, stock = ledger in every run",
        distinct_rate / ceiling_rate * 100.0,
        hot_rate / distinct_rate * 100.0
    );
    db.close().await.ok();
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok();
}
