//! Products in the back office on both backends: an admin creates a product, gives it options, values,
//! variants (with opening stock through the ledger) and a picture, publishes it, and shoppers find it in
//! the listing, the search and its page once the node follows the catalog feed; each refusal says why and
//! changes nothing; a variant put back on sale tells the shoppers who waited; archiving hides it again.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use storefront::server::entities::category;
use storefront::server::services::{accounts, inventory, media};

use crate::backend_tests;
use crate::orders::scalar;
use crate::shopper::{Shopper, location, mails_to};

const PASSWORD: &str = "correct horse battery staple";

/// The smallest PNG header of `width` × `height` (what the checks read).
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

/// A form with a file, posted as the browser does (multipart/form-data).
async fn upload(
    app: &crate::helpers::TestApp,
    admin: &Shopper<'_>,
    path: &str,
    file: &[u8],
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let boundary = "----storefront-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"photo.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.client
        .post(app.url(path))
        .header("cookie", admin.cookie_header())
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The details form of a product.
fn details<'a>(title: &'a str, slug: &'a str, category: &'a str) -> [(&'static str, &'a str); 5] {
    [("title", title), ("slug", slug), ("brand", "Kestrel"), ("category", category), ("description", "Washed linen.")]
}

async fn submit_owned(admin: &Shopper<'_>, path: &str, fields: Vec<(String, String)>) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    admin.submit(path, &borrowed).await
}

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    scalar(db, &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {sql}")).await
}

async fn id_of(db: &sea_orm::DatabaseConnection, sql: &str) -> i32 {
    scalar(db, &format!("SELECT CAST(MAX(id) AS BIGINT) FROM {sql}")).await as i32
}

backend_tests! {
    async fn an_admin_builds_a_product_and_shoppers_find_it_once_published(app: TestApp) {
        let shirts = category::ActiveModel {
            slug: Set("shirts".into()),
            name: Set("Shirts".into()),
            description: Set(String::new()),
            parent_id: Set(None),
            position: Set(0),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
        let admin = Shopper::registered(&app, "Grace Admin", "grace@example.com", PASSWORD).await;
        accounts::make_admin(&app.db, "grace@example.com").await.unwrap();
        let category = shirts.id.to_string();

        // Created as a draft; the address comes from the title.
        let form = details("Harbour Linen Shirt", "", &category);
        let created = admin.submit("/admin/products", &form).await;
        assert_eq!(created.status(), 303);
        let product_id = id_of(&app.db, "products").await;
        let base = format!("/admin/products/{product_id}");
        assert_eq!(location(&created), format!("{base}?done=created"));
        assert_eq!(count(&app.db, "products WHERE slug = 'harbour-linen-shirt' AND status = 'draft'").await, 1);
        assert!(app.catalog.refresh_if_changed(&app.db).await.unwrap(), "the change feed moved");

        // Refusals say why, keep what was typed, and change nothing.
        let again = admin.submit("/admin/products", &form).await;
        assert_eq!(again.status(), 422);
        let page = again.text().await.unwrap();
        assert!(page.contains("already has the web address /p/harbour-linen-shirt") && page.contains("value=\"Harbour Linen Shirt\""), "{page}");
        let no_category = admin.submit("/admin/products", &details("Deck Shorts", "", "0")).await;
        assert_eq!(no_category.status(), 422);
        assert!(no_category.text().await.unwrap().contains("Pick a category from the list."));
        assert_eq!(admin.submit(&base, &[("title", "Harbour Shirt"), ("slug", "Bad Slug"), ("brand", "K"), ("category", &category)]).await.status(), 422);
        assert_eq!(count(&app.db, "products").await, 1);
        let early = admin.submit(&format!("{base}/status"), &[("status", "active")]).await;
        assert_eq!(early.status(), 409);
        assert!(early.text().await.unwrap().contains("Add a variant for sale before publishing"));

        // Options, then their values, then variants.
        for name in ["Size", "Color"] {
            assert_eq!(admin.submit(&format!("{base}/options"), &[("name", name)]).await.status(), 303, "{name}");
        }
        assert_eq!(admin.submit(&format!("{base}/options"), &[("name", "size")]).await.status(), 422, "one Size");
        let size = id_of(&app.db, "product_options WHERE name = 'Size'").await;
        let color = id_of(&app.db, "product_options WHERE name = 'Color'").await;
        for (option, value, swatch) in [(size, "M", ""), (size, "L", ""), (color, "Navy", "#1F2A44"), (color, "Sand", "")] {
            let added = admin.submit(&format!("{base}/options/{option}/values"), &[("value", value), ("swatch", swatch)]).await;
            assert_eq!(added.status(), 303, "{value}");
        }
        assert_eq!(admin.submit(&format!("{base}/options/{size}/values"), &[("value", "m")]).await.status(), 422, "one M");
        assert_eq!(admin.submit(&format!("{base}/options/{color}/values"), &[("value", "Red"), ("swatch", "red")]).await.status(), 422);
        assert_eq!(count(&app.db, "option_values WHERE swatch = '#1f2a44'").await, 1);
        let value = |name: &str| format!("option_values WHERE value = '{name}'");
        let (m, l, navy, sand) = (id_of(&app.db, &value("M")).await, id_of(&app.db, &value("L")).await, id_of(&app.db, &value("Navy")).await, id_of(&app.db, &value("Sand")).await);
        let (m, l, navy, sand) = (m.to_string(), l.to_string(), navy.to_string(), sand.to_string());
        let size_field = format!("value-{size}");
        let color_field = format!("value-{color}");
        let variant = |sku: &str, s: &str, c: &str, price: &str, compare: &str, stock: &str| -> Vec<(String, String)> {
            [("sku", sku), (size_field.as_str(), s), (color_field.as_str(), c), ("price", price), ("compare_at", compare), ("weight", "300"), ("stock", stock)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        };
        let variants = format!("{base}/variants");
        let post = |fields: Vec<(String, String)>| submit_owned(&admin, &variants, fields);
        let navy_m = post(variant("HLS-M-NAVY", &m, &navy, "48", "60", "3")).await;
        assert_eq!(navy_m.status(), 303);
        assert_eq!(location(&navy_m), format!("{base}?done=variant-added"));
        assert_eq!(post(variant("HLS-L-SAND", &l, &sand, "52.50", "", "")).await.status(), 303);
        for (refused, says) in [
            (variant("HLS-M-NAVY-2", &m, &navy, "48", "", ""), "already has a variant M / Navy"),
            (variant("HLS-M-NAVY", &l, &navy, "48", "", ""), "Another variant already has the SKU HLS-M-NAVY"),
            (variant("HLS-M", &m, "", "48", "", ""), "Choose one Color."),
            (variant("HLS-L-NAVY", &l, &navy, "48", "40", ""), "The compare-at price is an amount above the price"),
            (variant("HLS-L-NAVY", &l, &navy, "free", "", ""), "Price: type an amount"),
        ] {
            let answer = post(refused).await;
            assert_eq!(answer.status(), 422, "{says}");
            assert!(answer.text().await.unwrap().contains(says), "{says}");
        }
        assert_eq!(count(&app.db, "variants").await, 2, "refusals add nothing");
        let late = admin.submit(&format!("{base}/options"), &[("name", "Fit")]).await;
        assert_eq!(late.status(), 409, "options come before variants");
        // The opening stock went through the ledger.
        assert_eq!(scalar(&app.db, "SELECT CAST(stock AS BIGINT) FROM variants WHERE sku = 'HLS-M-NAVY'").await, 3);
        assert_eq!(count(&app.db, "inventory_ledger l JOIN variants v ON v.id = l.variant_id WHERE v.sku = 'HLS-M-NAVY' AND l.reason = 'received' AND l.delta = 3").await, 1);
        assert_eq!(scalar(&app.db, "SELECT CAST(price AS BIGINT) FROM variants WHERE sku = 'HLS-L-SAND'").await, 5250);

        // A picture for the navy variants: type and size come from its bytes; it is served for a year.
        let uploads = format!("{base}/images");
        let picture = upload(&app, &admin, &uploads, &png(640, 800), &[("alt", ""), ("value", navy.as_str())]).await;
        assert_eq!(picture.status(), 303);
        let (url, alt, width, height): (String, String, i32, i32) = {
            let rows = storefront::server::entities::product_image::Entity::find().all(&app.db).await.unwrap();
            assert_eq!(rows.len(), 1);
            (rows[0].url.clone(), rows[0].alt.clone(), rows[0].width, rows[0].height)
        };
        assert!(url.starts_with("/media/") && url.ends_with(".png"), "{url}");
        assert_eq!((alt.as_str(), width, height), ("Harbour Linen Shirt, Color: Navy", 640, 800));
        let served = app.get(&url).await;
        assert_eq!(served.status(), 200);
        assert_eq!(served.headers()["content-type"], "image/png");
        assert_eq!(served.headers()["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(served.bytes().await.unwrap().to_vec(), png(640, 800));
        assert_eq!(app.get("/media/0123456789abcdef0123456789abcdef.png").await.status(), 404);
        assert_eq!(app.get("/media/..%2Fstore.db").await.status(), 404);
        let not_a_picture = upload(&app, &admin, &uploads, b"<svg onload='alert(1)'/>", &[]).await;
        assert_eq!(not_a_picture.status(), 422);
        assert!(not_a_picture.text().await.unwrap().contains("That file is not a PNG, JPEG or WebP picture."));
        let mut huge = png(640, 800);
        huge.resize(media::MAX_IMAGE_BYTES + 1, 0);
        let too_big = upload(&app, &admin, &uploads, &huge, &[]).await;
        assert_eq!(too_big.status(), 413);
        assert!(too_big.text().await.unwrap().contains("Pictures are at most 5 MB."));
        assert_eq!(upload(&app, &admin, &uploads, &png(10, 10), &[("value", "999999")]).await.status(), 422, "not this product's value");
        assert_eq!(count(&app.db, "product_images").await, 1, "refused uploads add nothing");

        // Hidden while a draft; found everywhere once published.
        assert_eq!(Shopper::new(&app).page("/p/harbour-linen-shirt").await.0, 404);
        assert_eq!(admin.submit(&format!("{base}/status"), &[("status", "active")]).await.status(), 303);
        assert!(app.catalog.refresh_if_changed(&app.db).await.unwrap());
        let shopper = Shopper::new(&app);
        let (status, product_page) = shopper.page("/p/harbour-linen-shirt").await;
        assert_eq!(status, 200);
        assert!(product_page.contains("Harbour Linen Shirt") && product_page.contains(&url) && product_page.contains("HLS-L-SAND"), "{product_page}");
        assert!(product_page.contains("$48.00") && product_page.contains("$60.00"), "price and compare-at price");
        let (_, listing) = shopper.page("/c/shirts").await;
        assert!(listing.contains("Harbour Linen Shirt") && listing.contains(&url), "the listing shows it with its picture");
        let (_, found) = shopper.page("/search?q=harbor+linnen").await;
        assert!(found.contains("Harbour Linen Shirt"), "typo-tolerant search finds it");

        // A sold-out variant taken off sale and put back with stock tells who waited, once.
        assert_eq!(shopper.post("/api/stock-alert", &[("sku", "HLS-L-SAND"), ("email", "ada@example.com")]).await.status(), 200);
        let sand_id = id_of(&app.db, "variants WHERE sku = 'HLS-L-SAND'").await;
        let sand_path = format!("{base}/variants/{sand_id}");
        assert_eq!(admin.submit(&sand_path, &[("price", "52.50"), ("compare_at", "")]).await.status(), 303, "off sale");
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM variants WHERE sku = 'HLS-L-SAND' AND active = FALSE").await, 1);
        let actor = storefront::server::services::audit::Actor::command_line();
        inventory::edit_by(&app.db, &actor, "HLS-L-SAND", inventory::StockEdit::Adjust(2), inventory::StockReason::Received).await.unwrap();
        assert_eq!(mails_to(&app.db, "ada@example.com", "back_in_stock").await, 0, "not on sale: the ask waits");
        assert_eq!(admin.submit(&sand_path, &[("price", "49"), ("compare_at", "55"), ("active", "on")]).await.status(), 303);
        assert_eq!(mails_to(&app.db, "ada@example.com", "back_in_stock").await, 1, "back on sale with stock");
        assert_eq!(admin.submit(&sand_path, &[("price", "49"), ("compare_at", "45"), ("active", "on")]).await.status(), 422);
        assert_eq!(scalar(&app.db, "SELECT CAST(price AS BIGINT) FROM variants WHERE sku = 'HLS-L-SAND'").await, 4900);
        assert_eq!(admin.submit(&format!("{base}/variants/999999"), &[("price", "49")]).await.status(), 404);

        // The product's page lists every change, who made it and the values before and after.
        let (status, sheet) = admin.page(&base).await;
        assert_eq!(status, 200);
        for entry in ["Product created", "Option added", "Option value added", "Variant added", "Picture added", "Status changed", "Variant changed"] {
            assert!(sheet.contains(entry), "{entry}");
        }
        assert!(sheet.contains("grace@example.com") && (sheet.contains("&quot;price&quot;:4900") || sheet.contains("\"price\":4900")), "before/after values");

        // Removing the picture renumbers the rest; archiving hides the product from shoppers again.
        let image_id = id_of(&app.db, "product_images").await;
        assert_eq!(admin.submit(&format!("{base}/images/{image_id}/remove"), &[]).await.status(), 303);
        assert_eq!(count(&app.db, "product_images").await, 0);
        assert_eq!(admin.submit(&format!("{base}/status"), &[("status", "archived")]).await.status(), 303);
        assert!(app.catalog.refresh_if_changed(&app.db).await.unwrap());
        assert_eq!(Shopper::new(&app).page("/p/harbour-linen-shirt").await.0, 404);
        assert!(!Shopper::new(&app).page("/c/shirts").await.1.contains("Harbour Linen Shirt"));
        let (_, archived) = admin.page("/admin/products?status=archived").await;
        assert!(archived.contains("Harbour Linen Shirt"), "the list filters by status");
        let (_, by_sku) = admin.page("/admin/products?q=hls-m").await;
        assert!(by_sku.contains("Harbour Linen Shirt"), "and finds by SKU");
        let (_, literal) = admin.page("/admin/products?q=hls_m").await;
        assert!(!literal.contains("Harbour Linen Shirt"), "_ is a letter to look for, not a wildcard");
        assert_eq!(admin.page("/admin/products?status=gone").await.0, 422);
    }
}
