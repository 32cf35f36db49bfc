//! Anonymous page views come from the page cache until the catalog changes; each gets its own nonce.

use sea_orm::ConnectionTrait;
use storefront::server::seed::SeedOptions;
use storefront::server::services::inventory;
use storefront::server::services::read_model::record_change;

use crate::backend_tests;

/// Waits until every stock movement so far has reached the app's page cache (the stock feed is
/// polled every second), so that what a test caches next is not re-rendered for an older movement.
async fn wait_for_stock_feed(app: &crate::helpers::TestApp) {
    let newest =
        crate::orders::scalar(&app.db, "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM inventory_ledger").await;
    let started = std::time::Instant::now();
    while app.state.page_cache.stock_read_through() < newest {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the stock feed is not read");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The skus of a product's variants, in id order.
async fn skus_of(app: &crate::helpers::TestApp, product_id: i32) -> Vec<String> {
    let sql = format!("SELECT sku FROM variants WHERE product_id = {product_id} ORDER BY id");
    let rows = app.db.query_all_raw(sea_orm::Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
}

/// The nonce of the page's CSP header and the nonces in its body.
fn nonces(response_csp: &str, html: &str) -> (String, Vec<String>) {
    let start = response_csp.find("'nonce-").unwrap() + 7;
    let header = response_csp[start..start + response_csp[start..].find('\'').unwrap()].to_owned();
    let body = html.split("nonce=\"").skip(1).map(|s| s.split('"').next().unwrap().to_owned()).collect();
    (header, body)
}

backend_tests! {
    async fn anonymous_pages_are_served_from_the_cache_with_a_fresh_nonce_each_time(app: TestApp) {
        app.seed(SeedOptions { products: 20, seed: 5 }).await;
        let product = app.snapshot().products[0].clone();
        let path = format!("/p/{}", product.slug);
        let first = app.get(&path).await;
        let csp_one = first.headers()["content-security-policy"].to_str().unwrap().to_owned();
        let html_one = first.text().await.unwrap();
        assert!(html_one.contains(&product.title));

        // Changed behind the feed's back: the cached page is still served...
        app.db.execute_unprepared(&format!("UPDATE products SET title = 'Renamed Parka' WHERE id = {}", product.id)).await.unwrap();
        let second = app.get(&path).await;
        assert_eq!(second.status(), 200);
        let csp_two = second.headers()["content-security-policy"].to_str().unwrap().to_owned();
        let html_two = second.text().await.unwrap();
        assert!(html_two.contains(&product.title) && !html_two.contains("Renamed Parka"), "from the cache");
        let (header_one, body_one) = nonces(&csp_one, &html_one);
        let (header_two, body_two) = nonces(&csp_two, &html_two);
        assert_ne!(header_one, header_two, "a fresh nonce per response");
        assert!(!body_two.is_empty() && body_two.iter().all(|n| *n == header_two), "the body's scripts carry it");
        assert!(body_one.iter().all(|n| *n == header_one));
        assert_eq!(html_one.replace(&header_one, "N"), html_two.replace(&header_two, "N"), "the same page otherwise");

        // ...but a shopper with a cart always gets a fresh render,
        let cookie = format!("cart={}", "0".repeat(32));
        let with_cart = app.client.get(app.url(&path)).header("cookie", cookie).send().await.unwrap().text().await.unwrap();
        assert!(with_cart.contains("Renamed Parka"));
        // and a recorded change (a new snapshot) empties the cache for everyone.
        record_change(&app.db, Some(product.id), "test").await.unwrap();
        app.catalog.refresh_if_changed(&app.db).await.unwrap();
        assert!(app.page(&path).await.1.contains("Renamed Parka"));
    }

    async fn errors_and_server_functions_are_not_cached(app: TestApp) {
        app.seed(SeedOptions { products: 20, seed: 5 }).await;
        assert_eq!(app.get("/c/nope").await.status(), 404);
        assert_eq!(app.get("/c/nope").await.status(), 404);
        let before = app.page("/products").await;
        assert_eq!(before.0, 200);
        // /api is never a page: a POST to the cart gets its own answer each time.
        let refused = app.client.post(app.url("/api/cart/add")).form(&[("sku", "NOPE"), ("quantity", "1")]).send().await.unwrap();
        assert_eq!(refused.status(), 422);
    }

    async fn a_sale_shows_on_its_product_page_within_the_refresh_interval_and_other_pages_stay_cached(app: TestApp) {
        app.seed(SeedOptions { products: 6, seed: 3 }).await;
        let snapshot = app.snapshot();
        let (sold, other) = (snapshot.products[0].clone(), snapshot.products[1].clone());
        let skus = skus_of(&app, sold.id).await;
        for (i, sku) in skus.iter().enumerate() {
            inventory::set_stock(&app.db, sku, if i == 0 { 3 } else { 0 }, "test").await.unwrap();
        }
        app.catalog.refresh_if_changed(&app.db).await.unwrap();
        wait_for_stock_feed(&app).await;
        let page = format!("/p/{}", sold.slug);
        let other_page = format!("/p/{}", other.slug);
        assert!(app.page(&page).await.1.contains("Only 3 left"));
        assert!(app.page(&other_page).await.1.contains(&other.title));
        assert!(app.page("/products").await.1.contains(&other.title));
        // Behind the feed's back, so that only a page still in the cache shows the old title.
        let sql = format!("UPDATE products SET title = 'Renamed Tote' WHERE id = {}", other.id);
        app.db.execute_unprepared(&sql).await.unwrap();

        // A sale (3 → 1) crosses no zero: the catalog snapshot stays, the product page must not.
        inventory::set_stock(&app.db, &skus[0], 1, "order").await.unwrap();
        let started = std::time::Instant::now();
        loop {
            let html = app.page(&page).await.1;
            if html.contains("Only 1 left") {
                break;
            }
            assert!(html.contains("Only 3 left"), "the old page until the feed is read");
            assert!(started.elapsed() < std::time::Duration::from_secs(3), "still stale after 3 s (interval 1 s)");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let (other_now, listing_now) = (app.page(&other_page).await.1, app.page("/products").await.1);
        assert!(other_now.contains(&other.title) && !other_now.contains("Renamed Tote"), "still cached");
        assert!(listing_now.contains(&other.title) && !listing_now.contains("Renamed Tote"), "still cached");
        // The last unit sold: sold out is a catalog change, and every page follows.
        inventory::set_stock(&app.db, &skus[0], 0, "order").await.unwrap();
        app.catalog.refresh_if_changed(&app.db).await.unwrap();
        assert!(app.page("/products").await.1.contains("Renamed Tote"));
    }

    async fn junk_parameters_share_their_pages_entry(app: TestApp) {
        app.seed(SeedOptions { products: 6, seed: 3 }).await;
        let product = app.snapshot().products.iter().find(|p| p.skus.len() > 1).expect("a product with variants").clone();
        let path = format!("/p/{}", product.slug);
        wait_for_stock_feed(&app).await;
        for i in 0..20 {
            for url in [format!("/products?x={i}"), format!("{path}?variant=junk{i}"), format!("/search?q=parka&utm={i}")] {
                assert_eq!(app.get(&url).await.status(), 200, "{url}");
            }
        }
        for url in ["/products?size=M&size=L", "/products?size=L&size=M&size=L", "/products?size=+L+&size=M&page=1"] {
            assert_eq!(app.get(url).await.status(), 200);
        }
        assert_eq!(app.state.page_cache.len(), 4, "/products, the product, the search, one size filter");
        // A real variant is its own page, and so is a page showing a form's error.
        let variant = app.page(&format!("{path}?variant={}", product.skus[1])).await;
        assert!(variant.1.contains(&format!("data-sku=\"{}\"", product.skus[1])));
        app.get("/products?__path=/api/cart/add&__err=e30").await;
        assert_eq!(app.state.page_cache.len(), 5);
    }
}
