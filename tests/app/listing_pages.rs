use storefront::server::seed::SeedOptions;

use crate::backend_tests;

backend_tests! {
    async fn the_category_page_is_rendered_on_the_server_with_its_filters(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let (status, html) = app.page("/c/t-shirts?size=M").await;
        assert_eq!(status, 200);
        assert!(html.contains("<h1>T-Shirts</h1>"), "the category name is the h1");
        assert_eq!(html.matches("class=\"card\"").count() + html.matches("class=\"card card--sold-out\"").count(), 24);
        assert!(html.contains("aria-checked=\"true\""), "the chosen size shows as checked");
        let canonical = format!("<link href=\"{}/c/t-shirts\" rel=\"canonical\">", app.address);
        assert!(html.contains(&canonical), "filters are not canonical: {}", &html[..html.len().min(3000)]);
        assert!(html.contains("content=\"noindex, follow\""), "filtered pages are not indexed");
        assert!(html.contains("<title>T-Shirts · Kestrel Supply</title>"), "{}", &html[..html.len().min(2000)]);
    }

    async fn an_unknown_category_is_a_404(app: TestApp) {
        app.seed(SeedOptions { products: 20, seed: 1 }).await;
        let (status, html) = app.page("/c/no-such-category").await;
        assert_eq!(status, 404);
        assert!(html.contains("find that page"));
    }

    async fn malformed_listing_parameters_give_a_normal_page(app: TestApp) {
        app.seed(SeedOptions { products: 40, seed: 1 }).await;
        for path in [
            "/products?page=0",
            "/products?page=999999",
            "/products?sort=%3Cscript%3E",
            "/products?min=abc&max=-1&size=%27%3B--&color=",
            "/products?category=%F0%9F%A7%A2",
        ] {
            let (status, html) = app.page(path).await;
            assert_eq!(status, 200, "{path}");
            assert!(html.contains("<h1>All products</h1>"), "{path}");
            assert!(!html.contains("<script>alert"), "{path}");
        }
    }
}
