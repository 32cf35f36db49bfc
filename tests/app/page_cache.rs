//! Anonymous page views come from the page cache until the catalog changes; each gets its own nonce.

use sea_orm::ConnectionTrait;
use storefront::server::seed::SeedOptions;
use storefront::server::services::read_model::record_change;

use crate::backend_tests;

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
}
