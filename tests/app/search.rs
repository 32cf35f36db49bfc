use sea_orm::ConnectionTrait;
use storefront::model::catalog::{ListingQuery, SearchSuggestion};
use storefront::server::seed::SeedOptions;
use storefront::server::services::{listing, read_model, search};

use crate::backend_tests;
use crate::helpers::TestApp;

/// Titles of the products the search finds, best first.
fn titles(app: &TestApp, text: &str) -> Vec<String> {
    let snapshot = app.snapshot();
    snapshot.search.search(text, None).iter().map(|hit| snapshot.products[hit.product as usize].title.clone()).collect()
}

fn search_query(pairs: &[(&str, &str)]) -> ListingQuery {
    ListingQuery::from_params(|key| pairs.iter().filter(|(k, _)| *k == key).map(|(_, v)| v.to_string()).collect())
}

backend_tests! {
    async fn typos_still_find_the_product(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let shirts = titles(&app, "tshrit");
        assert!(!shirts.is_empty(), "'tshrit' finds something");
        assert!(shirts[..5].iter().all(|t| t.contains("T-Shirt")), "'tshrit' finds t-shirts first: {shirts:?}");
        let hoodies = titles(&app, "hodie");
        assert!(!hoodies.is_empty());
        assert!(hoodies.iter().all(|t| t.contains("Hoodie")), "'hodie' finds hoodies only: {hoodies:?}");
        // Every word counts: a colour narrows the hoodies down.
        let snapshot = app.snapshot();
        let hoodie = snapshot.products.iter().find(|p| p.title.contains("Hoodie")).unwrap();
        let colour = hoodie.values.iter().map(|&v| &snapshot.values[v as usize]).find(|v| v.option == "Color").unwrap();
        let coloured = titles(&app, &format!("{} hodie", colour.value));
        assert!(!coloured.is_empty() && coloured.len() < hoodies.len(), "{coloured:?}");
        assert!(coloured.iter().all(|t| t.contains("Hoodie")), "{coloured:?}");
    }

    async fn an_exact_title_ranks_first_and_every_field_is_searched(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let snapshot = app.snapshot();
        let product = &snapshot.products[17];
        assert_eq!(titles(&app, &product.title)[0], product.title, "the exact title is the best match");

        let sku = &product.skus[0];
        let by_sku = snapshot.search.search(sku, Some(1));
        assert_eq!(snapshot.products[by_sku[0].product as usize].id, product.id, "a SKU finds its product");

        let by_brand = snapshot.search.search("tideline", None);
        assert!(!by_brand.is_empty());
        assert!(by_brand.iter().all(|h| snapshot.products[h.product as usize].brand == "Tideline"));

        let by_category = titles(&app, "drinkware");
        assert!(!by_category.is_empty(), "a category name finds its products");

        let by_colour = snapshot.search.search("burgundy", None);
        assert!(!by_colour.is_empty());
        for hit in &by_colour {
            let p = &snapshot.products[hit.product as usize];
            assert!(p.values.iter().any(|&v| snapshot.values[v as usize].value == "Burgundy"), "{}", p.title);
        }
    }

    async fn search_results_take_the_listing_filters_and_sorts(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let snapshot = app.snapshot();
        let all = listing::list_products(&snapshot, search_query(&[("q", "hoodie")]), false).unwrap();
        assert!(all.total > 0);
        let medium = listing::list_products(&snapshot, search_query(&[("q", "hoodie"), ("size", "M"), ("in_stock", "1")]), false).unwrap();
        assert!(medium.total > 0 && medium.total <= all.total);
        // "hoodie" also matches the "Hoodies & Sweatshirts" category.
        assert!(medium.cards.iter().all(|c| (c.title.contains("Hoodie") || c.title.contains("Sweatshirt")) && !c.sold_out));
        let cheap_first =
            listing::list_products(&snapshot, search_query(&[("q", "hoodie"), ("sort", "price-asc")]), false).unwrap();
        assert!(cheap_first.cards.windows(2).all(|w| w[0].min_price <= w[1].min_price));
        assert_eq!(cheap_first.total, all.total);
    }

    async fn the_search_page_is_server_rendered_and_odd_queries_give_a_normal_page(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let (status, html) = app.page("/search?q=hodie").await;
        assert_eq!(status, 200);
        assert!(html.contains("Results for “hodie”"), "{}", &html[..html.len().min(3000)]);
        assert!(html.contains("Hoodie"));
        // Results for a query are indexable, with the query alone as their canonical address; filtered, not.
        assert!(!html.contains("noindex"));
        let canonical = html.split(r#"" rel="canonical">"#).next().and_then(|before| before.rsplit(r#"href=""#).next());
        assert!(canonical.is_some_and(|url| url.ends_with("/search?q=hodie")), "{canonical:?}");
        let (_, filtered) = app.page("/search?q=hodie&size=M&sort=price-asc").await;
        assert!(filtered.contains("content=\"noindex, follow\""));

        let (_, html) = app.page("/search?q=%3C%2Ftitle%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
        assert!(
            html.contains("<title>Search: &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Kestrel Supply</title>"),
            "the title is escaped: {}",
            &html[..html.len().min(3000)]
        );
        let long = "a".repeat(10 * 1024);
        for q in ["", "%27%3B%20DROP%20TABLE%20products%3B%20--", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%E6%97%A5%E6%9C%AC%20%C3%BCn%C3%AFc%C3%B6d%C3%A9%20%F0%9F%A7%A6", "%22((%20*%20AND%20OR", &long] {
            let (status, html) = app.page(&format!("/search?q={q}")).await;
            assert_eq!(status, 200, "{q}");
            assert!(!html.contains("<script>alert"), "{q}: markup is escaped");
            assert!(html.contains("<h1>"), "{q}");
        }
        let products = app.db
            .query_one_raw(sea_orm::Statement::from_string(app.db.get_database_backend(), "SELECT COUNT(*) FROM products"))
            .await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap();
        assert_eq!(products, 250, "nothing changed");
    }

    async fn suggestions_come_from_the_suggest_endpoint(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let response = app.client.post(app.url("/api/suggest")).form(&[("q", "hodie")]).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let suggestions: Vec<SearchSuggestion> = response.json().await.unwrap();
        assert!(!suggestions.is_empty() && suggestions.len() <= search::SUGGESTIONS);
        assert!(suggestions.iter().all(|s| s.title.contains("Hoodie")), "{suggestions:?}");
    }

    async fn a_change_in_the_feed_refreshes_the_catalog(app: TestApp) {
        app.seed(SeedOptions { products: 20, seed: 1 }).await;
        let before = app.snapshot();
        let product = before.products[0].clone();
        app.db.execute_unprepared(&format!("UPDATE products SET title = 'Zyxwv Parka' WHERE id = {}", product.id)).await.unwrap();
        assert!(!app.catalog.refresh_if_changed(&app.db).await.unwrap(), "nothing recorded: no reload");
        assert!(titles(&app, "zyxwv").is_empty());

        read_model::record_change(&app.db, Some(product.id), "test").await.unwrap();
        assert!(app.catalog.refresh_if_changed(&app.db).await.unwrap(), "a recorded change reloads");
        assert_eq!(titles(&app, "zyxwv"), vec!["Zyxwv Parka".to_string()]);
        assert!(!app.catalog.refresh_if_changed(&app.db).await.unwrap(), "once");
    }
}
