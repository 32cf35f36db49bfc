use crate::backend_tests;

backend_tests! {
    async fn healthz_says_the_process_is_alive(app: TestApp) {
        let response = app.get("/healthz").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "ok");
    }

    async fn readyz_says_ready_when_the_database_answers(app: TestApp) {
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "ready");
    }

    async fn readyz_fails_when_the_database_is_gone(app: TestApp) {
        app.db.clone().close().await.unwrap();
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 503);
    }

    async fn readyz_fails_while_the_schema_is_not_this_builds(app: TestApp) {
        use sea_orm::ConnectionTrait;
        // The last migration rolled back (a pending one), then one applied that this build does not know.
        let last = storefront::server::db::statement(&app.db, "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1", []);
        let version: String = app.db.query_one_raw(last).await.unwrap().unwrap().try_get_by_index(0).unwrap();
        let forget = storefront::server::db::statement(&app.db, "DELETE FROM seaql_migrations WHERE version = ?", [version.clone().into()]);
        app.db.execute_raw(forget).await.unwrap();
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 503);
        assert_eq!(response.text().await.unwrap(), "migrations pending");

        let restore = storefront::server::db::statement(&app.db, "INSERT INTO seaql_migrations (version, applied_at) VALUES (?, 0), ('m29991231_000001_from_a_newer_build', 0)", [version.into()]);
        app.db.execute_raw(restore).await.unwrap();
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 503);
        assert_eq!(response.text().await.unwrap(), "database schema does not match this build");
    }

    async fn migrations_are_applied_at_start(app: TestApp) {
        use migration::MigratorTrait;
        let pending = migration::Migrator::get_pending_migrations(&app.db).await.unwrap();
        assert!(pending.is_empty(), "pending migrations: {}", pending.len());
    }
}
