//! The pages the islands read in the background and show in place (the header's suggestions, the
//! cart drawer, a variant's buying panel): the server renders every state, so they are tested here,
//! from outside, the way the islands and a browser without JavaScript read them.

use storefront::server::seed::SeedOptions;

use crate::backend_tests;
use crate::checkout::cart_cookie;
use crate::helpers::TestApp;
use crate::orders::some_variant;

/// A page read with a cart cookie (rendered for that cart, never from the page cache).
async fn page_with_cart(app: &TestApp, path: &str, cookie: &str) -> String {
    let response = app.client.get(app.url(path)).header("cookie", cookie).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

backend_tests! {
    async fn the_search_suggestions_are_a_page_of_options_that_open_products(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let (status, body) = app.page("/search/suggestions?q=hodie").await;
        assert_eq!(status, 200);
        assert!(body.contains(r#"<meta name="robots" content="noindex""#), "not for search engines");
        let list = &body[body.find("suggestions-found").expect("the list")..];
        assert!(list.contains(r#"id="suggestion-0" role="option""#), "{list}");
        assert!(list.contains(r#"data-href="/p/"#), "each option names its product page");
        assert!(list.contains("Hoodie"), "a typo still suggests hoodies");
        // Nothing found, or nothing to search: an empty list, not an error.
        for query in ["zzqxv", "", "%3Cscript%3Ealert(1)%3C%2Fscript%3E"] {
            let (status, body) = app.page(&format!("/search/suggestions?q={query}")).await;
            assert_eq!(status, 200, "{query}");
            assert!(!body.contains("suggestion-0"), "{query}: no options");
            assert!(!body.contains("<script>alert"), "{query}: never echoed as markup");
        }
    }

    async fn the_cart_drawer_page_shows_the_cart_and_a_remove_comes_back_to_it(app: TestApp) {
        app.seed(SeedOptions { products: 4, seed: 2 }).await;
        let (_, sku) = some_variant(&app.db, 0).await;
        let (_, body) = app.page("/cart/drawer").await;
        assert!(body.contains("Your cart is empty."), "no cart yet");

        let added = app.add_to_new_cart(&sku, 2).await;
        assert_eq!(added.status(), 200);
        let cookie = cart_cookie(&added);
        let body = page_with_cart(&app, "/cart/drawer", &cookie).await;
        let drawer = &body[body.find(r#"class="drawer__content""#).expect("the drawer's part")..];
        assert!(drawer.contains(&format!(r#"data-sku="{sku}""#)), "the line");
        assert!(drawer.contains(r#"href="/checkout""#) && drawer.contains(r#"href="/cart""#), "the way on");
        assert!(body.contains(r#"aria-label="2 items in cart" class="badge">2</span>"#), "the header counts it");
        assert!(body.contains(r#"<meta name="robots" content="noindex""#));

        // "Remove" is a form the drawer posts as a browser would: it comes back to the drawer's page.
        let remove = |quantity: &str| {
            app.client
                .post(app.url("/api/cart/update"))
                .header("accept", "text/html")
                .header("cookie", &cookie)
                .header("referer", app.url("/p/somewhere"))
                .form(&[("sku", sku.as_str()), ("quantity", quantity), ("__page", "/cart/drawer")])
                .send()
        };
        let refused = remove("-1").await.unwrap();
        let back = refused.headers()["location"].to_str().unwrap().to_owned();
        assert!(back.starts_with(&app.url("/cart/drawer?__path=")), "{back}");
        let path = back.trim_start_matches(&app.address);
        let shown = page_with_cart(&app, path, &cookie).await;
        assert!(
            shown.contains(r#"<p role="alert" class="notice notice--error">Choose a quantity from 0 to 99.</p>"#),
            "the refusal is shown in the drawer"
        );

        let removed = remove("0").await.unwrap();
        assert_eq!(removed.headers()["location"].to_str().unwrap().trim_end_matches('?'), app.url("/cart/drawer"));
        let body = page_with_cart(&app, "/cart/drawer", &cookie).await;
        assert!(body.contains("Your cart is empty."));
        assert!(body.contains(r#"aria-label="0 items in cart" class="badge">0</span>"#));
    }

    async fn each_variant_page_renders_its_own_buying_panel(app: TestApp) {
        app.seed(SeedOptions { products: 6, seed: 3 }).await;
        let snapshot = app.snapshot();
        let product = snapshot.products.iter().find(|p| p.skus.len() > 1).expect("a product with variants");
        let slug = product.slug.clone();
        for sku in product.skus.iter().take(3) {
            let (status, body) = app.page(&format!("/p/{slug}?variant={sku}")).await;
            assert_eq!(status, 200);
            assert!(body.contains(&format!(r#"data-sku="{sku}" class="product__gallery""#)), "{sku}: its images");
            assert!(body.contains(&format!(r#"name="sku" value="{sku}""#)), "{sku}: its Add to cart");
            // One checked value per option, each other value a link to a variant's page (or no link).
            let options = body.matches(r#"role="radiogroup""#).count();
            assert_eq!(body.matches(r#"aria-checked="true""#).count(), options, "{sku}");
            assert!(body.contains(&format!(r#"href="/p/{slug}?variant="#)), "{sku}: values link to variants");
        }
    }
}
