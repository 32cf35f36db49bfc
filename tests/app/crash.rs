//! The fault test: buyers race for a few units against the real server binary on PostgreSQL, the server
//! is SIGKILLed in the middle of their checkouts and payments, and started again on the same database.
//! Once the payment provider's (the sandbox's) queued webhooks have reached the new process: the
//! inventory reconciles with zero drift, no order is paid without its stock taken, no payment that
//! succeeded is without an order that is paid or refunded, every paid order has its confirmation mail
//! once, and nothing was sold twice. `STOREFRONT_CRASH_BUYERS` sets the size (default 24, in CI);
//! BENCHMARKS.md records a larger run.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::fixtures::ProductBuilder;
use crate::helpers::{TestDatabase, form_value};
use crate::orders::scalar;

const SKUS: [&str; 3] = ["CRASH-A", "CRASH-B", "CRASH-C"];

/// The server binary on `database_url`, listening on a port of its own: the child and its address.
fn start(database_url: &str, data_dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_storefront"))
        .env("DATABASE_URL", database_url)
        .env("STORE_DATA_DIR", data_dir)
        .env("STORE_ADDRESS", "127.0.0.1:0")
        .env("STORE_ENV", "development")
        .env("STORE_SEED_DEMO", "false")
        .env("STORE_RATE_LIMIT_PER_MINUTE", "1000000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("its first line");
    let address = line.trim().strip_prefix("Storefront running at ").unwrap_or_else(|| panic!("{line}")).to_owned();
    (child, address)
}

/// A buyer's browser: its cookies, and requests that come back as None once the server is gone.
struct Browser {
    cookies: std::sync::Mutex<Vec<String>>,
}

impl Browser {
    async fn send(&self, request: reqwest::RequestBuilder) -> Option<reqwest::Response> {
        let cookie = self.cookies.lock().unwrap().join("; ");
        let response = request.header("cookie", cookie).send().await.ok()?;
        let mut jar = self.cookies.lock().unwrap();
        for header in response.headers().get_all("set-cookie") {
            let Some(pair) = header.to_str().ok().and_then(|h| h.split(';').next()) else { continue };
            let name = pair.split('=').next().unwrap_or_default();
            jar.retain(|kept| !kept.starts_with(&format!("{name}=")));
            jar.push(pair.to_owned());
        }
        Some(response)
    }
}

/// One buyer's checkout of one unit of `sku`, then payment on the provider's page; stops at the first
/// failure (the server is gone). How far it got; `paid` counts the payments the provider answered.
async fn buy(
    client: reqwest::Client,
    base: String,
    sku: &'static str,
    n: usize,
    paid: Arc<AtomicUsize>,
) -> &'static str {
    let browser = Browser { cookies: Default::default() };
    let send = |request: reqwest::RequestBuilder| browser.send(request);
    let email = format!("crash-{n}@example.com");
    let steps: [(&str, Vec<(&str, String)>); 3] = [
        ("/api/cart/add", vec![("sku", sku.to_owned()), ("quantity", "1".to_owned())]),
        (
            "/api/checkout/details",
            vec![
                ("email", email),
                ("name", "Ada Lovelace".into()),
                ("line1", "1 Main St".into()),
                ("city", "Springfield".into()),
                ("region", "IL".into()),
                ("postal_code", "62701".into()),
                ("country", "US".into()),
            ],
        ),
        ("/api/checkout/shipping", vec![("method", "standard".to_owned())]),
    ];
    for (path, form) in steps {
        let Some(response) = send(client.post(format!("{base}{path}")).form(&form)).await else { return "server gone" };
        if response.status().as_u16() >= 400 {
            return "refused before placing (sold out)";
        }
    }
    let Some(review) = send(client.get(format!("{base}/checkout/review"))).await else { return "server gone" };
    let Ok(review) = review.text().await else { return "server gone" };
    let (Some(key), Some(total)) = (form_value(&review, "idempotency_key"), form_value(&review, "expected_total"))
    else {
        return "no review";
    };
    let place = [("idempotency_key", key.clone()), ("expected_total", total.clone())];
    // A double submit, as an impatient buyer's: one order either way.
    let (first, second) = tokio::join!(
        send(client.post(format!("{base}/api/checkout/place")).form(&place)),
        send(client.post(format!("{base}/api/checkout/place")).form(&place)),
    );
    let (Some(first), Some(_)) = (first, second) else { return "server gone while placing" };
    if first.status() != 200 {
        return "refused at placing (sold out)";
    }
    let Ok(token) = first.text().await else { return "server gone" };
    let token = token.trim_matches('"').to_owned();
    let pay = client.post(format!("{base}/api/order/pay")).header("accept", "text/html").form(&[("token", token)]);
    let Some(started) = send(pay).await else { return "server gone before paying" };
    let Some(page) = started.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        return "no payment page";
    };
    if page.contains("__err=") {
        // The store said so (409): it could not reach the provider in time. Nothing was charged.
        return "payment not started (provider unreachable)";
    }
    let card = [("number", "4242424242424242"), ("expiry", "12/40"), ("cvc", "123")];
    match send(client.post(page).form(&card)).await {
        // Paid: back to the store's page for the order.
        Some(answer) if answer.status().is_redirection() => {
            paid.fetch_add(1, Ordering::SeqCst);
            "paid"
        }
        Some(answer) if answer.status().is_server_error() => "payment page failed",
        Some(_) => "payment page refused",
        None => "server gone while paying",
    }
}

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    scalar(db, &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {sql}")).await
}

#[tokio::test]
async fn a_server_killed_mid_checkout_loses_nothing_and_sells_nothing_twice() {
    let Some(database) = TestDatabase::create().await else {
        eprintln!("skipped: no PostgreSQL (TEST_DATABASE_URL)");
        return;
    };
    let buyers: usize = std::env::var("STOREFRONT_CRASH_BUYERS").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
    // Two buyers for every unit, whatever the size: the race for the last units is part of every run.
    let units_per_sku = i32::try_from(buyers / 6).unwrap_or(i32::MAX).max(4);
    let data = tempfile::tempdir().unwrap();
    let (first, base) = start(&database.url, data.path());
    let db = sea_orm::Database::connect(&database.url).await.unwrap();
    let mut builder = ProductBuilder::new("Crash Tee");
    for sku in SKUS {
        builder = builder.variant(sku, 2500).stock(units_per_sku);
    }
    builder.insert(&db).await;

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let paid_buyers = Arc::new(AtomicUsize::new(0));
    let runs: Vec<_> = (0..buyers)
        .map(|n| tokio::spawn(buy(client.clone(), base.clone(), SKUS[n % SKUS.len()], n, paid_buyers.clone())))
        .collect();
    // Killed once a few have paid (their webhooks not delivered yet): others are between steps, placing,
    // or on the payment page.
    let started = Instant::now();
    while paid_buyers.load(Ordering::SeqCst) < (buyers / 12).max(1) && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pid = first.id().to_string();
    assert!(Command::new("kill").args(["-KILL", &pid]).status().unwrap().success());
    let mut first = first;
    first.wait().unwrap();
    let mut outcomes = std::collections::BTreeMap::new();
    for run in runs {
        *outcomes.entry(run.await.unwrap()).or_insert(0) += 1;
    }
    eprintln!("buyers at the kill: {outcomes:?}");

    // Started again on the same database: the provider's queued events reach it.
    let (mut second, _) = start(&database.url, data.path());
    let waited = Instant::now();
    while count(&db, "sandbox_webhooks WHERE delivered_at IS NULL").await > 0 {
        assert!(waited.elapsed() < Duration::from_secs(60), "the provider's webhooks are delivered after the restart");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // reconcile-inventory: zero drift (exit 0), and its JSON agrees.
    let reconcile = Command::new(env!("CARGO_BIN_EXE_storefront"))
        .args(["reconcile-inventory", "--json"])
        .env("DATABASE_URL", &database.url)
        .env("STORE_DATA_DIR", data.path())
        .env("STORE_ENV", "development")
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(reconcile.status.success(), "drift after the crash: {}", String::from_utf8_lossy(&reconcile.stdout));

    let paid = "orders o WHERE o.status IN ('paid', 'fulfilled')";
    let stock_taken = format!(
        "{paid} AND (SELECT COALESCE(SUM(l.delta), 0) FROM inventory_ledger l WHERE l.order_id = o.id) \
         <> -(SELECT SUM(q.quantity) FROM order_lines q WHERE q.order_id = o.id)"
    );
    assert_eq!(count(&db, &stock_taken).await, 0, "every paid order has its stock taken");
    let mails = format!(
        "{paid} AND (SELECT COUNT(*) FROM mail_outbox m WHERE m.order_id = o.id AND m.kind = 'order_confirmation') <> 1"
    );
    assert_eq!(count(&db, &mails).await, 0, "one confirmation mail for each paid order");
    let orphan_payments = "sandbox_objects s WHERE s.kind = 'payment_intent' AND s.body LIKE '%\"status\":\"succeeded\"%' \
         AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.payment_intent_id = s.id \
         AND (o.status IN ('paid', 'fulfilled', 'refunded') OR o.payment_status IN ('refunding', 'refunded')))";
    assert_eq!(count(&db, orphan_payments).await, 0, "every payment taken belongs to a paid or refunded order");
    assert_eq!(count(&db, "variants WHERE stock < 0").await, 0);
    let sold = scalar(&db, "SELECT CAST(COALESCE(SUM(q.quantity), 0) AS BIGINT) FROM order_lines q JOIN orders o ON o.id = q.order_id WHERE o.status <> 'cancelled'").await;
    let units = i64::from(units_per_sku) * SKUS.len() as i64;
    assert!(sold <= units, "{sold} units sold of {units}");
    let duplicate_orders = "(SELECT email FROM orders GROUP BY email HAVING COUNT(*) > 1) twice";
    assert_eq!(count(&db, duplicate_orders).await, 0, "a double submit is one order");
    let paid_count = count(&db, paid).await;
    let seen_paid = i64::try_from(paid_buyers.load(Ordering::SeqCst)).unwrap();
    assert!(paid_count >= seen_paid, "{seen_paid} buyers saw their payment succeed, {paid_count} orders are paid");
    eprintln!("after the restart: {paid_count} orders paid, {sold} of {units} units sold or held");

    second.kill().ok();
    second.wait().ok();
    db.close().await.ok();
    database.drop().await;
}
