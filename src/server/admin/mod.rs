//! The back office, under `/admin`: server-rendered pages and plain HTML form posts (no JavaScript, so
//! none of it is in the shoppers' WASM), for accounts with the admin role only. Every route is a
//! [`Route`]; the router is built from [`Route::ALL`] behind one guard, so no route can be added without
//! it, and the authorization test walks the same list. To anyone else — a guest, a signed-in shopper —
//! every one of them is the shop's 404 page, before any of its code runs.

mod inventory;
mod layout;
mod orders;
mod overview;
mod products;
mod promos;
mod reconcile;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};

use super::account_session;
use super::entities::user;
use super::services::accounts;
use super::services::audit::Actor;
use super::state::AppState;
use crate::error::AppError;
use crate::model::account::Role;

/// Every page and every change of the back office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Overview,
    Orders,
    Order,
    FulfilOrder,
    CancelOrder,
    RefundOrder,
    RefundLines,
    Products,
    CreateProduct,
    Product,
    UpdateProduct,
    ProductStatus,
    AddOption,
    AddValue,
    AddVariant,
    UpdateVariant,
    AddImage,
    RemoveImage,
    Promos,
    CreatePromo,
    Promo,
    UpdatePromo,
    ExpirePromo,
    Inventory,
    Sku,
    EditStock,
    Reconcile,
    ApplyReconcile,
}

impl Route {
    pub const ALL: [Route; 28] = [
        Route::Overview,
        Route::Orders,
        Route::Order,
        Route::FulfilOrder,
        Route::CancelOrder,
        Route::RefundOrder,
        Route::RefundLines,
        Route::Products,
        Route::CreateProduct,
        Route::Product,
        Route::UpdateProduct,
        Route::ProductStatus,
        Route::AddOption,
        Route::AddValue,
        Route::AddVariant,
        Route::UpdateVariant,
        Route::AddImage,
        Route::RemoveImage,
        Route::Promos,
        Route::CreatePromo,
        Route::Promo,
        Route::UpdatePromo,
        Route::ExpirePromo,
        Route::Inventory,
        Route::Sku,
        Route::EditStock,
        Route::Reconcile,
        Route::ApplyReconcile,
    ];

    /// The route's path pattern (`{id}`: an order's number, `{sku}`: a SKU; `{product}`, `{option}`,
    /// `{variant}`, `{image}`, `{promo}`: ids).
    pub fn path(self) -> &'static str {
        match self {
            Route::Overview => "/admin",
            Route::Orders => "/admin/orders",
            Route::Order => "/admin/orders/{id}",
            Route::FulfilOrder => "/admin/orders/{id}/fulfil",
            Route::CancelOrder => "/admin/orders/{id}/cancel",
            Route::RefundOrder => "/admin/orders/{id}/refund",
            Route::RefundLines => "/admin/orders/{id}/refund-lines",
            Route::Products | Route::CreateProduct => "/admin/products",
            Route::Product | Route::UpdateProduct => "/admin/products/{product}",
            Route::ProductStatus => "/admin/products/{product}/status",
            Route::AddOption => "/admin/products/{product}/options",
            Route::AddValue => "/admin/products/{product}/options/{option}/values",
            Route::AddVariant => "/admin/products/{product}/variants",
            Route::UpdateVariant => "/admin/products/{product}/variants/{variant}",
            Route::AddImage => "/admin/products/{product}/images",
            Route::RemoveImage => "/admin/products/{product}/images/{image}/remove",
            Route::Promos | Route::CreatePromo => "/admin/promos",
            Route::Promo | Route::UpdatePromo => "/admin/promos/{promo}",
            Route::ExpirePromo => "/admin/promos/{promo}/expire",
            Route::Inventory => "/admin/inventory",
            Route::Sku => "/admin/inventory/{sku}",
            Route::EditStock => "/admin/inventory/{sku}/stock",
            Route::Reconcile => "/admin/reconcile",
            Route::ApplyReconcile => "/admin/reconcile/apply",
        }
    }

    /// GET for a page, POST for a change.
    pub fn method(self) -> Method {
        match self {
            Route::Overview
            | Route::Orders
            | Route::Order
            | Route::Products
            | Route::Product
            | Route::Promos
            | Route::Promo
            | Route::Inventory
            | Route::Sku
            | Route::Reconcile => Method::GET,
            Route::FulfilOrder
            | Route::CancelOrder
            | Route::RefundOrder
            | Route::RefundLines
            | Route::CreateProduct
            | Route::UpdateProduct
            | Route::ProductStatus
            | Route::AddOption
            | Route::AddValue
            | Route::AddVariant
            | Route::UpdateVariant
            | Route::AddImage
            | Route::RemoveImage
            | Route::CreatePromo
            | Route::UpdatePromo
            | Route::ExpirePromo
            | Route::EditStock
            | Route::ApplyReconcile => Method::POST,
        }
    }

    fn handler(self) -> MethodRouter<AppState> {
        match self {
            Route::Overview => get(overview::page),
            Route::Orders => get(orders::list),
            Route::Order => get(orders::detail),
            Route::FulfilOrder => post(orders::fulfil),
            Route::CancelOrder => post(orders::cancel),
            Route::RefundOrder => post(orders::refund),
            Route::RefundLines => post(orders::refund_lines),
            Route::Products => get(products::list),
            Route::CreateProduct => post(products::create),
            Route::Product => get(products::detail),
            Route::UpdateProduct => post(products::update),
            Route::ProductStatus => post(products::set_status),
            Route::AddOption => post(products::add_option),
            Route::AddValue => post(products::add_value),
            Route::AddVariant => post(products::add_variant),
            Route::UpdateVariant => post(products::update_variant),
            // The picture and the form around it; a bigger upload is cut off and refused (413).
            Route::AddImage => post(products::add_image)
                .layer(DefaultBodyLimit::max(crate::server::services::media::MAX_IMAGE_BYTES + 64 * 1024)),
            Route::RemoveImage => post(products::remove_image),
            Route::Promos => get(promos::list),
            Route::CreatePromo => post(promos::create),
            Route::Promo => get(promos::detail),
            Route::UpdatePromo => post(promos::update),
            Route::ExpirePromo => post(promos::expire),
            Route::Inventory => get(inventory::overview),
            Route::Sku => get(inventory::sku),
            Route::EditStock => post(inventory::edit),
            Route::Reconcile => get(reconcile::page),
            Route::ApplyReconcile => post(reconcile::apply),
        }
    }
}

/// The back office's routes, every one behind [`guard`].
pub fn routes(state: &AppState) -> Router<AppState> {
    Route::ALL
        .into_iter()
        .fold(Router::new(), |router, route| router.route(route.path(), route.handler()))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), guard))
}

/// The signed-in admin of a back-office request (put there by [`guard`]).
#[derive(Debug, Clone)]
pub struct Admin(pub user::Model);

impl Admin {
    pub fn actor(&self) -> Actor {
        Actor::admin(&self.0)
    }
}

/// Lets a request through only with the session of an account whose role is admin; anyone else gets the
/// shop's 404 page (nothing says a back office is here).
async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    match admin_of(&state, request.headers()).await {
        Ok(Some(admin)) => {
            request.extensions_mut().insert(Admin(admin));
            next.run(request).await
        }
        Ok(None) => super::startup::not_found(State(state), request).await,
        Err(error) => Failure(error).into_response(),
    }
}

async fn admin_of(state: &AppState, headers: &HeaderMap) -> Result<Option<user::Model>, AppError> {
    let Some(secret) = account_session::secret_from(state, headers) else { return Ok(None) };
    let user = accounts::signed_in_user(&state.db, &secret, state.settings.sessions).await?;
    Ok(user.filter(|user| user.role == Role::Admin))
}

/// A back-office request that failed on the server's side: a short page with the status, never a panic.
pub struct Failure(pub AppError);

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Failure(error)
    }
}

impl From<sea_orm::DbErr> for Failure {
    fn from(error: sea_orm::DbErr) -> Self {
        Failure(error.into())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let message = crate::server::escape_html(&self.0.to_string());
        let body = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Back office</title>\
             <link rel=\"stylesheet\" href=\"/back-office.css\"></head><body><main id=\"content\">\
             <h1>Back office</h1><p role=\"alert\">{message}</p><p><a href=\"/admin\">Back to the overview</a></p>\
             </main></body></html>"
        );
        (self.0.status_code(), Html(body)).into_response()
    }
}

type PageResult = Result<Response, Failure>;

/// A form's or a query's fields by name.
type Fields = std::collections::HashMap<String, String>;

/// A field's value, trimmed ('' when absent).
fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.get(name).map_or("", |value| value.trim())
}

/// An id from the path: a positive number; anything else is no such thing.
fn id_of(raw: &str) -> Option<i32> {
    raw.parse().ok().filter(|id| *id > 0)
}

/// After a change: back to the changed object's page, which says what was done (`?done=`), with 303 so
/// a refresh does not post again.
fn done(path: &str, what: Done) -> Response {
    Redirect::to(&format!("{path}?done={}", what.code())).into_response()
}

/// The changes a page confirms after its redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    Fulfilled,
    Cancelled,
    Refunded,
    RefundedUnits,
    RefundPending,
    StockSaved,
    Reconciled,
    ProductCreated,
    ProductSaved,
    OptionsSaved,
    VariantAdded,
    VariantSaved,
    ImageAdded,
    ImageRemoved,
    PromoCreated,
    PromoSaved,
}

impl Done {
    const ALL: [Done; 16] = [
        Done::Fulfilled,
        Done::Cancelled,
        Done::Refunded,
        Done::RefundedUnits,
        Done::RefundPending,
        Done::StockSaved,
        Done::Reconciled,
        Done::ProductCreated,
        Done::ProductSaved,
        Done::OptionsSaved,
        Done::VariantAdded,
        Done::VariantSaved,
        Done::ImageAdded,
        Done::ImageRemoved,
        Done::PromoCreated,
        Done::PromoSaved,
    ];

    fn code(self) -> &'static str {
        match self {
            Done::Fulfilled => "fulfilled",
            Done::Cancelled => "cancelled",
            Done::Refunded => "refunded",
            Done::RefundedUnits => "refunded-units",
            Done::RefundPending => "refund-pending",
            Done::StockSaved => "stock",
            Done::Reconciled => "reconciled",
            Done::ProductCreated => "created",
            Done::ProductSaved => "saved",
            Done::OptionsSaved => "options",
            Done::VariantAdded => "variant-added",
            Done::VariantSaved => "variant-saved",
            Done::ImageAdded => "picture-added",
            Done::ImageRemoved => "picture-removed",
            Done::PromoCreated => "promo-created",
            Done::PromoSaved => "promo-saved",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Done::Fulfilled => "Marked as shipped. The customer's shipping mail is queued.",
            Done::Cancelled => "Order cancelled. Its items are back in stock.",
            Done::Refunded => "Payment refunded.",
            Done::RefundedUnits => "Refund made: the timeline says how much.",
            Done::RefundPending => {
                "The payment provider did not answer the refund yet; it is asked again automatically every few minutes."
            }
            Done::StockSaved => "Stock saved.",
            Done::Reconciled => "Ledger corrected.",
            Done::ProductCreated => "Product created as a draft. Add its options, then its variants, then publish it.",
            Done::ProductSaved => "Product saved.",
            Done::OptionsSaved => "Options saved.",
            Done::VariantAdded => "Variant added.",
            Done::VariantSaved => "Variant saved.",
            Done::ImageAdded => "Picture added.",
            Done::ImageRemoved => "Picture removed.",
            Done::PromoCreated => "Promo code created. Shoppers can use it at checkout now.",
            Done::PromoSaved => "Promo code saved.",
        }
    }

    /// The notice for a page's `?done=` (an unknown code says nothing).
    fn notice(query: &std::collections::HashMap<String, String>) -> Option<layout::Notice> {
        let code = query.get("done")?;
        Done::ALL.into_iter().find(|d| d.code() == code).map(|d| layout::Notice::Done(d.message()))
    }
}

/// A change refused for its input or the object's state: the page again, saying why, with the status.
fn refused_status(error: &AppError) -> Option<StatusCode> {
    match error {
        AppError::Validation(_) | AppError::Conflict(_) | AppError::NotFound => Some(error.status_code()),
        _ => None,
    }
}
