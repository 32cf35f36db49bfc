use storefront::server::seed::{SeedOptions, seed};

use crate::backend_tests;

backend_tests! {
    async fn the_sitemap_lists_active_products_and_categories(app: TestApp) {
        seed(&app.db, SeedOptions::default()).await.unwrap();
        let response = app.get("/sitemap.xml").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/xml; charset=utf-8");
        let xml = response.text().await.unwrap();
        assert!(xml.contains(&format!("<loc>{}/c/t-shirts</loc>", app.address)));
        let products = xml.matches("/p/").count();
        let (status, listing) = app.page("/products").await;
        assert_eq!(status, 200);
        let total: usize = listing.split("class=\"listing__count\"").nth(1).and_then(|s| s.split('>').nth(1)).and_then(|s| s.split(' ').next()).and_then(|n| n.parse().ok()).expect("a product count");
        assert_eq!(products, total, "every active product, nothing else");
        assert!(xml.contains("<lastmod>2026-"), "products carry their last change");
    }

    async fn robots_txt_points_to_the_sitemap(app: TestApp) {
        let body = app.get("/robots.txt").await.text().await.unwrap();
        assert!(body.contains(&format!("Sitemap: {}/sitemap.xml", app.address)));
        assert!(body.contains("Disallow: /api/"));
    }
}
