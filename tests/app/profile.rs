//! The profile on both backends: a new name, a new email address (only once the new address confirms
//! it; the old one is told; an address with an account of its own is never taken or revealed), a new
//! password (the current one first; the other devices are signed out). Guests and other sites are refused.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use storefront::server::entities::{session, user};

use crate::backend_tests;
use crate::orders::scalar;
use crate::shopper::{Shopper, link_token, location, mails_to};

const PASSWORD: &str = "correct horse battery staple";

async fn user_row(db: &sea_orm::DatabaseConnection, id: i32) -> user::Model {
    user::Entity::find_by_id(id).one(db).await.unwrap().expect("the account")
}

async fn id_of(db: &sea_orm::DatabaseConnection, email: &str) -> i32 {
    user::Entity::find().filter(user::Column::Email.eq(email)).one(db).await.unwrap().expect("an account").id
}

/// The JSON a script's refused post answers with (422 and the field's message).
async fn refused_field(response: reqwest::Response, field: &str) -> String {
    assert_eq!(response.status(), 422, "{field}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body.to_string().contains(field), "{field}: {body}");
    body.to_string()
}

backend_tests! {
    async fn a_shopper_changes_their_name_and_bad_names_change_nothing(app: TestApp) {
        let ada = Shopper::registered(&app, "Ada Lovelace", "ada@example.com", PASSWORD).await;
        let id = id_of(&app.db, "ada@example.com").await;
        let (status, page) = ada.page("/account/profile").await;
        assert_eq!(status, 200);
        assert!(page.contains("value=\"Ada Lovelace\"") && page.contains("ada@example.com"), "{page}");

        let saved = ada.submit("/api/account/name", &[("name", "  Augusta Ada King  ")]).await;
        assert_eq!(location(&saved), "/account/profile?saved=name");
        assert_eq!(user_row(&app.db, id).await.name, "Augusta Ada King");
        assert!(ada.page("/").await.1.contains("Augusta"), "the header greets her by the new name");

        for bad in ["", "   ", &"n".repeat(101)] {
            refused_field(ada.post("/api/account/name", &[("name", bad)]).await, "name").await;
        }
        assert_eq!(user_row(&app.db, id).await.name, "Augusta Ada King", "unchanged");
        assert_eq!(Shopper::new(&app).post("/api/account/name", &[("name", "Eve")]).await.status(), 401);
    }

    async fn a_new_email_counts_once_its_link_is_used_and_the_old_address_is_told(app: TestApp) {
        let ada = Shopper::registered(&app, "Ada", "ada@example.com", PASSWORD).await;
        let id = id_of(&app.db, "ada@example.com").await;
        let change = |email: &'static str, password: &'static str| {
            let ada = &ada;
            async move { ada.post("/api/account/email", &[("email", email), ("password", password)]).await }
        };

        refused_field(change("ada@new.example", "not my password").await, "isn't your current password").await;
        refused_field(change("ada@new.example", "").await, "password").await;
        refused_field(change("not an email", PASSWORD).await, "email").await;
        refused_field(change(" ADA@example.com", PASSWORD).await, "already your email").await;
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox WHERE kind <> 'verify_email'").await, 0);

        let sent = ada.submit("/api/account/email", &[("email", "Ada@New.example"), ("password", PASSWORD)]).await;
        assert_eq!(location(&sent), "/account/profile?sent=email");
        assert_eq!(user_row(&app.db, id).await.email, "ada@example.com", "nothing changes before the link is used");
        assert_eq!(mails_to(&app.db, "ada@example.com", "email_change").await, 1, "the old address is told");
        let token = link_token(&app.db, "ada@new.example", "/account/verify?token=").await.expect("a link to the new address");
        assert_eq!(location(&Shopper::new(&app).sign_in("ada@example.com", PASSWORD).await), "/account", "still signs in with the old one");

        let confirmed = ada.submit("/api/account/verify", &[("token", &token)]).await;
        assert_eq!(location(&confirmed), "/account?verified=1");
        let moved = user_row(&app.db, id).await;
        assert_eq!(moved.email, "ada@new.example");
        assert!(moved.email_verified_at.is_some());
        assert_eq!(location(&Shopper::new(&app).sign_in("ada@new.example", PASSWORD).await), "/account");
        let old = Shopper::new(&app).post("/api/account/sign-in", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
        assert_eq!(old.status(), 422, "the old address no longer signs in");
    }

    async fn an_address_with_its_own_account_is_never_taken_nor_revealed(app: TestApp) {
        let ada = Shopper::registered(&app, "Ada", "ada@example.com", PASSWORD).await;
        Shopper::registered(&app, "Grace", "grace@example.com", PASSWORD).await;
        let ada_id = id_of(&app.db, "ada@example.com").await;

        // Asking for Grace's address answers as for a free one; Grace is told, Ada gets no link.
        let taken = ada.submit("/api/account/email", &[("email", "grace@example.com"), ("password", PASSWORD)]).await;
        assert_eq!(location(&taken), "/account/profile?sent=email");
        assert_eq!(mails_to(&app.db, "grace@example.com", "account_exists").await, 1);
        assert_eq!(mails_to(&app.db, "grace@example.com", "verify_email").await, 1, "only Grace's own sign-up link");

        // A link to a free address, then someone else signs up with it before Ada opens it: refused.
        ada.submit("/api/account/email", &[("email", "ada@new.example"), ("password", PASSWORD)]).await;
        let token = link_token(&app.db, "ada@new.example", "/account/verify?token=").await.unwrap();
        Shopper::registered(&app, "Eve", "ada@new.example", PASSWORD).await;
        let refused = ada.post("/api/account/verify", &[("token", &token)]).await;
        assert_eq!(refused.status(), 409);
        assert!(refused.text().await.unwrap().contains("Another account uses this address"));
        assert_eq!(user_row(&app.db, ada_id).await.email, "ada@example.com", "Ada keeps her address");
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE email = 'ada@new.example'").await, 1);
    }

    async fn a_password_change_needs_the_current_one_and_signs_out_the_other_devices(app: TestApp) {
        let laptop = Shopper::registered(&app, "Ada", "ada@example.com", PASSWORD).await;
        let phone = Shopper::new(&app);
        phone.sign_in("ada@example.com", PASSWORD).await;
        let id = id_of(&app.db, "ada@example.com").await;
        let before = user_row(&app.db, id).await.password_hash;
        let change = |current: &'static str, new: &'static str| {
            let laptop = &laptop;
            async move { laptop.post("/api/account/password", &[("current_password", current), ("new_password", new)]).await }
        };
        refused_field(change("a wrong guess", "a brand new passphrase").await, "current_password").await;
        refused_field(change("", "a brand new passphrase").await, "current_password").await;
        refused_field(change(PASSWORD, "short").await, "new_password").await;
        refused_field(change(PASSWORD, "password123").await, "new_password").await;
        refused_field(change(PASSWORD, PASSWORD).await, "different from your current").await;
        assert_eq!(user_row(&app.db, id).await.password_hash, before, "unchanged");
        assert_eq!(mails_to(&app.db, "ada@example.com", "password_changed").await, 0);

        let saved = laptop.submit("/api/account/password", &[("current_password", PASSWORD), ("new_password", "a brand new passphrase")]).await;
        assert_eq!(location(&saved), "/account/password?saved=1");
        let sessions = session::Entity::find().filter(session::Column::UserId.eq(id)).all(&app.db).await.unwrap();
        assert_eq!(sessions.len(), 1, "only this device's session is left");
        assert_eq!(laptop.get("/account").await.status(), 200, "this device stays signed in");
        assert_eq!(phone.get("/account").await.status(), 302, "the other device is signed out");
        assert_eq!(mails_to(&app.db, "ada@example.com", "password_changed").await, 1);
        assert_eq!(location(&Shopper::new(&app).sign_in("ada@example.com", "a brand new passphrase").await), "/account");
    }

    async fn profile_pages_and_functions_need_a_session_and_refuse_other_sites(app: TestApp) {
        for page in ["/account/profile", "/account/password"] {
            let guest = Shopper::new(&app).get(page).await;
            assert_eq!(location(&guest), format!("/account/sign-in?next={page}"));
        }
        let form = [("name", "Eve"), ("email", "eve@example.com"), ("password", PASSWORD), ("current_password", PASSWORD), ("new_password", "a brand new passphrase")];
        for path in ["/api/account/name", "/api/account/email", "/api/account/password"] {
            assert_eq!(Shopper::new(&app).post(path, &form).await.status(), 401, "{path} as a guest");
        }
        let ada = Shopper::registered(&app, "Ada", "ada@example.com", PASSWORD).await;
        for path in ["/api/account/name", "/api/account/email", "/api/account/password"] {
            let response = app.client.post(app.url(path)).header("cookie", ada.cookie_header())
                .header("sec-fetch-site", "cross-site").form(&form).send().await.unwrap();
            assert_eq!(response.status(), 403, "{path} from another site");
        }
        let ada_now = user::Entity::find().one(&app.db).await.unwrap().unwrap();
        assert_eq!((ada_now.name.as_str(), ada_now.email.as_str()), ("Ada", "ada@example.com"));
        assert_eq!(mails_to(&app.db, "ada@example.com", "password_changed").await, 0);
    }
}
