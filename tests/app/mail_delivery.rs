//! The outbox over SMTP, against a real SMTP server the tests start (aiosmtpd, from Debian's
//! `python3-aiosmtpd`, writing what it receives into a maildir): each mail arrives once with its
//! headers, two workers never send one mail twice, failed tries back off and end in "given up", and
//! a store started with SMTP settings delivers what it queues by itself.

use std::path::PathBuf;
use std::time::Duration;

use sea_orm::ConnectionTrait;
use storefront::server::config::{SmtpSecurity, SmtpSettings};
use storefront::server::services::mail::{self, delivery};

use crate::backend_tests;
use crate::helpers::spawn_app_with;
use crate::orders::scalar;
use crate::shopper::Shopper;

const FROM: &str = "Kestrel Supply <orders@kestrel.example>";

/// An aiosmtpd server on a free local port, stopped when dropped.
pub struct SmtpServer {
    child: std::process::Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts one. Without aiosmtpd the test is skipped, except in CI (`./dev.sh setup` installs it).
    pub async fn start() -> Option<SmtpServer> {
        let python = std::env::var("STOREFRONT_SMTP_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let installed = std::process::Command::new(&python).args(["-c", "import aiosmtpd"]).output();
        if !installed.is_ok_and(|out| out.status.success()) {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "aiosmtpd is required in CI: run ./dev.sh setup");
            eprintln!("skipped: aiosmtpd is not installed (apt-get install python3-aiosmtpd)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let server = SmtpServer { child, port, maildir };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Some(server);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not listen on port {port}");
    }

    /// Every message the server received, as written (headers and body).
    pub fn messages(&self) -> Vec<String> {
        let new: PathBuf = self.maildir.path().join("mail").join("new");
        let Ok(entries) = std::fs::read_dir(new) else { return Vec::new() };
        entries.map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap()).collect()
    }

    pub fn settings(&self, max_attempts: u32) -> SmtpSettings {
        smtp_at(self.port, max_attempts)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_at(port: u16, max_attempts: u32) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        credentials: None,
        from: FROM.into(),
        max_attempts,
    }
}

/// A header's value in a received message (the first line of it).
fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.lines().find_map(|line| line.strip_prefix(&format!("{name}: ")))
}

async fn queue(db: &sea_orm::DatabaseConnection, to: &str, subject: &str) {
    mail::queue(db, to, subject, "Hello from the store.\nhttps://shop.example.com/account", "test", None)
        .await
        .unwrap();
}

/// Moves every deferred mail's next try into the past.
async fn make_due(db: &sea_orm::DatabaseConnection) {
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    let sql = storefront::server::db::statement(db, "UPDATE mail_outbox SET next_attempt_at = ?", [past.into()]);
    db.execute_raw(sql).await.unwrap();
}

backend_tests! {
    async fn a_mail_reaches_a_real_smtp_server_once_with_its_headers(app: TestApp) {
        let Some(server) = SmtpServer::start().await else { return };
        let mailer = delivery::Mailer::new(&server.settings(3), "https://shop.example.com").unwrap();
        queue(&app.db, "ada@example.com", "Confirm your email for Kestrel Supply").await;
        let round = delivery::deliver_due(&app.db, &mailer, 50).await.unwrap();
        assert_eq!(round, delivery::Round { sent: 1, deferred: 0, given_up: 0 });
        let again = delivery::deliver_due(&app.db, &mailer, 50).await.unwrap();
        assert_eq!(again, delivery::Round::default(), "a sent mail is not sent again");

        let messages = server.messages();
        assert_eq!(messages.len(), 1, "{messages:?}");
        let message = &messages[0];
        assert_eq!(header(message, "From"), Some("\"Kestrel Supply\" <orders@kestrel.example>"));
        assert_eq!(header(message, "To"), Some("ada@example.com"));
        assert_eq!(header(message, "Subject"), Some("Confirm your email for Kestrel Supply"));
        let id = scalar(&app.db, "SELECT MAX(id) FROM mail_outbox").await;
        assert_eq!(header(message, "Message-ID"), Some(format!("<outbox-{id}@shop.example.com>").as_str()));
        assert!(header(message, "Content-Type").is_some_and(|t| t.starts_with("text/plain")), "{message}");
        assert!(message.contains("Hello from the store."), "{message}");
        let sent = "SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox WHERE sent_at IS NOT NULL AND attempts = 1 AND claim = ''";
        assert_eq!(scalar(&app.db, sent).await, 1);
    }

    async fn two_workers_send_each_mail_exactly_once(app: TestApp) {
        let Some(server) = SmtpServer::start().await else { return };
        let mailer = delivery::Mailer::new(&server.settings(3), "https://shop.example.com").unwrap();
        for n in 0..20 {
            queue(&app.db, &format!("shopper{n}@example.com"), &format!("Mail {n}")).await;
        }
        let (one, two) = tokio::join!(
            delivery::deliver_due(&app.db, &mailer, 50),
            delivery::deliver_due(&app.db, &mailer, 50),
        );
        let (one, two) = (one.unwrap(), two.unwrap());
        assert_eq!(one.sent + two.sent, 20, "{one:?} {two:?}");
        let messages = server.messages();
        assert_eq!(messages.len(), 20);
        let mut ids: Vec<&str> = messages.iter().map(|m| header(m, "Message-ID").unwrap()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 20, "each mail once");
    }

    async fn a_mail_that_cannot_be_sent_waits_longer_after_each_try_then_is_given_up(app: TestApp) {
        // A port nobody listens on: every try fails (a transient failure).
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mailer = delivery::Mailer::new(&smtp_at(closed, 3), "https://shop.example.com").unwrap();
        queue(&app.db, "ada@example.com", "Your order").await;
        for (tries, expected_wait) in [(1, 30), (2, 60)] {
            let round = delivery::deliver_due(&app.db, &mailer, 50).await.unwrap();
            assert_eq!(round, delivery::Round { sent: 0, deferred: 1, given_up: 0 }, "try {tries}");
            let row = &mail::recent(&app.db, 1).await.unwrap()[0];
            assert_eq!(row.attempts, tries);
            assert!(!row.last_error.is_empty() && row.sent_at.is_none() && row.failed_at.is_none());
            let wait = (row.next_attempt_at.unwrap() - chrono::Utc::now()).num_seconds();
            assert!((expected_wait - 5..=expected_wait).contains(&wait), "waits about {expected_wait} s: {wait}");
            assert_eq!(delivery::deliver_due(&app.db, &mailer, 50).await.unwrap(), delivery::Round::default(), "not before then");
            make_due(&app.db).await;
        }
        let round = delivery::deliver_due(&app.db, &mailer, 50).await.unwrap();
        assert_eq!(round, delivery::Round { sent: 0, deferred: 0, given_up: 1 }, "the third try is the last");
        let row = &mail::recent(&app.db, 1).await.unwrap()[0];
        assert!(row.failed_at.is_some() && row.attempts == 3 && !row.last_error.is_empty(), "{row:?}");
        make_due(&app.db).await;
        assert_eq!(delivery::deliver_due(&app.db, &mailer, 50).await.unwrap(), delivery::Round::default(), "given up for good");

        // An address no mail can be written to is given up at once, with the reason.
        queue(&app.db, "not an address", "Your order").await;
        let round = delivery::deliver_due(&app.db, &mailer, 50).await.unwrap();
        assert_eq!(round.given_up, 1);
        let row = &mail::recent(&app.db, 1).await.unwrap()[0];
        assert!(row.attempts == 1 && row.last_error.contains("cannot be written"), "{row:?}");
    }
}

/// The store's own worker: started with SMTP settings, it delivers a sign-up's mail by itself.
#[tokio::test]
async fn a_store_with_smtp_settings_delivers_its_mails_by_itself() {
    let Some(server) = SmtpServer::start().await else { return };
    let port = server.port.to_string();
    let overrides = [
        ("STORE_SMTP_HOST", "127.0.0.1"),
        ("STORE_SMTP_PORT", port.as_str()),
        ("STORE_SMTP_SECURITY", "none"),
        ("STORE_MAIL_FROM", FROM),
    ];
    let app = spawn_app_with(None, &overrides).await;
    let shopper = Shopper::new(&app);
    assert_eq!(shopper.sign_up("Ada Lovelace", "ada@example.com", "correct horse battery staple").await.status(), 302);
    let mut messages = Vec::new();
    for _ in 0..100 {
        messages = server.messages();
        if !messages.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(messages.len(), 1, "the verification mail arrives");
    assert_eq!(header(&messages[0], "To"), Some("ada@example.com"));
    assert!(messages[0].contains("/account/verify?token="), "{}", messages[0]);
}
