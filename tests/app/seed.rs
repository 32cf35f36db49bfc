use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};
use storefront::server::entities::{product, variant};
use storefront::server::seed::{SeedOptions, seed};

use crate::backend_tests;

async fn execute(app: &crate::helpers::TestApp, sql: &str) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
    let backend = app.db.get_database_backend();
    app.db.execute_raw(Statement::from_string(backend, sql.to_owned())).await
}

backend_tests! {
    async fn seeding_builds_the_demo_catalog_once(app: TestApp) {
        let first = seed(&app.db, SeedOptions::default()).await.unwrap();
        assert!(first.created);
        let products = product::Entity::find().count(&app.db).await.unwrap();
        let variants = variant::Entity::find().count(&app.db).await.unwrap();
        assert_eq!(products, 250);
        assert!(variants >= 1_500, "{variants} variants");

        let second = seed(&app.db, SeedOptions::default()).await.unwrap();
        assert!(!second.created, "a second seed changes nothing");
        assert_eq!(product::Entity::find().count(&app.db).await.unwrap(), 250);
    }

    async fn the_schema_refuses_negative_stock_and_prices(app: TestApp) {
        seed(&app.db, SeedOptions { products: 10, seed: 1 }).await.unwrap();
        assert!(execute(&app, "UPDATE variants SET stock = -1 WHERE id = 1").await.is_err());
        assert!(execute(&app, "UPDATE variants SET price = -1 WHERE id = 1").await.is_err());
        assert!(execute(&app, "UPDATE products SET status = 'gone' WHERE id = 1").await.is_err());
    }

    async fn the_schema_refuses_duplicate_skus_slugs_and_combinations(app: TestApp) {
        seed(&app.db, SeedOptions { products: 10, seed: 1 }).await.unwrap();
        assert!(execute(&app, "UPDATE variants SET sku = (SELECT sku FROM variants WHERE id = 2) WHERE id = 1").await.is_err());
        assert!(execute(&app, "UPDATE products SET slug = (SELECT slug FROM products WHERE id = 2) WHERE id = 1").await.is_err());
        assert!(
            execute(&app, "UPDATE variants SET option_key = (SELECT option_key FROM variants WHERE id = 2) WHERE id = 1")
                .await
                .is_err(),
            "one variant per combination of options"
        );
    }

    async fn deleting_a_product_deletes_its_variants_but_a_used_category_stays(app: TestApp) {
        seed(&app.db, SeedOptions { products: 10, seed: 1 }).await.unwrap();
        assert!(execute(&app, "DELETE FROM categories WHERE id = 1").await.is_err(), "products keep their category");
        execute(&app, "DELETE FROM products WHERE id = 1").await.unwrap();
        let orphans = variant::Entity::find().all(&app.db).await.unwrap().into_iter().filter(|v| v.product_id == 1).count();
        assert_eq!(orphans, 0);
    }

    async fn product_images_are_drawn_per_colour(app: TestApp) {
        let response = app.get("/images/tshirt/1f4d3a/front.svg").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        assert!(response.text().await.unwrap().contains("fill=\"#1f4d3a\""));
        assert_eq!(app.get("/images/tshirt/zzzzzz/front.svg").await.status(), 404);
        assert_eq!(app.get("/images/spaceship/1f4d3a/front.svg").await.status(), 404);
    }
}
