//! /orders/{token}: the order's own page, reachable by guests through its unguessable address. While
//! the order awaits payment it shows the time left (a live countdown once hydrated) and a "Pay" button
//! that sends the shopper to the payment provider's page (the card is typed there, never here); once
//! paid it is the confirmation.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::api::checkout::{PayOrder, get_order};
use crate::components::form::FormPage;
use crate::error::AppError;
use crate::model::checkout::OrderView;
use crate::model::order::OrderStatus;
use crate::pages::checkout::TotalsTable;
use crate::pages::not_found::{NotFound, PageError};

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    // Only its refusals are read: the form is posted by the browser itself (its answer is a redirect to
    // the provider's page, which the client-side router must not try to render).
    let pay = ServerAction::<PayOrder>::new();
    let order = Resource::new(move || params.read().get("token").unwrap_or_default(), get_order);
    view! {
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading your order…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => view! { <OrderBody order pay/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <PageError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OrderBody(order: OrderView, pay: ServerAction<PayOrder>) -> impl IntoView {
    let (heading, title) = match order.status {
        OrderStatus::PendingPayment => (format!("Pay for order #{}", order.number), "Payment"),
        OrderStatus::Paid => ("Thank you! Your order is confirmed.".to_owned(), "Order confirmed"),
        OrderStatus::Fulfilled => (format!("Order #{} has shipped", order.number), "Order shipped"),
        OrderStatus::Cancelled => (format!("Order #{} was cancelled", order.number), "Order cancelled"),
        OrderStatus::Refunded => (format!("Order #{} was refunded", order.number), "Order refunded"),
    };
    let status_note = match order.status {
        OrderStatus::PendingPayment => None,
        OrderStatus::Paid => Some(format!(
            "Order #{} is paid{}. A confirmation email is on its way to {}.",
            order.number,
            order.card.as_ref().map(|c| format!(" with your {c}")).unwrap_or_default(),
            order.email
        )),
        OrderStatus::Fulfilled => Some(format!("It is on its way. Tracking number: {}.", order.tracking_number)),
        OrderStatus::Cancelled if order.charged => Some(
            "Your payment arrived after the time to pay ran out. Within a few minutes we either confirm your \
             order (if the items are still available) or refund your card in full."
                .to_owned(),
        ),
        OrderStatus::Cancelled => {
            Some("It was not paid in time, so its items went back on sale. You were not charged.".to_owned())
        }
        OrderStatus::Refunded => Some("The payment was refunded to your card.".to_owned()),
    };
    let pending = order.status == OrderStatus::PendingPayment;
    let refunded_in_part = (order.refunded > 0 && matches!(order.status, OrderStatus::Paid | OrderStatus::Fulfilled))
        .then(|| {
            format!(
                "{} of this order has been refunded to your card.",
                crate::model::money::Money::store(order.refunded).format()
            )
        });
    view! {
        <Title text=title/>
        <section class="order" data-status=order.status.as_str()>
            <h1>{heading}</h1>
            {status_note.map(|note| view! { <p class="notice" role="status">{note}</p> })}
            {refunded_in_part.map(|note| view! { <p class="notice">{note}</p> })}
            {pending.then(|| view! { <PaymentForm order=order.clone() pay/> })}
            <div class="order__details">
                <section>
                    <h2>"Items"</h2>
                    <ul class="summary__lines">
                        {order.lines.iter().map(|line| view! {
                            <li class="summary__line">
                                <span>{line.quantity} " × " {line.title.clone()} <small>" (" {line.sku.clone()} ")"</small></span>
                                <span>{line.line_total.format()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                    <TotalsTable totals=order.totals promo_code=order.promo_code.clone()/>
                </section>
                <section>
                    <h2>"Shipping"</h2>
                    <address>{order.address.lines().into_iter().map(|l| view! { {l} <br/> }).collect_view()}</address>
                    <p>{order.shipping_method.clone()}</p>
                    <p>"Receipt to " {order.email.clone()}</p>
                </section>
            </div>
            <p><a href="/products">"Continue shopping"</a></p>
        </section>
    }
}

/// "Complete payment within 14:32": counts down every second once hydrated.
#[island]
fn Countdown(seconds: i64) -> impl IntoView {
    let left = RwSignal::new(seconds);
    Effect::new(move |_| {
        if let Ok(handle) =
            set_interval_with_handle(move || left.update(|s| *s = (*s - 1).max(0)), std::time::Duration::from_secs(1))
        {
            on_cleanup(move || handle.clear());
        }
    });
    let text = move || {
        let s = left.get();
        format!("{}:{:02}", s / 60, s % 60)
    };
    view! {
        <p class="countdown" role="timer" aria-live="off">
            {move || if left.get() > 0 {
                view! { "Your items are held for " <strong data-countdown=move || left.get()>{text}</strong> ". Complete payment before the time runs out." }.into_any()
            } else {
                view! { <strong>"The time to pay has run out."</strong> " Reload the page to see your order's state." }.into_any()
            }}
        </p>
    }
}

#[component]
fn PaymentForm(order: OrderView, pay: ServerAction<PayOrder>) -> impl IntoView {
    let refusal = move || pay.value().get().and_then(Result::err).map(|e| e.to_string());
    // The provider's last refusal of a card (a reload shows it too), unless this form was just refused.
    let stored_error = order.payment_error.clone();
    let shown = move || refusal().or_else(|| (!stored_error.is_empty()).then(|| stored_error.clone()));
    let pay_url = <PayOrder as leptos::server_fn::ServerFn>::url();
    view! {
        <Countdown seconds=order.seconds_left/>
        <form method="post" action=pay_url class="payment checkout-form">
            <FormPage/>
            <input type="hidden" name="token" value=order.token.clone()/>
            {move || shown().map(|m| view! { <p class="notice notice--error" role="alert">{m}</p> })}
            <p>"You pay on our payment provider's secure page, then come back here for your confirmation."</p>
            <button type="submit" class="button button--primary button--large">
                {format!("Pay {}", crate::model::money::Money::store(order.totals.total).format())}
            </button>
            {order.sandbox.then(|| view! {
                <p class="field__hint">"Test mode: payments go to the built-in sandbox; no real card is charged."</p>
            })}
        </form>
    }
}
