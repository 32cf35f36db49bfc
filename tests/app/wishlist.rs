//! The wishlist on both backends: the heart saves a product once (and takes it off), the wishlist
//! page shows each product's price and stock now, "move to cart" goes through the cart's stock check,
//! guests are sent to sign in and back to the product, and one account never reaches another's.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use storefront::server::entities::{user, wishlist_item};

use crate::backend_tests;
use crate::fixtures::ProductBuilder;
use crate::orders::scalar;
use crate::shopper::{Shopper, location};

const PASSWORD: &str = "correct horse battery staple";

async fn saved_count(db: &sea_orm::DatabaseConnection, email: &str) -> usize {
    let user = user::Entity::find().filter(user::Column::Email.eq(email)).one(db).await.unwrap().expect("an account");
    wishlist_item::Entity::find().filter(wishlist_item::Column::UserId.eq(user.id)).all(db).await.unwrap().len()
}

/// Whether a page shows the heart of `title` pressed (a card) or the product page's pressed.
fn heart_pressed(page: &str) -> bool {
    page.contains("aria-pressed=\"true\"")
}

backend_tests! {
    async fn a_heart_saves_a_product_once_and_the_wishlist_shows_its_price_and_stock_now(app: TestApp) {
        let hoodie = ProductBuilder::new("Trail Hoodie").variant("HOOD-S", 4800).stock(0).variant("HOOD-M", 5200).stock(3).insert(&app.db).await;
        let ada = Shopper::registered(&app, "Ada", "ada@example.com", PASSWORD).await;
        let page = format!("/p/{}", hoodie.slug);
        let (_, before) = ada.page(&page).await;
        assert!(before.contains("Save to wishlist") && !heart_pressed(&before), "{before}");

        for _ in 0..2 {
            let saved = ada.submit_on(&page, "/api/wishlist/heart", &[("slug", &hoodie.slug), ("save", "true")]).await;
            assert_eq!(location(&saved).trim_end_matches('?'), page, "back to the product");
        }
        assert_eq!(saved_count(&app.db, "ada@example.com").await, 1, "saved once");
        assert!(heart_pressed(&ada.page(&page).await.1), "the heart is filled now");
        // The page rendered for her is hers only: a guest's copy of it has an empty heart.
        assert!(!heart_pressed(&Shopper::new(&app).page(&page).await.1));

        let (status, wishlist) = ada.page("/account/wishlist").await;
        assert_eq!(status, 200);
        assert!(wishlist.contains("Trail Hoodie") && wishlist.contains("from $48.00") && wishlist.contains("Only 3 left"), "{wishlist}");
        assert!(wishlist.contains("HOOD-S — $48.00 — Sold out") && wishlist.contains("HOOD-M — $52.00 — Only 3 left"), "{wishlist}");
        assert!(wishlist.contains("<option value=\"HOOD-S\" disabled"), "a sold-out variant cannot be chosen: {wishlist}");

        // Prices and stock are read now, not when it was saved.
        let raise = storefront::server::db::statement(&app.db, "UPDATE variants SET price = ? WHERE sku = ?", [5000i64.into(), "HOOD-S".into()]);
        sea_orm::ConnectionTrait::execute_raw(&app.db, raise).await.unwrap();
        storefront::server::services::inventory::set_stock(&app.db, "HOOD-M", 0, "count").await.unwrap();
        let (_, wishlist) = ada.page("/account/wishlist").await;
        assert!(wishlist.contains("from $50.00") || wishlist.contains("$50.00"), "{wishlist}");
        assert!(wishlist.contains("Sold out") && !wishlist.contains("Move to cart"), "nothing to move when all is sold out: {wishlist}");

        let removed = ada.submit_on("/account/wishlist", "/api/wishlist/heart", &[("slug", &hoodie.slug), ("save", "false")]).await;
        assert_eq!(location(&removed).trim_end_matches('?'), "/account/wishlist");
        assert_eq!(saved_count(&app.db, "ada@example.com").await, 0);
        assert!(ada.page("/account/wishlist").await.1.contains("Your wishlist is empty"));
    }

    async fn move_to_cart_checks_stock_and_takes_the_product_off_the_wishlist(app: TestApp) {
        let mug = ProductBuilder::new("Last Mug").variant("MUG-1", 1800).stock(1).insert(&app.db).await;
        let bag = ProductBuilder::new("Other Bag").variant("BAG-1", 4200).stock(5).insert(&app.db).await;
        let ada = Shopper::registered(&app, "Ada", "ada@example.com", PASSWORD).await;
        let heart = |slug: &str| {
            let (ada, slug) = (&ada, slug.to_owned());
            async move { ada.post("/api/wishlist/heart", &[("slug", &slug), ("save", "true")]).await.status() }
        };
        assert_eq!(heart(&mug.slug).await, 200);

        // Her first cart: made hers, with the mug in it.
        let moved = ada.submit("/api/wishlist/move", &[("slug", &mug.slug), ("sku", "MUG-1")]).await;
        assert_eq!(location(&moved), "/account/wishlist?moved=1");
        assert!(ada.page(&location(&moved)).await.1.contains("Moved to your cart"));
        assert_eq!(saved_count(&app.db, "ada@example.com").await, 0);
        let (_, cart) = ada.page("/cart").await;
        assert!(cart.contains("Last Mug"), "{cart}");
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM carts WHERE user_id IS NOT NULL").await, 1);

        // The last one is in her cart already: the stock check refuses another, and it stays saved.
        assert_eq!(heart(&mug.slug).await, 200);
        let refused = ada.post("/api/wishlist/move", &[("slug", &mug.slug), ("sku", "MUG-1")]).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("Only 1 left in stock"));
        assert_eq!(saved_count(&app.db, "ada@example.com").await, 1);

        // A variant of another product, or a product not on her wishlist, moves nothing.
        assert_eq!(ada.post("/api/wishlist/move", &[("slug", &mug.slug), ("sku", "BAG-1")]).await.status(), 422);
        assert_eq!(ada.post("/api/wishlist/move", &[("slug", &bag.slug), ("sku", "BAG-1")]).await.status(), 404);
        let lines = "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM cart_lines";
        assert_eq!(scalar(&app.db, lines).await, 1);
    }

    async fn guests_are_sent_to_sign_in_and_no_one_reaches_another_accounts_wishlist(app: TestApp) {
        let mug = ProductBuilder::new("Mug").variant("MUG-1", 1800).stock(5).insert(&app.db).await;
        let guest = Shopper::new(&app);
        let page = format!("/p/{}", mug.slug);
        let asked = guest.submit_on(&page, "/api/wishlist/heart", &[("slug", &mug.slug), ("save", "true")]).await;
        let sign_in = location(&asked);
        assert_eq!(sign_in, format!("/account/sign-in?next={page}&wishlist=1"));
        let (_, form) = guest.page(&sign_in).await;
        assert!(form.contains("Sign in to save products to your wishlist"), "{form}");
        assert!(form.contains(&format!("name=\"next\" value=\"{page}\"")), "back to the product after: {form}");
        assert_eq!(location(&guest.get("/account/wishlist").await), "/account/sign-in?next=/account/wishlist");
        assert_eq!(guest.post("/api/wishlist/move", &[("slug", &mug.slug), ("sku", "MUG-1")]).await.status(), 401);
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM wishlist_items").await, 0);

        let ada = Shopper::registered(&app, "Ada", "ada@example.com", PASSWORD).await;
        let bob = Shopper::registered(&app, "Bob", "bob@example.com", PASSWORD).await;
        assert_eq!(ada.post("/api/wishlist/heart", &[("slug", &mug.slug), ("save", "true")]).await.status(), 200);
        assert!(!bob.page("/account/wishlist").await.1.contains("Mug"), "Bob's wishlist is his own");
        assert_eq!(bob.post("/api/wishlist/move", &[("slug", &mug.slug), ("sku", "MUG-1")]).await.status(), 404);
        assert_eq!(bob.post("/api/wishlist/heart", &[("slug", &mug.slug), ("save", "false")]).await.status(), 200);
        assert_eq!(saved_count(&app.db, "ada@example.com").await, 1, "Bob's 'remove' touched only his own");
        assert_eq!(ada.post("/api/wishlist/heart", &[("slug", "no-such-product"), ("save", "true")]).await.status(), 404);
        for path in ["/api/wishlist/heart", "/api/wishlist/move"] {
            let response = app.client.post(app.url(path)).header("cookie", ada.cookie_header())
                .header("sec-fetch-site", "cross-site").form(&[("slug", &mug.slug), ("save", &"false".to_owned()), ("sku", &"MUG-1".to_owned())]).send().await.unwrap();
            assert_eq!(response.status(), 403, "{path} from another site");
        }
        assert_eq!(saved_count(&app.db, "ada@example.com").await, 1);
    }
}
