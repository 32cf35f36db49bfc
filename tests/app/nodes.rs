//! Two store processes on one PostgreSQL database, buyers split across both: still exactly as many
//! orders as units (app nodes are stateless; the database's conditional updates keep stock right).

use std::process::Stdio;

use sea_orm::{ConnectionTrait, Database};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::TestDatabase;

async fn node(database_url: &str, data_dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_storefront"))
        .env("DATABASE_URL", database_url)
        .env("STORE_DATA_DIR", data_dir)
        .env("STORE_ADDRESS", "127.0.0.1:0")
        .env("STORE_ENV", "development")
        .env("STORE_SEED_DEMO", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start a store node");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("read") {
            if let Some(url) = line.strip_prefix("Storefront running at ") {
                return url.trim().to_owned();
            }
        }
        panic!("the node exited before it was ready");
    };
    let url = tokio::time::timeout(std::time::Duration::from_secs(60), read).await.expect("the node starts");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}

/// One shopper on one node: cart, details, shipping, the server's total, place. True when ordered.
async fn buy(client: &reqwest::Client, base: &str, sku: &str, n: usize) -> bool {
    let post = |path: &str, cookie: Option<&str>, form: Vec<(&str, String)>| {
        let mut request = client.post(format!("{base}{path}")).form(&form);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let added = post("/api/cart/add", None, vec![("sku", sku.to_owned()), ("quantity", "1".into())]).await.unwrap();
    if !added.status().is_success() {
        return false; // sold out before this shopper got there
    }
    let cookie = added
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("cart=").map(|rest| format!("cart={}", rest.split(';').next().unwrap())))
        .expect("cart cookie");
    let cookie = Some(cookie.as_str());
    let details = vec![
        ("email", format!("buyer{n}@example.com")),
        ("name", "Node Buyer".into()),
        ("line1", "1 Main St".into()),
        ("city", "Springfield".into()),
        ("region", "IL".into()),
        ("postal_code", "62701".into()),
        ("country", "US".into()),
    ];
    assert!(post("/api/checkout/details", cookie, details).await.unwrap().status().as_u16() < 400);
    assert!(
        post("/api/checkout/shipping", cookie, vec![("method", "standard".into())]).await.unwrap().status().as_u16()
            < 400
    );
    let view: serde_json::Value = post("/api/checkout", cookie, vec![]).await.unwrap().json().await.unwrap();
    let total = view["totals"]["total"].as_i64().expect("a total");
    let key = format!("node-buyer-{n}");
    let placed =
        post("/api/checkout/place", cookie, vec![("idempotency_key", key), ("expected_total", total.to_string())])
            .await
            .unwrap();
    placed.status().as_u16() < 400
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_store_processes_on_one_postgres_database_never_oversell() {
    let Some(database) = TestDatabase::create().await else {
        eprintln!("skipped: PostgreSQL is not reachable (set TEST_DATABASE_URL)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let seeded = std::process::Command::new(env!("CARGO_BIN_EXE_storefront"))
        .args(["seed", "--products", "10"])
        .env("DATABASE_URL", &database.url)
        .env("STORE_DATA_DIR", dir.path())
        .env("STORE_ENV", "development")
        .output()
        .unwrap();
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let db = Database::connect(&database.url).await.unwrap();
    let sku: String = {
        let sql = "SELECT v.sku FROM variants v JOIN products p ON p.id = v.product_id \
                   WHERE v.active AND p.status = 'active' ORDER BY v.id LIMIT 1";
        let row =
            db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        row.try_get_by_index(0).unwrap()
    };
    storefront::server::services::inventory::set_stock(&db, &sku, 5, "test").await.unwrap();

    let ((_a, url_a), (_b, url_b)) = tokio::join!(node(&database.url, dir.path()), node(&database.url, dir.path()));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let buyers = (0..30).map(|n| {
        let (client, sku) = (client.clone(), sku.clone());
        let base = if n % 2 == 0 { url_a.clone() } else { url_b.clone() };
        tokio::spawn(async move { buy(&client, &base, &sku, n).await })
    });
    let bought = futures::future::join_all(buyers).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();

    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<i64>(0).unwrap()
        }
    };
    assert_eq!(bought, 5, "exactly the five units were sold");
    assert_eq!(count("SELECT COUNT(*) FROM orders").await, 5);
    let stock = format!("SELECT CAST(stock AS BIGINT) FROM variants WHERE sku = '{sku}'");
    let row =
        db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), stock)).await.unwrap().unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0);
    let ledger = format!(
        "SELECT CAST(COALESCE(SUM(l.delta), 0) AS BIGINT) FROM inventory_ledger l JOIN variants v ON v.id = l.variant_id WHERE v.sku = '{sku}'"
    );
    let row =
        db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), ledger)).await.unwrap().unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0, "stock equals its ledger");
    db.close().await.ok();
    database.drop().await;
}
