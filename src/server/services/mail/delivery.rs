//! Delivery of the outbox's mails through SMTP, by a worker on every node. Each mail is claimed by one
//! worker at a time (a conditional UPDATE that sets a lease: two nodes never both send it), sent, and
//! marked sent under that claim. A failed try waits longer before the next (30 s, 1 min, 2 min… at most
//! an hour) and the mail is given up after `STORE_MAIL_MAX_ATTEMPTS` tries, or at once when the server
//! refuses it for good, with the error kept. A node that dies between the server's "250 OK" and the
//! mark leaves a claim that expires: that one mail is sent again, with the same `Message-ID`
//! (`<outbox-{id}@host>`) so mail clients show it once.

use std::time::Duration;

use chrono::Utc;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::AppError;
use crate::server::config::{SmtpSecurity, SmtpSettings};
use crate::server::entities::mail_outbox;

/// A claimed mail is another worker's for this long: longer than one SMTP conversation may take
/// ([`SMTP_TIMEOUT`] per command), so a claim only lapses when its worker is gone.
const LEASE: Duration = Duration::from_secs(5 * 60);
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The SMTP server mails go through, and who they are from.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The host of `Message-ID`s and of the SMTP greeting: the store's public host.
    host: String,
    max_attempts: u32,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).field("host", &self.host).finish()
    }
}

impl Mailer {
    pub fn new(settings: &SmtpSettings, public_url: &str) -> Result<Mailer, AppError> {
        let host = public_url.split_once("://").map_or(public_url, |(_, rest)| rest);
        let host = host.split(':').next().unwrap_or("localhost").to_owned();
        let builder = match settings.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host),
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host),
            SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)),
        }
        .map_err(|e| AppError::internal(&e))?;
        let mut builder =
            builder.port(settings.port).timeout(Some(SMTP_TIMEOUT)).hello_name(ClientId::Domain(host.clone()));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        let from = settings.from.parse::<Mailbox>().map_err(|e| AppError::internal(&e))?;
        Ok(Mailer { transport: builder.build(), from, host, max_attempts: settings.max_attempts })
    }
}

/// What one round of delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sent: u32,
    /// Failed, to be tried again later.
    pub deferred: u32,
    pub given_up: u32,
}

/// Sends the mails that are due (at most `batch`), oldest first, each claimed first.
pub async fn deliver_due(db: &impl ConnectionTrait, mailer: &Mailer, batch: u64) -> Result<Round, AppError> {
    let now = Utc::now();
    let due = mail_outbox::Entity::find()
        .select_only()
        .column(mail_outbox::Column::Id)
        .filter(claimable(now))
        .order_by_asc(mail_outbox::Column::Id)
        .limit(batch)
        .into_tuple::<i64>()
        .all(db)
        .await?;
    let mut round = Round::default();
    for id in due {
        let Some(mail) = claim(db, id).await? else { continue };
        match send(mailer, &mail).await {
            Ok(()) => {
                if finish(db, &mail, Finished::Sent).await? {
                    round.sent += 1;
                } else {
                    tracing::warn!(mail_id = mail.id, "a mail was sent after its claim had lapsed");
                }
            }
            Err(failure) => {
                crate::server::metrics::mail_send_failed();
                let tries = mail.attempts + 1;
                let give_up = failure.permanent || tries >= mailer.max_attempts as i32;
                tracing::warn!(mail_id = mail.id, tries, give_up, error = %failure.message, "a mail was not sent");
                if give_up {
                    finish(db, &mail, Finished::GivenUp(&failure.message)).await?;
                    round.given_up += 1;
                } else {
                    finish(db, &mail, Finished::Deferred(&failure.message, backoff(tries))).await?;
                    round.deferred += 1;
                }
            }
        }
    }
    Ok(round)
}

/// Unsent, not given up, due, and not held by a live claim.
fn claimable(now: chrono::DateTime<Utc>) -> Condition {
    Condition::all()
        .add(mail_outbox::Column::SentAt.is_null())
        .add(mail_outbox::Column::FailedAt.is_null())
        .add(
            Condition::any()
                .add(mail_outbox::Column::NextAttemptAt.is_null())
                .add(mail_outbox::Column::NextAttemptAt.lte(now)),
        )
        .add(
            Condition::any()
                .add(mail_outbox::Column::ClaimedUntil.is_null())
                .add(mail_outbox::Column::ClaimedUntil.lt(now)),
        )
}

/// Takes the mail for this worker, if no other worker holds it (one conditional UPDATE: of two
/// workers, one changes the row and the other finds nothing to change).
async fn claim(db: &impl ConnectionTrait, id: i64) -> Result<Option<mail_outbox::Model>, AppError> {
    let now = Utc::now();
    let token = format!("{:032x}", rand::random::<u128>());
    let lease = chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::minutes(5));
    let taken = mail_outbox::Entity::update_many()
        .col_expr(mail_outbox::Column::Claim, Expr::value(token.clone()))
        .col_expr(mail_outbox::Column::ClaimedUntil, Expr::value(now + lease))
        .filter(mail_outbox::Column::Id.eq(id))
        .filter(claimable(now))
        .exec(db)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(None);
    }
    Ok(mail_outbox::Entity::find_by_id(id).one(db).await?.filter(|mail| mail.claim == token))
}

enum Finished<'a> {
    Sent,
    Deferred(&'a str, Duration),
    GivenUp(&'a str),
}

/// Records a try's outcome, only while this worker's claim holds. Whether it held.
async fn finish(db: &impl ConnectionTrait, mail: &mail_outbox::Model, outcome: Finished<'_>) -> Result<bool, AppError> {
    let now = Utc::now();
    let mut update = mail_outbox::Entity::update_many()
        .col_expr(mail_outbox::Column::Attempts, Expr::value(mail.attempts + 1))
        .col_expr(mail_outbox::Column::Claim, Expr::value(""))
        .col_expr(mail_outbox::Column::ClaimedUntil, Expr::value(Option::<chrono::DateTime<Utc>>::None));
    update = match outcome {
        Finished::Sent => update.col_expr(mail_outbox::Column::SentAt, Expr::value(now)),
        Finished::Deferred(error, wait) => {
            let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
            update
                .col_expr(mail_outbox::Column::LastError, Expr::value(error.to_owned()))
                .col_expr(mail_outbox::Column::NextAttemptAt, Expr::value(now + wait))
        }
        Finished::GivenUp(error) => update
            .col_expr(mail_outbox::Column::LastError, Expr::value(error.to_owned()))
            .col_expr(mail_outbox::Column::FailedAt, Expr::value(now)),
    };
    let done = update
        .filter(mail_outbox::Column::Id.eq(mail.id))
        .filter(mail_outbox::Column::Claim.eq(mail.claim.clone()))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The wait after the `tries`th failed try: 30 s, doubling, at most an hour.
pub fn backoff(tries: i32) -> Duration {
    let doublings = tries.clamp(1, 8) - 1;
    Duration::from_secs(30 << doublings).min(Duration::from_secs(3600))
}

struct Failure {
    message: String,
    /// The server refused this mail for good (a 5xx answer, or an address no server would take).
    permanent: bool,
}

async fn send(mailer: &Mailer, mail: &mail_outbox::Model) -> Result<(), Failure> {
    let to = mail.to_address.parse::<Mailbox>().map_err(|e| Failure {
        message: format!("the address {:?} cannot be written in a mail: {e}", mail.to_address),
        permanent: true,
    })?;
    let message = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<outbox-{}@{}>", mail.id, mailer.host)))
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| Failure { message: format!("the mail could not be written: {e}"), permanent: true })?;
    match mailer.transport.send(message).await {
        Ok(_) => Ok(()),
        Err(error) => Err(Failure { permanent: error.is_permanent(), message: error.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failed_try_waits_twice_as_long_up_to_an_hour() {
        let waits: Vec<u64> = (1..=9).map(|tries| backoff(tries).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(0).as_secs(), 30);
    }
}
