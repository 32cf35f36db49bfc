//! The address book: a signed-in shopper's saved shipping addresses, one of them the default that the
//! checkout fills in first. Every function takes the account of the request's session; an address of
//! another account is not found (404), whatever id a form sends. This module is the only writer of
//! `is_default`: an account with addresses always has exactly one default.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::error::AppError;
use crate::model::account::{MAX_SAVED_ADDRESSES, SavedAddress};
use crate::model::checkout::Address;
use crate::server::entities::address;
use crate::server::services::checkout::validate_address;

/// The account's addresses, the default first, then in the order they were saved.
pub async fn list(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<SavedAddress>, AppError> {
    let rows = address::Entity::find()
        .filter(address::Column::UserId.eq(user_id))
        .order_by_desc(address::Column::IsDefault)
        .order_by_asc(address::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(saved).collect())
}

/// One of the account's addresses (NotFound for another account's).
pub async fn get(db: &impl ConnectionTrait, user_id: i32, id: i32) -> Result<SavedAddress, AppError> {
    Ok(saved(own(db, user_id, id).await?))
}

/// The account's default address, if it has one.
pub async fn default_of(db: &impl ConnectionTrait, user_id: i32) -> Result<Option<Address>, AppError> {
    let row = address::Entity::find()
        .filter(address::Column::UserId.eq(user_id))
        .filter(address::Column::IsDefault.eq(true))
        .one(db)
        .await?;
    Ok(row.map(|row| saved(row).address))
}

/// Adds an address (checked and tidied as the checkout checks one). The first address of an account is
/// its default; `make_default` makes a later one the default. Returns its id.
pub async fn add(db: &DatabaseConnection, user_id: i32, input: &Address, make_default: bool) -> Result<i32, AppError> {
    let clean = validate_address(input).map_err(AppError::Validation)?;
    crate::write_retry!(db, |txn| {
        lock_book(txn, user_id).await?;
        let count = address::Entity::find().filter(address::Column::UserId.eq(user_id)).count(txn).await?;
        if count as usize >= MAX_SAVED_ADDRESSES {
            let message = format!("Your address book is full ({MAX_SAVED_ADDRESSES} addresses). Delete one first.");
            return Ok(Err(AppError::invalid("address", message)));
        }
        let id = insert(txn, user_id, &clean).await?;
        if make_default || count == 0 {
            set_default_in(txn, user_id, id).await?;
        }
        Ok(Ok(id))
    })
}

/// Saves an address the shopper typed at checkout ("save this address"): added unless the book has it
/// already (then nothing changes); a full book is left as it is. Made the default when it is the first.
pub async fn remember(db: &DatabaseConnection, user_id: i32, input: &Address) -> Result<(), AppError> {
    let clean = validate_address(input).map_err(AppError::Validation)?;
    if list(db, user_id).await?.iter().any(|known| known.address == clean) {
        return Ok(());
    }
    match add(db, user_id, &clean, false).await {
        Err(AppError::Validation(fields)) if fields.contains_key("address") => Ok(()),
        outcome => outcome.map(|_| ()),
    }
}

/// Changes an address; `make_default` makes it the default (an address stops being the default only
/// when another becomes it).
pub async fn update(
    db: &DatabaseConnection,
    user_id: i32,
    id: i32,
    input: &Address,
    make_default: bool,
) -> Result<(), AppError> {
    let clean = validate_address(input).map_err(AppError::Validation)?;
    crate::write_retry!(db, |txn| {
        lock_book(txn, user_id).await?;
        let row = match own(txn, user_id, id).await {
            Ok(row) => row,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let mut row: address::ActiveModel = row.into();
        write_fields(&mut row, &clean);
        row.updated_at = Set(Utc::now());
        row.update(txn).await?;
        if make_default {
            set_default_in(txn, user_id, id).await?;
        }
        Ok(Ok(()))
    })
}

/// Makes an address the default.
pub async fn set_default(db: &DatabaseConnection, user_id: i32, id: i32) -> Result<(), AppError> {
    crate::write_retry!(db, |txn| {
        lock_book(txn, user_id).await?;
        if let Err(refusal) = own(txn, user_id, id).await {
            return Ok(Err(refusal));
        }
        set_default_in(txn, user_id, id).await?;
        Ok(Ok(()))
    })
}

/// Deletes an address. When it was the default, the oldest remaining address becomes the default.
pub async fn delete(db: &DatabaseConnection, user_id: i32, id: i32) -> Result<(), AppError> {
    crate::write_retry!(db, |txn| {
        lock_book(txn, user_id).await?;
        let row = match own(txn, user_id, id).await {
            Ok(row) => row,
            Err(refusal) => return Ok(Err(refusal)),
        };
        address::Entity::delete_by_id(row.id).exec(txn).await?;
        if row.is_default {
            let next = address::Entity::find()
                .filter(address::Column::UserId.eq(user_id))
                .order_by_asc(address::Column::Id)
                .one(txn)
                .await?;
            if let Some(next) = next {
                set_default_in(txn, user_id, next.id).await?;
            }
        }
        Ok(Ok(()))
    })
}

/// Serializes the writers of one account's address book on PostgreSQL (two tabs adding the last
/// address that fits, or each making another address the default). SQLite's IMMEDIATE transactions
/// already run one writer at a time.
async fn lock_book(txn: &DatabaseTransaction, user_id: i32) -> Result<(), sea_orm::DbErr> {
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        let sql = "SELECT id FROM users WHERE id = $1 FOR UPDATE";
        let statement =
            sea_orm::Statement::from_sql_and_values(sea_orm::DatabaseBackend::Postgres, sql, [user_id.into()]);
        txn.query_one_raw(statement).await?;
    }
    Ok(())
}

/// The account's row `id`, or NotFound (also for another account's: ids are not secrets, so the
/// answer must not tell the two apart).
async fn own(db: &impl ConnectionTrait, user_id: i32, id: i32) -> Result<address::Model, AppError> {
    address::Entity::find_by_id(id).filter(address::Column::UserId.eq(user_id)).one(db).await?.ok_or(AppError::NotFound)
}

async fn insert(txn: &DatabaseTransaction, user_id: i32, clean: &Address) -> Result<i32, sea_orm::DbErr> {
    let now = Utc::now();
    let mut row = address::ActiveModel {
        user_id: Set(user_id),
        is_default: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    write_fields(&mut row, clean);
    Ok(row.insert(txn).await?.id)
}

/// The address's own fields onto its row (a new one or a changed one).
fn write_fields(row: &mut address::ActiveModel, clean: &Address) {
    row.name = Set(clean.name.clone());
    row.line1 = Set(clean.line1.clone());
    row.line2 = Set(clean.line2.clone());
    row.city = Set(clean.city.clone());
    row.region = Set(clean.region.clone());
    row.postal_code = Set(clean.postal_code.clone());
    row.country = Set(clean.country.clone());
}

/// The one writer of `is_default`: the old default is cleared before the new one is set, in the
/// caller's transaction (the partial unique index refuses two).
async fn set_default_in(txn: &DatabaseTransaction, user_id: i32, id: i32) -> Result<(), sea_orm::DbErr> {
    address::Entity::update_many()
        .col_expr(address::Column::IsDefault, Expr::value(false))
        .filter(address::Column::UserId.eq(user_id))
        .filter(address::Column::IsDefault.eq(true))
        .filter(address::Column::Id.ne(id))
        .exec(txn)
        .await?;
    address::Entity::update_many()
        .col_expr(address::Column::IsDefault, Expr::value(true))
        .filter(address::Column::Id.eq(id))
        .filter(address::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    Ok(())
}

fn saved(row: address::Model) -> SavedAddress {
    SavedAddress {
        id: row.id,
        default: row.is_default,
        address: Address {
            name: row.name,
            line1: row.line1,
            line2: row.line2,
            city: row.city,
            region: row.region,
            postal_code: row.postal_code,
            country: row.country,
        },
    }
}
