//! The audit log: every change made in the back office is one row — who, what, when, and the values
//! before and after — written in the transaction of the change itself (a change that rolls back leaves
//! no entry, and no change is committed without one). Each object's page shows its entries.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::Value;

use crate::server::entities::{audit_entry, user};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// None: an operator's command on the server.
    pub user_id: Option<i32>,
    pub name: String,
}

impl Actor {
    /// A signed-in admin.
    pub fn admin(user: &user::Model) -> Actor {
        Actor { user_id: Some(user.id), name: user.email.clone() }
    }

    /// A maintenance command run on the server (`storefront reconcile-inventory --apply`…).
    pub fn command_line() -> Actor {
        Actor { user_id: None, name: "command line".into() }
    }
}

/// What a change was made to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Order(i32),
    /// A product, its options, variants and images.
    Product(i32),
    Sku(String),
    Promo(i32),
    /// The stock of the whole store (a reconciliation).
    Inventory,
}

impl Subject {
    fn kind(&self) -> &'static str {
        match self {
            Subject::Order(_) => "order",
            Subject::Product(_) => "product",
            Subject::Sku(_) => "sku",
            Subject::Promo(_) => "promo",
            Subject::Inventory => "inventory",
        }
    }

    fn key(&self) -> String {
        match self {
            Subject::Order(id) | Subject::Product(id) | Subject::Promo(id) => id.to_string(),
            Subject::Sku(sku) => sku.clone(),
            Subject::Inventory => String::new(),
        }
    }
}

/// One change, as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub action: &'static str,
    pub subject: Subject,
    pub before: Value,
    pub after: Value,
}

/// Writes `change`'s entry, in the caller's transaction.
pub async fn record(conn: &impl ConnectionTrait, actor: &Actor, change: Change) -> Result<(), DbErr> {
    audit_entry::ActiveModel {
        actor_id: Set(actor.user_id),
        actor: Set(actor.name.clone()),
        action: Set(change.action.to_owned()),
        subject_kind: Set(change.subject.kind().to_owned()),
        subject_key: Set(change.subject.key()),
        before: Set(change.before.to_string()),
        after: Set(change.after.to_string()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The newest `limit` entries about `subject`, newest first.
pub async fn of(conn: &impl ConnectionTrait, subject: &Subject, limit: u64) -> Result<Vec<audit_entry::Model>, DbErr> {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::SubjectKind.eq(subject.kind()))
        .filter(audit_entry::Column::SubjectKey.eq(subject.key()))
        .order_by_desc(audit_entry::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// The newest `limit` entries of the whole log, newest first.
pub async fn recent(conn: &impl ConnectionTrait, limit: u64) -> Result<Vec<audit_entry::Model>, DbErr> {
    audit_entry::Entity::find().order_by_desc(audit_entry::Column::Id).limit(limit).all(conn).await
}
