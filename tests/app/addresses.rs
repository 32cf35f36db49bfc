//! The address book on both backends: add, edit, make default, delete (one default always, while any
//! address is left), bad input refused with nothing stored, another account's addresses not found, and
//! the checkout filling in the default address and saving a new one.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use storefront::model::checkout::Address;
use storefront::server::entities::{address, user};
use storefront::server::services::accounts::addresses;

use crate::backend_tests;
use crate::fixtures::ProductBuilder;
use crate::shopper::{Shopper, location};

const PASSWORD: &str = "correct horse battery staple";

async fn id_of(db: &sea_orm::DatabaseConnection, email: &str) -> i32 {
    user::Entity::find().filter(user::Column::Email.eq(email)).one(db).await.unwrap().expect("an account").id
}

/// The account's addresses as stored: (street, default), oldest first.
async fn book(db: &sea_orm::DatabaseConnection, user_id: i32) -> Vec<(String, bool)> {
    let rows = address::Entity::find()
        .filter(address::Column::UserId.eq(user_id))
        .order_by_asc(address::Column::Id)
        .all(db)
        .await
        .unwrap();
    rows.into_iter().map(|row| (row.line1, row.is_default)).collect()
}

async fn ids(db: &sea_orm::DatabaseConnection, user_id: i32) -> Vec<i32> {
    let rows = address::Entity::find().filter(address::Column::UserId.eq(user_id)).order_by_asc(address::Column::Id);
    rows.all(db).await.unwrap().into_iter().map(|row| row.id).collect()
}

/// The address form's fields: a good US address on `line1`, with `changes` (a field's new value, or
/// the field left out when the value is `LEFT_OUT`).
fn form<'a>(line1: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("name", "Ada Lovelace"),
        ("line1", line1),
        ("city", "Springfield"),
        ("region", "IL"),
        ("postal_code", "62701"),
        ("country", "US"),
    ];
    for &(key, value) in changes {
        fields.retain(|(k, _)| *k != key);
        if value != LEFT_OUT {
            fields.push((key, value));
        }
    }
    fields
}

const LEFT_OUT: &str = "\0left out";

fn street(line1: &str) -> Address {
    Address {
        name: "Ada Lovelace".into(),
        line1: line1.into(),
        city: "Springfield".into(),
        region: "IL".into(),
        postal_code: "62701".into(),
        country: "US".into(),
        ..Default::default()
    }
}

backend_tests! {
    async fn the_address_book_adds_edits_makes_default_and_deletes(app: TestApp) {
        let ada = Shopper::registered(&app, "Ada", "ada@example.com", PASSWORD).await;
        let id = id_of(&app.db, "ada@example.com").await;
        let (status, page) = ada.page("/account/addresses").await;
        assert_eq!(status, 200);
        assert!(page.contains("no saved addresses yet"), "{page}");

        let added = ada.submit("/api/account/addresses/add", &form("1 Main St", &[])).await;
        assert_eq!(location(&added), "/account/addresses?saved=added");
        assert_eq!(book(&app.db, id).await, [("1 Main St".to_owned(), true)], "the first address is the default");
        assert_eq!(location(&ada.submit("/api/account/addresses/add", &form("2 Oak Ave", &[])).await), "/account/addresses?saved=added");
        let added = ada.submit("/api/account/addresses/add", &form("3 Elm Rd", &[("make_default", "on")])).await;
        assert_eq!(location(&added), "/account/addresses?saved=added");
        let books = book(&app.db, id).await;
        assert_eq!(books.iter().map(|(_, d)| *d).collect::<Vec<_>>(), [false, false, true], "{books:?}");
        let [first, second, third] = ids(&app.db, id).await[..] else { panic!("three addresses") };
        let (_, page) = ada.page("/account/addresses").await;
        assert!(page.find("3 Elm Rd").unwrap() < page.find("1 Main St").unwrap(), "the default comes first");

        let edit = format!("/account/addresses/{first}");
        let (status, page) = ada.page(&edit).await;
        assert_eq!(status, 200);
        assert!(page.contains("value=\"1 Main St\""), "{page}");
        let first_id = first.to_string();
        let updated = ada.submit("/api/account/addresses/update", &form("  10   Main St ", &[("id", &first_id)])).await;
        assert_eq!(location(&updated), "/account/addresses?saved=updated");
        assert_eq!(book(&app.db, id).await[0], ("10 Main St".to_owned(), false), "tidied, still not the default");

        let second_id = second.to_string();
        assert_eq!(location(&ada.submit("/api/account/addresses/default", &[("id", &second_id)]).await), "/account/addresses?saved=default");
        assert_eq!(book(&app.db, id).await.iter().filter(|(_, d)| *d).count(), 1);
        assert!(book(&app.db, id).await[1].1);
        assert_eq!(location(&ada.submit("/api/account/addresses/delete", &[("id", &second_id)]).await), "/account/addresses?saved=deleted");
        assert_eq!(book(&app.db, id).await, [("10 Main St".to_owned(), true), ("3 Elm Rd".to_owned(), false)],
            "deleting the default makes the oldest left the default");
        let third_id = third.to_string();
        assert_eq!(ada.post("/api/account/addresses/delete", &[("id", &third_id)]).await.status(), 200);
        assert_eq!(ada.post("/api/account/addresses/delete", &[("id", &third_id)]).await.status(), 404, "gone already");
    }

    async fn bad_addresses_are_refused_beside_their_field_and_nothing_is_stored(app: TestApp) {
        let ada = Shopper::registered(&app, "Ada", "ada@example.com", PASSWORD).await;
        let id = id_of(&app.db, "ada@example.com").await;
        let long = "x".repeat(121);
        let cases = [
            (form("", &[]), "line1"),
            (form("1 Main St", &[("postal_code", "ABCDE")]), "postal_code"),
            (form(&long, &[]), "line1"),
            (form("1 Main St", &[("country", "ZZ")]), "country"),
            (form("1 Main St", &[("city", LEFT_OUT)]), "city"),
        ];
        for (fields, field) in cases {
            let refused = ada.post("/api/account/addresses/add", &fields).await;
            assert!(matches!(refused.status().as_u16(), 400 | 422), "{field}: {}", refused.status());
            let body = refused.text().await.unwrap();
            assert!(body.contains(field), "{field}: {body}");
        }
        // Without JavaScript the refusal comes back to the form's page.
        let refused = ada.submit_on("/account/addresses", "/api/account/addresses/add", &form("", &[])).await;
        assert!(location(&refused).starts_with("/account/addresses"), "{}", location(&refused));
        let (_, page) = ada.page(&location(&refused)).await;
        assert!(page.contains("Enter your street address."), "{page}");
        assert!(book(&app.db, id).await.is_empty(), "nothing stored");

        // HTML in a name is kept as typed and shown as text.
        assert_eq!(ada.post("/api/account/addresses/add", &form("1 Main St", &[("name", "<b>Ada</b>")])).await.status(), 200);
        let (_, page) = ada.page("/account/addresses").await;
        assert!(page.contains("&lt;b&gt;Ada&lt;/b&gt;") && !page.contains("<b>Ada</b>"), "{page}");

        // A full book takes no more.
        for n in 1..storefront::model::account::MAX_SAVED_ADDRESSES {
            addresses::add(&app.db, id, &street(&format!("{n} Full St")), false).await.unwrap();
        }
        let refused = ada.post("/api/account/addresses/add", &form("99 Last St", &[])).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("address book is full"));
        assert_eq!(book(&app.db, id).await.len(), storefront::model::account::MAX_SAVED_ADDRESSES);
    }

    async fn another_accounts_addresses_are_not_found_and_guests_and_other_sites_are_refused(app: TestApp) {
        let ada = Shopper::registered(&app, "Ada", "ada@example.com", PASSWORD).await;
        let bob = Shopper::registered(&app, "Bob", "bob@example.com", PASSWORD).await;
        let ada_id = id_of(&app.db, "ada@example.com").await;
        let hers = addresses::add(&app.db, ada_id, &street("1 Main St"), true).await.unwrap().to_string();
        addresses::add(&app.db, ada_id, &street("2 Oak Ave"), false).await.unwrap();
        let before = book(&app.db, ada_id).await;

        assert_eq!(bob.get(&format!("/account/addresses/{hers}")).await.status(), 404);
        assert_eq!(bob.post("/api/account/address", &[("id", &hers)]).await.status(), 404);
        for path in ["/api/account/addresses/default", "/api/account/addresses/delete"] {
            assert_eq!(bob.post(path, &[("id", &hers)]).await.status(), 404, "{path}");
        }
        let update = bob.post("/api/account/addresses/update", &form("6 Bob St", &[("id", &hers)])).await;
        assert_eq!(update.status(), 404);
        assert!(bob.post("/api/cart/add", &[("sku", &ProductBuilder::new("Mug").variant("MUG-1", 1800).stock(5).insert(&app.db).await.first().1), ("quantity", "1")]).await.status().is_success());
        assert_eq!(bob.post("/api/checkout/saved-address", &[("address_id", &hers)]).await.status(), 404);
        let (_, checkout) = bob.page("/checkout").await;
        assert!(!checkout.contains("1 Main St"), "Bob's checkout offers none of Ada's: {checkout}");
        assert_eq!(book(&app.db, ada_id).await, before, "nothing changed");
        assert_eq!(bob.get("/account/addresses/abc").await.status(), 404, "not an id");

        let guest = Shopper::new(&app);
        assert_eq!(location(&guest.get("/account/addresses").await), "/account/sign-in?next=/account/addresses");
        for path in ["/api/account/addresses/add", "/api/account/addresses/update", "/api/account/addresses/default", "/api/account/addresses/delete"] {
            assert_eq!(guest.post(path, &form("6 Eve St", &[("id", &hers)])).await.status(), 401, "{path} as a guest");
            let response = app.client.post(app.url(path)).header("cookie", ada.cookie_header())
                .header("sec-fetch-site", "cross-site").form(&form("6 Eve St", &[("id", &hers)])).send().await.unwrap();
            assert_eq!(response.status(), 403, "{path} from another site");
        }
        assert_eq!(book(&app.db, ada_id).await, before, "nothing changed");
    }

    async fn checkout_fills_in_the_default_address_offers_the_others_and_saves_a_new_one(app: TestApp) {
        let sku = ProductBuilder::new("Mug").variant("MUG-1", 1800).stock(5).insert(&app.db).await.first().1;
        let ada = Shopper::registered(&app, "Ada", "ada@example.com", PASSWORD).await;
        let id = id_of(&app.db, "ada@example.com").await;
        addresses::add(&app.db, id, &street("1 Main St"), false).await.unwrap();
        let other = addresses::add(&app.db, id, &street("2 Oak Ave"), false).await.unwrap().to_string();
        assert!(ada.post("/api/cart/add", &[("sku", &sku), ("quantity", "1")]).await.status().is_success());

        let (_, page) = ada.page("/checkout").await;
        assert!(page.contains("value=\"1 Main St\"") && page.contains("value=\"ada@example.com\""), "the default and her email: {page}");
        assert!(page.contains("Ship here: Ada Lovelace, 2 Oak Ave"), "the other saved address is offered: {page}");
        assert!(page.contains("Save this address to my account"));

        // "Ship here": the saved address becomes the cart's, and the shipping step opens.
        let shipped = ada.submit("/api/checkout/saved-address", &[("address_id", &other)]).await;
        assert_eq!(location(&shipped), "/checkout/shipping");
        let (_, shipping) = ada.page("/checkout/shipping").await;
        assert!(shipping.contains("2 Oak Ave") && shipping.contains("ada@example.com"), "{shipping}");

        // A new address typed at checkout, with "save": in the book once, however often it is sent.
        let details = [("email", "ada@example.com"), ("save_address", "on")];
        for _ in 0..2 {
            let saved = ada.submit("/api/checkout/details", &form("7 New Rd", &details)).await;
            assert_eq!(location(&saved), "/checkout/shipping");
        }
        assert_eq!(book(&app.db, id).await.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(), ["1 Main St", "2 Oak Ave", "7 New Rd"]);
        // Unticked, it is only the order's.
        let unsaved = ada.submit("/api/checkout/details", &form("8 Once Ln", &[("email", "ada@example.com")])).await;
        assert_eq!(location(&unsaved), "/checkout/shipping");
        assert_eq!(book(&app.db, id).await.len(), 3);

        // A guest sees no address book and saves nothing, whatever the form says.
        let guest = Shopper::new(&app);
        assert!(guest.post("/api/cart/add", &[("sku", &sku), ("quantity", "1")]).await.status().is_success());
        let (_, page) = guest.page("/checkout").await;
        assert!(!page.contains("Save this address") && !page.contains("1 Main St"), "{page}");
        let saved = guest.submit("/api/checkout/details", &form("9 Guest Way", &[("email", "guest@example.com"), ("save_address", "on")])).await;
        assert_eq!(location(&saved), "/checkout/shipping");
        let stored = address::Entity::find().all(&app.db).await.unwrap().len();
        assert_eq!(stored, 3);
    }
}
