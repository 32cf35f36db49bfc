use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use storefront::error::AppError;
use storefront::server::entities::{product, variant};
use storefront::server::seed::SeedOptions;
use storefront::server::services::product::product_detail;

use crate::backend_tests;

/// The first active apparel product of the demo catalog (options Color and Size).
async fn a_tee(db: &sea_orm::DatabaseConnection) -> product::Model {
    product::Entity::find()
        .filter(product::Column::CategoryId.eq(1))
        .filter(product::Column::Status.eq("active"))
        .order_by_asc(product::Column::Id)
        .one(db)
        .await
        .unwrap()
        .expect("a t-shirt")
}

backend_tests! {
    async fn a_product_has_its_options_variants_and_colour_images(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let tee = a_tee(&app.db).await;
        let detail = product_detail(&app.db, &tee.slug).await.unwrap();
        let names: Vec<&str> = detail.options.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["Color", "Size"]);
        let expected = detail.options[0].values.len() * detail.options[1].values.len();
        assert_eq!(detail.variants.len(), expected, "one variant per colour and size");
        for v in &detail.variants {
            assert_eq!(v.value_ids.len(), 2);
            assert!(detail.options[0].values.iter().any(|c| c.id == v.value_ids[0]), "colour first");
            let images = detail.images_for(v);
            let colour = &detail.options[0].values.iter().find(|c| c.id == v.value_ids[0]).unwrap().label;
            assert!(images.iter().all(|i| i.alt.contains(colour.as_str())), "{colour} images for {}", v.sku);
        }
    }

    async fn drafts_archived_and_unknown_products_are_not_found(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        for status in ["draft", "archived"] {
            let hidden = product::Entity::find().filter(product::Column::Status.eq(status)).one(&app.db).await.unwrap();
            if let Some(hidden) = hidden {
                assert_eq!(product_detail(&app.db, &hidden.slug).await.unwrap_err(), AppError::NotFound);
                assert_eq!(app.page(&format!("/p/{}", hidden.slug)).await.0, 404);
            }
        }
        assert_eq!(product_detail(&app.db, "no-such-product").await.unwrap_err(), AppError::NotFound);
        let (status, html) = app.page("/p/no-such-product").await;
        assert_eq!(status, 404);
        assert!(html.contains("find that page"));
    }

    async fn the_page_server_renders_the_variant_in_the_url(app: TestApp) {
        app.seed(SeedOptions::default()).await;
        let tee = a_tee(&app.db).await;
        let last = variant::Entity::find()
            .filter(variant::Column::ProductId.eq(tee.id))
            .order_by_desc(variant::Column::Position)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let (status, html) = app.page(&format!("/p/{}?variant={}", tee.slug, last.sku)).await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("<h1>{}</h1>", tee.title)));
        assert!(html.contains(&format!("data-sku=\"{}\"", last.sku)), "the gallery shows the chosen variant");
        let price = storefront::model::money::Money::new(last.price, storefront::model::money::Currency::Usd);
        assert!(html.contains(&price.format()), "the chosen variant's price");
        assert!(html.contains("role=\"radiogroup\""), "pickers are radio groups");
        let (_, fallback) = app.page(&format!("/p/{}?variant=NOPE%3Cscript%3E", tee.slug)).await;
        assert!(fallback.contains("data-sku=\""), "an unknown SKU shows the default variant");
    }
}
