use storefront::server::seed::SeedOptions;

use crate::backend_tests;

backend_tests! {
    async fn the_sitemap_lists_active_products_and_categories(app: TestApp) {
        app.seed(SeedOptions::default()).await;
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

    async fn product_pages_carry_opengraph_and_json_ld_with_an_offer_per_variant(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let snapshot = app.snapshot();
        let product = &snapshot.products[3];
        let (status, html) = app.page(&format!("/p/{}", product.slug)).await;
        assert_eq!(status, 200);
        let url = format!("{}/p/{}", app.address, product.slug);
        assert!(html.contains(&format!("<link href=\"{url}\" rel=\"canonical\">")), "absolute canonical");
        assert!(html.contains(&format!("<meta property=\"og:url\" content=\"{url}\">")));
        assert!(html.contains("<meta property=\"og:type\" content=\"product\">"));
        assert!(html.contains(&format!("<meta property=\"og:image\" content=\"{}/images/", app.address)));

        let json = html.split("<script type=\"application/ld+json\">").nth(1).and_then(|s| s.split("</script>").next()).expect("JSON-LD");
        let data: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
        let ld = &data[0];
        assert_eq!(ld["@type"], "Product");
        assert_eq!(ld["name"], product.title.as_str());
        let offers = ld["offers"].as_array().unwrap();
        assert_eq!(offers.len(), product.skus.len(), "one offer per active variant");
        assert!(offers.iter().all(|o| o["priceCurrency"] == "USD" && o["price"].as_str().unwrap().contains('.')));
        assert_eq!(data[1]["@type"], "BreadcrumbList");
        assert_eq!(data[1]["itemListElement"][2]["item"], url.as_str());
    }

    async fn the_home_page_features_categories_new_arrivals_and_sales(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let (status, html) = app.page("/").await;
        assert_eq!(status, 200);
        assert!(html.contains("Shop by category"));
        assert!(html.contains("href=\"/c/t-shirts\""));
        assert!(html.contains("New arrivals"));
        assert!(html.contains("On sale"));
        assert!(html.matches("class=\"card\"").count() >= 8, "product cards are server-rendered");
        assert!(!html.contains("card--sold-out"), "featured products are in stock");
        assert!(html.contains(&format!("<link href=\"{}/\" rel=\"canonical\">", app.address)));
    }

    async fn a_large_catalog_gets_a_sitemap_index(app: TestApp) {
        app.seed(SeedOptions { products: 30, seed: 3 }).await;
        let response = app.get("/sitemaps/pages.xml").await;
        assert_eq!(response.status(), 200);
        assert!(response.text().await.unwrap().contains("/c/t-shirts"));
        assert_eq!(app.get("/sitemaps/products-1.xml").await.status(), 200);
        assert_eq!(app.get("/sitemaps/products-2.xml").await.status(), 404);
        assert_eq!(app.get("/sitemaps/nonsense").await.status(), 404);
    }
}
