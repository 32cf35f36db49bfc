//! Cart and order placement on both backends: stock checks, no oversell under concurrency,
//! idempotent placement, and the inventory ledger.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use storefront::error::AppError;
use storefront::model::checkout::Address;
use storefront::server::config::CheckoutRules;
use storefront::server::seed::SeedOptions;
use storefront::server::services::cart::{self, CartRules};
use storefront::server::services::inventory;
use storefront::server::services::orders::{Checkout, Placed, place_order};
use storefront::server::services::payments;

use crate::backend_tests;

pub async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let statement = Statement::from_string(db.get_database_backend(), sql.to_owned());
    db.query_one_raw(statement).await.unwrap().expect("a row").try_get_by_index::<i64>(0).unwrap()
}

/// An active variant of an active product: (id, sku).
pub async fn some_variant(db: &DatabaseConnection, nth: i64) -> (i32, String) {
    let sql = format!(
        "SELECT v.id, v.sku FROM variants v JOIN products p ON p.id = v.product_id \
         WHERE v.active = TRUE AND p.status = 'active' ORDER BY v.id LIMIT 1 OFFSET {nth}"
    );
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    (row.try_get_by_index::<i32>(0).unwrap(), row.try_get_by_index::<String>(1).unwrap())
}

pub async fn stock_of(db: &DatabaseConnection, variant_id: i32) -> i64 {
    scalar(db, &format!("SELECT CAST(stock AS BIGINT) FROM variants WHERE id = {variant_id}")).await
}

pub fn address() -> Address {
    Address {
        name: "Ada Lovelace".into(),
        line1: "1 Main St".into(),
        line2: String::new(),
        city: "Springfield".into(),
        region: "IL".into(),
        postal_code: "62701".into(),
        country: "US".into(),
    }
}

pub fn checkout(key: &str) -> Checkout {
    Checkout {
        email: "shopper@example.com".into(),
        address: address(),
        shipping_method: "standard".into(),
        promo_code: String::new(),
        expected_total: None,
        idempotency_key: key.into(),
        account: None,
    }
}

/// An order for one unit of `sku`: a cart with it, placed with the standard checkout under `key`.
pub async fn order_one(db: &DatabaseConnection, sku: &str, key: &str) -> Placed {
    let cart_id = cart_with(db, sku, 1).await;
    place_order(db, cart_id, &checkout(key), &rules()).await.expect("the order is placed")
}

/// The built-in checkout rules (15-minute hold, standard and express shipping, default tax table).
pub fn rules() -> CheckoutRules {
    CheckoutRules::default()
}

/// A new cart holding `quantity` of `sku`.
pub async fn cart_with(db: &DatabaseConnection, sku: &str, quantity: i32) -> i32 {
    let (cart_id, _) = cart::create(db).await.unwrap();
    cart::add(db, cart_id, sku, quantity, CartRules::default()).await.unwrap();
    cart_id
}

backend_tests! {
    async fn a_twin_submit_that_reads_the_cart_after_the_order_was_placed_gets_that_order(app: TestApp) {
        let sku = crate::fixtures::ProductBuilder::new("Twin Mug").variant("TWIN-1", 1500).stock(2).insert(&app.db).await.first().1;
        let cart_id = cart_with(&app.db, &sku, 1).await;
        let first = place_order(&app.db, cart_id, &checkout("twin-key"), &rules()).await.expect("placed");
        // The twin read the cart after the first emptied it and forgot its details: no email, no
        // address, no lines. Still the same submit (key and cart): the same order, not a refusal.
        let forgotten = Checkout { email: String::new(), address: Address::default(), ..checkout("twin-key") };
        let twin = place_order(&app.db, cart_id, &forgotten, &rules()).await.expect("the same order");
        assert_eq!(twin.token, first.token);
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM orders").await, 1);
        // Another key on that emptied cart is still refused.
        let other = Checkout { email: String::new(), address: Address::default(), ..checkout("other-key") };
        assert!(matches!(place_order(&app.db, cart_id, &other, &rules()).await, Err(AppError::Validation(_))));
    }

    async fn a_guest_cart_merges_into_another_capped_at_the_stock(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (_, shared) = some_variant(&app.db, 0).await;
        let (_, only_guest) = some_variant(&app.db, 1).await;
        inventory::set_stock(&app.db, &shared, 5, "test").await.unwrap();
        inventory::set_stock(&app.db, &only_guest, 5, "test").await.unwrap();
        let guest = cart_with(&app.db, &shared, 3).await;
        cart::add(&app.db, guest, &only_guest, 2, CartRules::default()).await.unwrap();
        let mine = cart_with(&app.db, &shared, 4).await;

        let notices = cart::merge(&app.db, guest, mine, CartRules::default()).await.unwrap();
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].starts_with("Only 5 of"));
        let view = cart::view(&app.db, mine).await.unwrap();
        let quantities: Vec<(String, i32)> = view.lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect();
        assert!(quantities.contains(&(shared.clone(), 5)) && quantities.contains(&(only_guest.clone(), 2)), "{quantities:?}");
        assert_eq!(scalar(&app.db, &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM carts WHERE id = {guest}")).await, 0);
    }

    async fn fifty_buyers_for_five_units_make_exactly_five_orders_twenty_times_over(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        for round in 0..20 {
            let (variant_id, sku) = some_variant(&app.db, round).await;
            inventory::set_stock(&app.db, &sku, 5, "test").await.unwrap();
            let mut carts = Vec::new();
            for _ in 0..50 {
                carts.push(cart_with(&app.db, &sku, 1).await);
            }
            let buyers = carts.into_iter().enumerate().map(|(i, cart_id)| {
                let db = app.db.clone();
                tokio::spawn(async move { place_order(&db, cart_id, &checkout(&format!("race-{round}-{i}")), &rules()).await })
            });
            let results = futures::future::join_all(buyers).await;
            let placed = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
            for result in &results {
                match result.as_ref().unwrap() {
                    Ok(_) => {}
                    Err(AppError::Validation(fields)) => {
                        assert!(fields.values().all(|m| m.contains("sold out")), "{fields:?}")
                    }
                    Err(other) => panic!("round {round}: unexpected {other:?}"),
                }
            }
            assert_eq!(placed, 5, "round {round}: exactly the stock is sold");
            assert_eq!(stock_of(&app.db, variant_id).await, 0, "round {round}");
            assert_eq!(inventory::ledger_sum(&app.db, variant_id).await.unwrap(), 0, "round {round}: ledger = stock");
            let sold = scalar(&app.db, &format!("SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM order_lines WHERE variant_id = {variant_id}")).await;
            assert_eq!(sold, 5, "round {round}");
        }
        assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM variants WHERE stock < 0").await, 0);
    }

    async fn twenty_submits_with_one_key_make_one_order_and_other_details_are_refused(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (variant_id, sku) = some_variant(&app.db, 0).await;
        inventory::set_stock(&app.db, &sku, 50, "test").await.unwrap();
        let cart_id = cart_with(&app.db, &sku, 2).await;
        let submits = (0..20).map(|_| {
            let db = app.db.clone();
            tokio::spawn(async move { place_order(&db, cart_id, &checkout("one-key"), &rules()).await })
        });
        let results: Vec<Result<Placed, AppError>> =
            futures::future::join_all(submits).await.into_iter().map(|r| r.unwrap()).collect();
        let tokens: std::collections::HashSet<&str> =
            results.iter().filter_map(|r| r.as_ref().ok()).map(|p| p.token.as_str()).collect();
        assert_eq!(tokens.len(), 1, "every success is the same order: {results:?}");
        for result in &results {
            assert!(matches!(result, Ok(_) | Err(AppError::Conflict(_))), "{result:?}");
        }
        assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM orders").await, 1);
        assert_eq!(stock_of(&app.db, variant_id).await, 48);

        // The same key again (a refresh after success, the cart now empty): the same order, replayed.
        let again = place_order(&app.db, cart_id, &checkout("one-key"), &rules()).await.unwrap();
        assert!(again.replayed);
        assert!(tokens.contains(again.token.as_str()));
        let other = cart_with(&app.db, &sku, 1).await;
        let reused = place_order(&app.db, other, &checkout("one-key"), &rules()).await;
        assert!(matches!(&reused, Err(AppError::Validation(f)) if f.contains_key("idempotency_key")), "{reused:?}");
        assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM orders").await, 1);
    }

    async fn a_retry_with_the_same_key_and_details_gets_the_same_order(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (_, sku) = some_variant(&app.db, 1).await;
        inventory::set_stock(&app.db, &sku, 10, "test").await.unwrap();
        let cart_id = cart_with(&app.db, &sku, 1).await;
        let first = place_order(&app.db, cart_id, &checkout("retry"), &rules()).await.unwrap();
        assert!(!first.replayed);
        // A retry that arrives before the cart is emptied would carry the same lines: simulate it by
        // putting the line back, as the original request saw it.
        cart::add(&app.db, cart_id, &sku, 1, CartRules::default()).await.unwrap();
        let second = place_order(&app.db, cart_id, &checkout("retry"), &rules()).await.unwrap();
        assert!(second.replayed);
        assert_eq!(second.token, first.token);
        assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM orders").await, 1);
    }

    async fn a_line_short_of_stock_fails_the_whole_order_and_changes_nothing(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (a_id, a) = some_variant(&app.db, 0).await;
        let (b_id, b) = some_variant(&app.db, 1).await;
        inventory::set_stock(&app.db, &a, 10, "test").await.unwrap();
        inventory::set_stock(&app.db, &b, 10, "test").await.unwrap();
        let cart_id = cart_with(&app.db, &a, 2).await;
        cart::add(&app.db, cart_id, &b, 3, CartRules::default()).await.unwrap();
        inventory::set_stock(&app.db, &b, 2, "test").await.unwrap();

        let refused = place_order(&app.db, cart_id, &checkout("short"), &rules()).await.unwrap_err();
        let AppError::Validation(fields) = &refused else { panic!("{refused:?}") };
        assert_eq!(fields.len(), 1, "only the short line is named: {fields:?}");
        assert!(fields[&format!("line:{b}")].contains("Only 2 of"), "{fields:?}");
        assert_eq!(stock_of(&app.db, a_id).await, 10, "the other line's stock is untouched");
        assert_eq!(stock_of(&app.db, b_id).await, 2);
        assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM orders").await, 0);
        assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM cart_lines").await, 2, "the cart is kept");

        // The shopper lowers the quantity and submits again with the same page's key.
        cart::set_quantity(&app.db, cart_id, &b, 2, CartRules::default()).await.unwrap();
        place_order(&app.db, cart_id, &checkout("short"), &rules()).await.unwrap();
        assert_eq!(stock_of(&app.db, b_id).await, 0);
        assert_eq!(inventory::ledger_sum(&app.db, b_id).await.unwrap(), 0);
        assert_eq!(inventory::ledger_sum(&app.db, a_id).await.unwrap(), 8);
        assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM cart_lines").await, 0, "ordered lines leave the cart");
    }

    async fn the_cart_checks_stock_and_quantities_and_names_what_is_left(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (_, sku) = some_variant(&app.db, 2).await;
        inventory::set_stock(&app.db, &sku, 3, "test").await.unwrap();
        let (cart_id, token) = cart::create(&app.db).await.unwrap();
        assert_eq!(cart::find(&app.db, &token).await.unwrap(), Some(cart_id));
        assert_eq!(cart::find(&app.db, "not-a-token").await.unwrap(), None);
        let rules = CartRules::default();

        cart::add(&app.db, cart_id, &sku, 2, rules).await.unwrap();
        let too_many = cart::add(&app.db, cart_id, &sku, 2, rules).await.unwrap_err();
        assert_eq!(too_many.field("quantity"), Some("Only 3 left in stock. You already have 2 in your cart."));
        assert!(cart::add(&app.db, cart_id, "NO-SUCH-SKU", 1, rules).await.unwrap_err().field("sku").is_some());
        assert!(cart::add(&app.db, cart_id, &sku, 0, rules).await.is_err());
        assert!(cart::add(&app.db, cart_id, &sku, 100, rules).await.is_err());
        assert!(cart::set_quantity(&app.db, cart_id, &sku, 4, rules).await.is_err());
        cart::set_quantity(&app.db, cart_id, &sku, 3, rules).await.unwrap();

        let view = cart::view(&app.db, cart_id).await.unwrap();
        assert_eq!(view.count, 3);
        assert_eq!(view.lines[0].line_total.minor, view.lines[0].unit_price.minor * 3);
        assert!(view.notices.is_empty());

        // Stock falls and the price changes after the item was added: the cart says so, once.
        inventory::set_stock(&app.db, &sku, 1, "test").await.unwrap();
        app.db.execute_unprepared(&format!("UPDATE variants SET price = price + 100 WHERE sku = '{sku}'")).await.unwrap();
        let view = cart::view(&app.db, cart_id).await.unwrap();
        assert_eq!(view.lines[0].quantity, 1, "capped to the stock on hand");
        assert_eq!(view.notices.len(), 2, "{:?}", view.notices);
        assert!(view.notices[0].starts_with("Only 1 of"));
        assert!(view.notices[1].contains("changed from"));
        assert!(cart::view(&app.db, cart_id).await.unwrap().notices.is_empty(), "reported once");

        cart::set_quantity(&app.db, cart_id, &sku, 0, rules).await.unwrap();
        assert_eq!(cart::view(&app.db, cart_id).await.unwrap().count, 0);
    }

    async fn a_refused_first_add_to_cart_creates_no_cart_and_sets_no_cookie(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (_, sku) = some_variant(&app.db, 3).await;
        inventory::set_stock(&app.db, &sku, 2, "test").await.unwrap();
        let add = |sku: String, quantity: &'static str| {
            app.client.post(app.url("/api/cart/add")).form(&[("sku", sku), ("quantity", quantity.to_owned())]).send()
        };
        // Unknown item, quantity 0, more than the stock, more than the line maximum: no cart, no cookie.
        for (sku, quantity) in [("NO-SUCH-SKU".to_owned(), "1"), (sku.clone(), "0"), (sku.clone(), "3"), (sku.clone(), "100")] {
            let refused = add(sku.clone(), quantity).await.unwrap();
            assert_eq!(refused.status(), 422, "{sku} x {quantity}");
            assert!(refused.headers().get("set-cookie").is_none(), "{sku} x {quantity}: no cookie");
        }
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM carts").await, 0);
        // The first line that is added makes the cart, with its cookie.
        let added = add(sku.clone(), "2").await.unwrap();
        assert_eq!(added.status(), 200);
        let cookie = added.headers().get("set-cookie").expect("a cart cookie").to_str().unwrap().to_owned();
        assert!(cookie.starts_with("cart="), "{cookie}");
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM carts").await, 1);
        assert_eq!(scalar(&app.db, "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM cart_lines").await, 2);
    }

    async fn an_unpaid_order_past_its_hold_is_cancelled_once_and_its_stock_returns(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (variant_id, sku) = some_variant(&app.db, 3).await;
        inventory::set_stock(&app.db, &sku, 4, "test").await.unwrap();
        let cart_id = cart_with(&app.db, &sku, 3).await;
        let placed = place_order(&app.db, cart_id, &checkout("hold"), &rules()).await.unwrap();
        assert_eq!(stock_of(&app.db, variant_id).await, 1);

        let now = chrono::Utc::now();
        assert_eq!(payments::expire_holds(&app.db, &app.state.payments, now).await.unwrap(), 0, "still within its hold");
        let later = now + chrono::Duration::minutes(16);
        // Two nodes running the job at once still return the stock once.
        let (a, b) = tokio::join!(payments::expire_holds(&app.db, &app.state.payments, later), payments::expire_holds(&app.db, &app.state.payments, later));
        assert_eq!(a.unwrap() + b.unwrap(), 1);
        assert_eq!(stock_of(&app.db, variant_id).await, 4);
        assert_eq!(inventory::ledger_sum(&app.db, variant_id).await.unwrap(), 4);
        let status = scalar(&app.db, &format!("SELECT COUNT(*) FROM orders WHERE token = '{}' AND status = 'cancelled'", placed.token)).await;
        assert_eq!(status, 1);
        assert_eq!(payments::expire_holds(&app.db, &app.state.payments, later).await.unwrap(), 0);
    }

    async fn carts_idle_for_thirty_days_are_deleted(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (_, sku) = some_variant(&app.db, 0).await;
        inventory::set_stock(&app.db, &sku, 5, "test").await.unwrap();
        let old = cart_with(&app.db, &sku, 1).await;
        let fresh = cart_with(&app.db, &sku, 1).await;
        let now = chrono::Utc::now();
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        use storefront::server::entities::cart as carts;
        carts::Entity::update_many()
            .col_expr(carts::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now - chrono::Duration::days(31)))
            .filter(carts::Column::Id.eq(old))
            .exec(&app.db)
            .await
            .unwrap();
        let deleted = cart::delete_idle(&app.db, now - chrono::Duration::days(30)).await.unwrap();
        assert_eq!(deleted, 1);
        assert_eq!(scalar(&app.db, &format!("SELECT COUNT(*) FROM carts WHERE id = {fresh}")).await, 1);
        assert_eq!(scalar(&app.db, &format!("SELECT COUNT(*) FROM cart_lines WHERE cart_id = {old}")).await, 0, "lines go with it");
    }

    async fn one_cart_submitted_from_two_tabs_makes_one_order(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (variant_id, sku) = some_variant(&app.db, 4).await;
        inventory::set_stock(&app.db, &sku, 10, "test").await.unwrap();
        let cart_id = cart_with(&app.db, &sku, 2).await;
        let tabs = ["tab-one", "tab-two"].map(|key| {
            let db = app.db.clone();
            tokio::spawn(async move { place_order(&db, cart_id, &checkout(key), &rules()).await })
        });
        let results: Vec<_> = futures::future::join_all(tabs).await.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        // "Your cart changed…" when both ran at once, "Your cart is empty." when the second came after.
        assert!(refused.field("cart").is_some(), "{refused:?}");
        assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM orders").await, 1);
        assert_eq!(stock_of(&app.db, variant_id).await, 8);
    }
}
