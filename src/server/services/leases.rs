//! Job leases: a job that must run on one node at a time takes a lease row that expires, so a node that
//! dies mid-job is taken over once its lease has run out.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use crate::server::entities::job_lease;

/// Takes the lease `name` for `holder` until `now + ttl` if nobody else holds it (or theirs ran out).
/// True when `holder` now holds it.
pub async fn acquire(
    conn: &impl ConnectionTrait,
    name: &str,
    holder: &str,
    ttl: chrono::Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, DbErr> {
    let row = job_lease::ActiveModel {
        name: Set(name.to_owned()),
        holder: Set(holder.to_owned()),
        expires_at: Set(now + ttl),
    };
    let conflict = OnConflict::column(job_lease::Column::Name).do_nothing().to_owned();
    if job_lease::Entity::insert(row).on_conflict(conflict).exec_without_returning(conn).await? == 1 {
        return Ok(true);
    }
    let taken = job_lease::Entity::update_many()
        .col_expr(job_lease::Column::Holder, Expr::value(holder))
        .col_expr(job_lease::Column::ExpiresAt, Expr::value(now + ttl))
        .filter(job_lease::Column::Name.eq(name))
        .filter(Condition::any().add(job_lease::Column::ExpiresAt.lt(now)).add(job_lease::Column::Holder.eq(holder)))
        .exec(conn)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Gives the lease back early (the job finished).
pub async fn release(conn: &impl ConnectionTrait, name: &str, holder: &str) -> Result<(), DbErr> {
    job_lease::Entity::delete_many()
        .filter(job_lease::Column::Name.eq(name))
        .filter(job_lease::Column::Holder.eq(holder))
        .exec(conn)
        .await?;
    Ok(())
}
