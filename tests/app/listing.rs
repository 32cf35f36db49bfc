use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use storefront::error::AppError;
use storefront::model::catalog::{FacetKey, Listing, ListingQuery, Sort};
use storefront::server::seed::SeedOptions;
use storefront::server::services::listing;
use storefront::server::services::read_model::Snapshot;

use crate::backend_tests;
use crate::helpers::TestApp;

/// The listing the app shows for these URL parameters (from its in-memory catalog).
async fn list_products(app: &TestApp, query: ListingQuery, in_path: bool) -> Result<Listing, AppError> {
    listing::list_products(&app.snapshot(), query, in_path)
}

fn query(pairs: &[(&str, &str)]) -> ListingQuery {
    ListingQuery::from_params(|key| pairs.iter().filter(|(k, _)| *k == key).map(|(_, v)| v.to_string()).collect())
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .unwrap()
        .expect("a row");
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn products_with(db: &DatabaseConnection, slug: &str, option: &str, value: &str) -> i64 {
    scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM products p JOIN variants v ON v.product_id = p.id \
             JOIN variant_option_values x ON x.variant_id = v.id JOIN option_values ov ON ov.id = x.option_value_id \
             JOIN product_options po ON po.id = ov.option_id \
             WHERE p.slug = '{slug}' AND po.name = '{option}' AND ov.value = '{value}'"
        ),
    )
    .await
}

backend_tests! {
    async fn the_listing_shows_active_products_24_a_page(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let active = scalar(&app.db, "SELECT COUNT(*) FROM products WHERE status = 'active'").await as u64;
        let listing = list_products(&app, query(&[]), false).await.unwrap();
        assert_eq!(listing.total, active);
        assert_eq!(listing.cards.len(), 24);
        assert_eq!(listing.pages as u64, active.div_ceil(24));
        assert!(listing.cards.iter().all(|c| c.image.is_some()), "every card has an image");

        let last = list_products(&app, query(&[("page", "999")]), false).await.unwrap();
        assert_eq!(last.query.page, listing.pages, "a page past the end shows the last page");
        assert_eq!(last.cards.len() as u64, active - (listing.pages as u64 - 1) * 24);
    }

    async fn filters_by_category_size_and_colour(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let listing = list_products(&app, query(&[("category", "t-shirts"), ("size", "XS"), ("color", "Navy")]), false)
            .await
            .unwrap();
        assert!(listing.total > 0);
        for card in &listing.cards {
            assert!(products_with(&app.db, &card.slug, "Size", "XS").await > 0, "{} has XS", card.slug);
            assert!(products_with(&app.db, &card.slug, "Color", "Navy").await > 0, "{} has Navy", card.slug);
        }
        let sizes = listing.facets.iter().find(|f| f.key == FacetKey::Size).expect("a size facet");
        let xs = sizes.values.iter().find(|v| v.value == "XS").expect("XS");
        assert!(xs.selected);
        assert_eq!(xs.count, listing.total, "the selected value's count is the result count");
    }

    async fn facet_counts_say_how_many_products_each_choice_leaves(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let listing = list_products(&app, query(&[("category", "hoodies")]), false).await.unwrap();
        let colours = listing.facets.iter().find(|f| f.key == FacetKey::Color).expect("a colour facet");
        for value in &colours.values {
            let filtered =
                list_products(&app, query(&[("category", "hoodies"), ("color", &value.value)]), false).await.unwrap();
            assert_eq!(filtered.total, value.count, "count for {}", value.value);
        }
    }

    async fn sorts_by_price_and_name(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let ascending = list_products(&app, query(&[("sort", "price-asc")]), false).await.unwrap();
        assert_eq!(ascending.query.sort, Sort::PriceAsc);
        assert!(ascending.cards.windows(2).all(|w| w[0].min_price <= w[1].min_price));
        let descending = list_products(&app, query(&[("sort", "price-desc")]), false).await.unwrap();
        assert!(descending.cards.windows(2).all(|w| w[0].min_price >= w[1].min_price));
        let by_name = list_products(&app, query(&[("sort", "name")]), false).await.unwrap();
        assert!(by_name.cards.windows(2).all(|w| w[0].title.to_lowercase() <= w[1].title.to_lowercase()));
    }

    async fn in_stock_only_hides_sold_out_products(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let all = list_products(&app, query(&[("sort", "name")]), false).await.unwrap();
        let in_stock = list_products(&app, query(&[("in_stock", "1")]), false).await.unwrap();
        assert!(in_stock.total < all.total, "the demo catalog has sold-out products");
        assert!(in_stock.cards.iter().all(|c| !c.sold_out));
    }

    async fn price_range_keeps_products_with_a_price_inside(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let listing = list_products(&app, query(&[("min", "20"), ("max", "40")]), false).await.unwrap();
        assert!(listing.total > 0);
        assert!(listing.cards.iter().all(|c| c.max_price.minor >= 2000 && c.min_price.minor <= 4000));
    }

    async fn an_unknown_category_is_not_found_in_the_path_and_ignored_as_a_filter(app: TestApp) {
        app.seed(SeedOptions { products: 20, seed: 1 }).await;
        let path = list_products(&app, query(&[("category", "nope")]), true).await;
        assert_eq!(path.unwrap_err(), AppError::NotFound);
        let param = list_products(&app, query(&[("category", "nope'; DROP TABLE products; --")]), false).await.unwrap();
        assert!(param.query.category.is_none());
        assert!(param.total > 0);
    }

    async fn loading_the_catalog_takes_the_same_queries_whatever_its_size_and_a_listing_none(app: TestApp) {
        let mut db = app.db.clone();
        let queries = Arc::new(AtomicUsize::new(0));
        let counter = queries.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        app.seed(SeedOptions { products: 300, seed: 2 }).await;
        queries.store(0, Ordering::SeqCst);
        let large = Snapshot::load(&db).await.unwrap();
        let large_count = queries.swap(0, Ordering::SeqCst);
        app.db.execute_unprepared("UPDATE products SET status = 'archived' WHERE id > 20").await.unwrap();
        queries.store(0, Ordering::SeqCst);
        let small = Snapshot::load(&db).await.unwrap();
        let small_count = queries.swap(0, Ordering::SeqCst);
        assert!(large.products.len() > small.products.len() * 10);
        assert_eq!(small_count, large_count, "loading is a fixed number of queries (no N+1)");
        assert!(small_count <= 8, "{small_count} queries");

        let full = listing::list_products(&large, query(&[]), false).unwrap();
        let filtered = listing::list_products(&large, query(&[("size", "XS"), ("color", "Navy")]), false).unwrap();
        assert_eq!(full.cards.len(), 24);
        assert!(filtered.total < full.total);
        assert_eq!(queries.load(Ordering::SeqCst), 0, "a listing reads only memory");
    }
}
