//! The checkout: /checkout (contact and address), /checkout/shipping (method), /checkout/review
//! (promo code, totals, "Place order"). Each step is a server-function form that works without
//! JavaScript; every total shown comes from the server.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::checkout::{
    ApplyPromoCode, ChooseShippingMethod, PlaceOrder, SaveCheckoutDetails, ShipToSavedAddress, get_checkout,
};
use crate::components::address_fields::{AddressFields, AddressLines};
use crate::components::form::{Field, FormErrors, FormPage, SubmitOnce, field_error, form_error, refusal};
use crate::components::seo::PageMeta;
use crate::model::checkout::{Address, CheckoutAccount, CheckoutView, Totals};
use crate::model::money::Money;
use crate::pages::not_found::PageError;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Details,
    Shipping,
    Review,
}

impl Step {
    fn path(self) -> &'static str {
        match self {
            Step::Details => "/checkout",
            Step::Shipping => "/checkout/shipping",
            Step::Review => "/checkout/review",
        }
    }
}

/// Loads the checkout and shows one step beside the order summary (or the empty-cart message).
#[component]
fn CheckoutFrame(step: Step) -> impl IntoView {
    let checkout = Resource::new(|| (), |_| get_checkout());
    view! {
        <Title text="Checkout"/>
        <PageMeta
            title="Checkout".to_owned()
            description="Check out: your contact, shipping address, shipping method and payment.".to_owned()
            path=step.path().to_owned()
        />
        <h1>"Checkout"</h1>
        <Steps step/>
        <Suspense fallback=|| view! { <p class="loading">"Loading your checkout…"</p> }>
            {move || Suspend::new(async move {
                match checkout.await {
                    Ok(view) if view.cart.lines.is_empty() => view! {
                        <div class="empty">
                            <p>"Your cart is empty."</p>
                            <a href="/products" class="button button--primary">"Continue shopping"</a>
                        </div>
                    }
                    .into_any(),
                    Ok(view) => view! { <CheckoutStep step view/> }.into_any(),
                    Err(error) => view! { <PageError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One step's form beside the summary. Each form is posted by the browser itself (hydration adds
/// nothing here, so none of this is in the WASM): done, the server sends the shopper to the next step;
/// refused, it sends them back to this page, which shows why (and, for a refused order, new totals and
/// a fresh key).
#[component]
fn CheckoutStep(step: Step, view: CheckoutView) -> impl IntoView {
    let summary = view.clone();
    let body = match step {
        Step::Details => {
            let (email, address) = view.details_to_fill();
            let address = address.unwrap_or(Address { country: "US".into(), ..Default::default() });
            let account = view.account.clone();
            view! {
                <SavedAddresses account=account.clone()/>
                <DetailsStep>
                    <DetailsForm email address account/>
                </DetailsStep>
            }
            .into_any()
        }
        Step::Shipping => shipping_form(view, ServerAction::new()).into_any(),
        Step::Review => review_forms(view, ServerAction::new(), ServerAction::new()).into_any(),
    };
    view! {
        <div class="checkout">
            <div class="checkout__step">{body}</div>
            <Summary view=summary/>
        </div>
    }
}

#[component]
fn Steps(step: Step) -> impl IntoView {
    let item = move |this: Step, label: &'static str| {
        let current = (this == step).then_some("step");
        view! { <li aria-current=current><a href=this.path()>{label}</a></li> }
    };
    view! {
        <nav aria-label="Checkout steps">
            <ol class="steps">
                <li><a href="/cart">"Cart"</a></li>
                {item(Step::Details, "Information")}
                {item(Step::Shipping, "Shipping")}
                {item(Step::Review, "Review")}
                <li>"Payment"</li>
            </ol>
        </nav>
    }
}

/// The lines and the totals, as the server computed them.
#[component]
fn Summary(view: CheckoutView) -> impl IntoView {
    let (shipping_known, tax_known) = (!view.shipping_method.is_empty(), view.address.is_some());
    let CheckoutView { cart, totals, promo_code, .. } = view;
    view! {
        <aside class="summary" aria-label="Order summary">
            <h2>"Order summary"</h2>
            {(!cart.notices.is_empty()).then(|| view! {
                <ul class="notices" role="status">
                    {cart.notices.into_iter().map(|n| view! { <li class="notice">{n}</li> }).collect_view()}
                </ul>
            })}
            <ul class="summary__lines">
                {cart.lines.into_iter().map(|line| view! {
                    <li class="summary__line" data-sku=line.sku.clone()>
                        <span>{line.quantity} " × " {line.title}
                            {(!line.variant_label.is_empty()).then(|| view! { <small>" (" {line.variant_label} ")"</small> })}
                        </span>
                        <span>{line.line_total.format()}</span>
                    </li>
                }).collect_view()}
            </ul>
            <TotalsTable totals promo_code shipping_known tax_known/>
        </aside>
    }
}

/// Subtotal, discount, shipping, tax and total.
#[component]
pub fn TotalsTable(
    totals: Totals,
    #[prop(optional)] promo_code: String,
    /// False before a shipping method is chosen (the line then says so instead of $0.00).
    #[prop(default = true)]
    shipping_known: bool,
    /// False before there is an address to tax.
    #[prop(default = true)]
    tax_known: bool,
) -> impl IntoView {
    let money = |minor: i64| Money::store(minor).format();
    let discount_label = if promo_code.is_empty() { "Discount".to_owned() } else { format!("Discount ({promo_code})") };
    view! {
        <dl class="totals">
            <dt>"Subtotal"</dt><dd data-total="subtotal">{money(totals.subtotal)}</dd>
            {(totals.discount > 0).then(|| view! { <dt>{discount_label}</dt><dd data-total="discount">"−" {money(totals.discount)}</dd> })}
            <dt>"Shipping"</dt><dd data-total="shipping">{match (shipping_known, totals.shipping) {
                (false, _) => "Next step".to_owned(),
                (true, 0) => "Free".to_owned(),
                (true, price) => money(price),
            }}</dd>
            <dt>"Tax"</dt><dd data-total="tax">{if tax_known { money(totals.tax) } else { "After your address".to_owned() }}</dd>
            <dt class="totals__grand">"Total"</dt><dd class="totals__grand" data-total="total">{money(totals.total)}</dd>
        </dl>
    }
}

/// /checkout: contact email and shipping address.
#[component]
pub fn CheckoutPage() -> impl IntoView {
    view! { <CheckoutFrame step=Step::Details/> }
}

/// Keeps what the shopper typed when the details are refused: hydrated, the form (`DetailsForm`,
/// rendered by the server) is posted in the background; refused, the page that comes back gives the
/// form its messages while the fields keep their input (a page posted by the browser would come back
/// with the saved values only); accepted, the next step opens. Without JavaScript the browser posts it.
#[island]
fn DetailsStep(children: Children) -> impl IntoView {
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use crate::components::browser::{focus, go_to, post_in_background, show_form_keeping_input};
            post_in_background(&ev, busy, "Saving…", |form, loaded| match loaded {
                Some(loaded) if loaded.refused() && show_form_keeping_input(&loaded, ".checkout-form") => {
                    focus(".checkout-form [aria-invalid='true'], .checkout-form [role='alert']");
                }
                Some(loaded) if !loaded.refused() => go_to(&loaded.url),
                _ => form.submit().unwrap_or_default(),
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, busy);
    };
    view! {
        <div class="details-step" aria-busy=move || busy.get().then_some("true") on:submit=on_submit>
            {children()}
        </div>
    }
}

/// The contact and address form, with the saved values and the last refusal beside its fields; a
/// signed-in shopper can also save the address to their address book.
#[component]
fn DetailsForm(email: String, address: Address, account: Option<CheckoutAccount>) -> impl IntoView {
    let save = ServerAction::<SaveCheckoutDetails>::new();
    let value = refusal(save.value());
    let save_url = <SaveCheckoutDetails as leptos::server_fn::ServerFn>::url();
    let hint =
        if account.is_some() { "We send your receipt here." } else { "We send your receipt here. No account needed." };
    view! {
        <form class="checkout-form" method="post" action=save_url novalidate=true>
            <FormPage/>
            <FormErrors messages=form_error(value, &["email", "name", "line1", "line2", "city", "postal_code"])/>
            <fieldset>
                <legend>"Contact"</legend>
                <Field name="email" label="Email" kind="email" autocomplete="email" value=email error=field_error(value, "email")/>
                <p class="field__hint">{hint}</p>
            </fieldset>
            <fieldset>
                <legend>"Shipping address"</legend>
                <AddressFields address refused=value/>
                {account.map(|account| view! {
                    <div class="choice">
                        <input type="checkbox" id="field-save-address" name="save_address" value="on"
                            checked=account.addresses.is_empty()/>
                        <label for="field-save-address">"Save this address to my account"</label>
                    </div>
                })}
            </fieldset>
            <button type="submit" class="button button--primary">"Continue to shipping"</button>
        </form>
    }
}

/// A signed-in shopper's saved addresses above the details form, each with "Ship here" (a plain form:
/// the address becomes the cart's and the next step opens).
#[component]
fn SavedAddresses(account: Option<CheckoutAccount>) -> impl IntoView {
    let addresses = account.map(|a| a.addresses).unwrap_or_default();
    let ship_url = <ShipToSavedAddress as leptos::server_fn::ServerFn>::url();
    (!addresses.is_empty()).then(|| {
        view! {
            <section class="saved-addresses" aria-labelledby="saved-addresses-heading">
                <h2 id="saved-addresses-heading">"Your saved addresses"</h2>
                <ul class="address-list">
                    {addresses.into_iter().map(|saved| {
                        let label = format!("Ship here: {}", saved.address.lines().join(", "));
                        view! {
                            <li class="address-card">
                                <AddressLines address=saved.address.clone()/>
                                {saved.default.then(|| view! { <span class="account__badge">"Default"</span> })}
                                <form method="post" action=ship_url>
                                    <FormPage/>
                                    <input type="hidden" name="address_id" value=saved.id/>
                                    <button type="submit" class="button" aria-label=label>"Ship here"</button>
                                </form>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <p class="field__hint">"Or enter another address below."</p>
            </section>
        }
    })
}

/// /checkout/shipping: the shipping method, with its price for this cart.
#[component]
pub fn ShippingPage() -> impl IntoView {
    view! { <CheckoutFrame step=Step::Shipping/> }
}

fn shipping_form(view: CheckoutView, choose: ServerAction<ChooseShippingMethod>) -> impl IntoView {
    {
        let Some(address) = view.address.clone() else {
            return view! {
                <p class="notice" role="status">"First enter your email and shipping address."</p>
                <a href="/checkout" class="button button--primary">"Enter your address"</a>
            }
            .into_any();
        };
        let chosen = if view.shipping_method.is_empty() {
            view.choices.first().map(|c| c.id.clone()).unwrap_or_default()
        } else {
            view.shipping_method.clone()
        };
        view! {
            <section class="checkout-recap">
                <p>"Contact: " <strong>{view.email.clone()}</strong> " · " <a href="/checkout">"Change"</a></p>
                <p>"Ship to: " {address.lines().join(", ")}</p>
            </section>
            <ActionForm action=choose attr:class="checkout-form">
                <FormPage/>
                <FormErrors messages=form_error(refusal(choose.value()), &[])/>
                <fieldset>
                    <legend>"Shipping method"</legend>
                    {view.choices.into_iter().map(|choice| {
                        let id = format!("method-{}", choice.id);
                        view! {
                            <div class="choice">
                                <input type="radio" id=id.clone() name="method" value=choice.id.clone() checked=chosen == choice.id/>
                                <label for=id>{choice.name} " — " <strong>{if choice.price.minor == 0 { "Free".to_owned() } else { choice.price.format() }}</strong></label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="button button--primary">"Continue to review"</button>
            </ActionForm>
        }
        .into_any()
    }
}

/// /checkout/review: what will be ordered, where to, how, for how much; a promo code; "Place order".
#[component]
pub fn ReviewPage() -> impl IntoView {
    view! { <CheckoutFrame step=Step::Review/> }
}

fn review_forms(
    view: CheckoutView,
    promo: ServerAction<ApplyPromoCode>,
    place: ServerAction<PlaceOrder>,
) -> impl IntoView {
    {
        let (Some(address), Some(method)) = (view.address.clone(), view.shipping_name().map(str::to_owned)) else {
            return view! {
                <p class="notice" role="status">"First choose how your order is shipped."</p>
                <a href="/checkout/shipping" class="button button--primary">"Choose shipping"</a>
            }
            .into_any();
        };
        let has_code = !view.promo_code.is_empty();
        let remove_label = format!("Remove code {}", view.promo_code);
        view! {
            <section class="checkout-recap">
                <h2>"Review your order"</h2>
                <p>"Contact: " <strong>{view.email.clone()}</strong> " · " <a href="/checkout">"Change"</a></p>
                <p>"Ship to: " {address.lines().join(", ")} " · " <a href="/checkout">"Change"</a></p>
                <p>"Shipping: " {method} " · " <a href="/checkout/shipping">"Change"</a></p>
            </section>
            <ActionForm action=promo attr:class="promo">
                <FormPage/>
                <label for="field-code">"Promo code"</label>
                <input id="field-code" name="code" value=view.promo_code.clone() autocomplete="off"
                    aria-invalid=move || field_error(refusal(promo.value()), "code")().is_some().then_some("true")/>
                <button type="submit" class="button">"Apply"</button>
                {move || field_error(refusal(promo.value()), "code")().map(|m| view! { <p class="field__error" role="alert">{m}</p> })}
                {view.promo_note.clone().map(|note| view! { <p class="notice" role="status">{note}</p> })}
            </ActionForm>
            {has_code.then(|| view! {
                <ActionForm action=promo attr:class="promo promo--remove">
                    <FormPage/>
                    <input type="hidden" name="code" value=""/>
                    <button type="submit" class="button button--link">{remove_label}</button>
                </ActionForm>
            })}
            <ActionForm action=place attr:class="place-order">
                <FormPage/>
                <FormErrors messages=form_error(refusal(place.value()), &[])/>
                <input type="hidden" name="idempotency_key" value=view.idempotency_key.clone()/>
                <input type="hidden" name="expected_total" value=view.totals.total/>
                <p class="place-order__total">"Total to pay: " <strong>{Money::store(view.totals.total).format()}</strong></p>
                <SubmitOnce label="Place order" busy="Placing your order…"/>
                <p class="field__hint">"Your items are held for you while you pay on the next page."</p>
            </ActionForm>
        }
        .into_any()
    }
}
