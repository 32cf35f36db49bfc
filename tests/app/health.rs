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

    async fn migrations_are_applied_at_start(app: TestApp) {
        use migration::MigratorTrait;
        let pending = migration::Migrator::get_pending_migrations(&app.db).await.unwrap();
        assert!(pending.is_empty(), "pending migrations: {}", pending.len());
    }
}
