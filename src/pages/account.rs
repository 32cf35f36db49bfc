//! /account: the signed-in shopper's page (who they are, whether their address is confirmed, signing
//! out here or everywhere), and /account/orders, their order history. Guests are sent to sign in
//! first, and come back after.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::api::account::{ResendVerification, SignOut, SignOutEverywhere, get_account, get_order_history};
use crate::components::form::FormPage;
use crate::model::account::AccountView;
use crate::model::money::Money;
use crate::model::order::{HISTORY_LENGTH, OrderStatus, OrderSummary};
use crate::pages::not_found::PageError;
use crate::pages::sign_in::query_param;

#[component]
pub fn AccountPage() -> impl IntoView {
    let notice = if query_param("verified").is_some() {
        Some("Thank you: your email address is confirmed.")
    } else if query_param("sent").is_some() {
        Some("We sent you a new confirmation link.")
    } else {
        None
    };
    view! {
        <SignedInPage title="Your account" path="/account" page=move |account| view! { <Overview account notice/> }/>
    }
}

/// A page of the signed-in shopper's: their account loaded first; guests sign in and come back to `path`.
#[component]
pub fn SignedInPage<V: IntoView + 'static>(
    title: &'static str,
    path: &'static str,
    page: impl Fn(AccountView) -> V + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let account = Resource::new(|| (), |_| get_account());
    view! {
        <Title text=title/>
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading your account…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(Some(account)) => page(account).into_any(),
                    Ok(None) => view! { <SignInFirst next=path/> }.into_any(),
                    Err(error) => view! { <PageError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A guest asked for an account page: sent to sign in first (a 302), and back to `next` after.
#[component]
pub fn SignInFirst(next: &'static str) -> impl IntoView {
    let sign_in = format!("/account/sign-in?next={next}");
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(&sign_in);
    view! { <p>"Please " <a href=sign_in>"sign in"</a> " to see your account."</p> }
}

/// "Your account › {current}" above an account page's heading.
#[component]
pub fn AccountBreadcrumb(current: &'static str) -> impl IntoView {
    view! {
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <ol><li><a href="/account">"Your account"</a></li><li aria-current="page">{current}</li></ol>
        </nav>
    }
}

#[component]
fn Overview(account: AccountView, notice: Option<&'static str>) -> impl IntoView {
    let sign_out = <SignOut as leptos::server_fn::ServerFn>::url();
    let everywhere = <SignOutEverywhere as leptos::server_fn::ServerFn>::url();
    let resend = <ResendVerification as leptos::server_fn::ServerFn>::url();
    view! {
        <section class="account">
            <h1>"Your account"</h1>
            {notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
            <dl class="account__facts">
                <dt>"Name"</dt><dd>{account.name}</dd>
                <dt>"Email"</dt>
                <dd>
                    {account.email}
                    {if account.verified {
                        view! { <span class="account__badge">" Confirmed"</span> }.into_any()
                    } else {
                        view! {
                            <span class="account__badge account__badge--todo">" Not confirmed yet"</span>
                            <form method="post" action=resend class="inline-form">
                                <FormPage/>
                                <button type="submit" class="button">"Send the link again"</button>
                            </form>
                        }.into_any()
                    }}
                </dd>
            </dl>
            <p class="account__links">
                <a href="/account/profile">"Change your name or email"</a>
                <a href="/account/password">"Change your password"</a>
            </p>
            <h2>"Orders"</h2>
            <p><a href="/account/orders">"Your orders"</a>" — what you ordered, its status, and each order's page."</p>
            <h2>"Addresses"</h2>
            <p><a href="/account/addresses">"Your addresses"</a>" — saved shipping addresses; checkout fills in your default."</p>
            <h2>"Wishlist"</h2>
            <p><a href="/account/wishlist">"Your wishlist"</a>" — the products you saved, with their prices and stock now."</p>
            <h2>"Signing out"</h2>
            <div class="account__actions">
                <form method="post" action=sign_out>
                    <FormPage/>
                    <button type="submit" class="button">"Sign out"</button>
                </form>
                <form method="post" action=everywhere>
                    <FormPage/>
                    <button type="submit" class="button">"Sign out everywhere"</button>
                </form>
            </div>
            <p class="field__hint">"“Sign out everywhere” ends every session of your account: on this device and on every other."</p>
        </section>
    }
}

#[component]
pub fn OrderHistoryPage() -> impl IntoView {
    let orders = Resource::new(|| (), |_| get_order_history());
    view! {
        <Title text="Your orders"/>
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading your orders…"</p> }>
            {move || Suspend::new(async move {
                match orders.await {
                    Ok(Some(orders)) => view! { <OrderHistory orders/> }.into_any(),
                    Ok(None) => view! { <SignInFirst next="/account/orders"/> }.into_any(),
                    Err(error) => view! { <PageError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OrderHistory(orders: Vec<OrderSummary>) -> impl IntoView {
    let full = orders.len() as u64 >= HISTORY_LENGTH;
    view! {
        <section class="account">
            <AccountBreadcrumb current="Orders"/>
            <h1>"Your orders"</h1>
            {if orders.is_empty() {
                view! {
                    <p>"You haven't placed an order yet."</p>
                    <p><a class="button" href="/products">"Start shopping"</a></p>
                }
                .into_any()
            } else {
                view! {
                    <ol class="order-history">
                        {orders.into_iter().map(|order| view! { <OrderRow order/> }).collect_view()}
                    </ol>
                }
                .into_any()
            }}
            {full.then(|| view! {
                <p class="field__hint">{format!("Your {HISTORY_LENGTH} most recent orders are shown.")}</p>
            })}
        </section>
    }
}

#[component]
fn OrderRow(order: OrderSummary) -> impl IntoView {
    let items = if order.items == 1 { "1 item".to_owned() } else { format!("{} items", order.items) };
    let badge = match order.status {
        OrderStatus::PendingPayment => "order-history__status order-history__status--todo",
        OrderStatus::Cancelled | OrderStatus::Refunded => "order-history__status order-history__status--ended",
        OrderStatus::Paid | OrderStatus::Fulfilled => "order-history__status",
    };
    view! {
        <li class="order-history__order">
            <a class="order-history__number" href=format!("/orders/{}", order.token)>{format!("Order #{}", order.number)}</a>
            <span class="order-history__date">"Placed " {order.placed_on}</span>
            <span class=badge>{order.status.label()}</span>
            <span class="order-history__total">{items}" · "{Money::store(order.total).format()}</span>
        </li>
    }
}
