//! /account/addresses: the signed-in shopper's address book (each address with "Edit", "Make default"
//! and "Delete", and a form to add one), and /account/addresses/:id, one address's edit form. Plain
//! forms: without JavaScript the browser posts them and comes back with the outcome.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::api::addresses::{
    AddAddress, DeleteAddress, MakeDefaultAddress, UpdateAddress, get_address_book, get_saved_address,
};
use crate::components::address_fields::{AddressFields, AddressLines};
use crate::components::form::{FormErrors, FormPage, SubmitOnce, form_error, refusal};
use crate::error::AppError;
use crate::model::account::{MAX_SAVED_ADDRESSES, SavedAddress};
use crate::model::checkout::Address;
use crate::pages::account::{AccountBreadcrumb, SignInFirst};
use crate::pages::not_found::PageError;
use crate::pages::sign_in::query_param;

/// The address fields a form reports beside themselves (anything else goes above the form).
const ADDRESS_FIELDS: &[&str] = &["name", "line1", "line2", "city", "postal_code"];

#[component]
pub fn AddressBookPage() -> impl IntoView {
    let notice = match query_param("saved").as_deref() {
        Some("added") => Some("The address was saved."),
        Some("updated") => Some("Your changes were saved."),
        Some("default") => Some("Your default address was changed."),
        Some("deleted") => Some("The address was deleted."),
        _ => None,
    };
    let book = Resource::new(|| (), |_| get_address_book());
    view! {
        <Title text="Your addresses"/>
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading your addresses…"</p> }>
            {move || Suspend::new(async move {
                match book.await {
                    Ok(Some(addresses)) => view! { <AddressBook addresses notice/> }.into_any(),
                    Ok(None) => view! { <SignInFirst next="/account/addresses"/> }.into_any(),
                    Err(error) => view! { <PageError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AddressBook(addresses: Vec<SavedAddress>, notice: Option<&'static str>) -> impl IntoView {
    let delete = ServerAction::<DeleteAddress>::new();
    let make_default = ServerAction::<MakeDefaultAddress>::new();
    let add = ServerAction::<AddAddress>::new();
    let added = refusal(add.value());
    let full = addresses.len() >= MAX_SAVED_ADDRESSES;
    let first = addresses.is_empty();
    view! {
        <section class="account address-book">
            <AccountBreadcrumb current="Addresses"/>
            <h1>"Your addresses"</h1>
            {notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
            <FormErrors messages=form_error(refusal(delete.value()), &[])/>
            <FormErrors messages=form_error(refusal(make_default.value()), &[])/>
            {if first {
                view! { <p>"You have no saved addresses yet. Add one below, or save one when you check out."</p> }.into_any()
            } else {
                view! {
                    <ul class="address-list">
                        {addresses.into_iter().map(|saved| view! { <AddressCard saved delete make_default/> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <h2 id="add-address">"Add an address"</h2>
            {if full {
                view! { <p>{format!("Your address book is full ({MAX_SAVED_ADDRESSES} addresses). Delete one to add another.")}</p> }.into_any()
            } else {
                view! {
                    <ActionForm action=add attr:class="stack-form" attr:novalidate=true attr:aria-labelledby="add-address">
                        <FormPage/>
                        <FormErrors messages=form_error(added, ADDRESS_FIELDS)/>
                        <AddressFields address=Address { country: "US".into(), ..Default::default() } refused=added/>
                        {(!first).then(|| view! { <DefaultChoice/> })}
                        <SubmitOnce label="Save address" busy="Saving…"/>
                    </ActionForm>
                }
                .into_any()
            }}
        </section>
    }
}

/// One saved address: its lines, whether it is the default, and what can be done with it.
#[component]
fn AddressCard(
    saved: SavedAddress,
    delete: ServerAction<DeleteAddress>,
    make_default: ServerAction<MakeDefaultAddress>,
) -> impl IntoView {
    let summary = saved.address.lines().join(", ");
    let (edit_label, default_label, delete_label) =
        (format!("Edit {summary}"), format!("Make default: {summary}"), format!("Delete {summary}"));
    view! {
        <li class="address-card">
            <AddressLines address=saved.address.clone()/>
            {saved.default.then(|| view! { <span class="account__badge">"Default"</span> })}
            <div class="address-card__actions">
                <a class="button" href=format!("/account/addresses/{}", saved.id) aria-label=edit_label>"Edit"</a>
                {(!saved.default).then(|| view! {
                    <ActionForm action=make_default attr:class="inline-form">
                        <FormPage/>
                        <input type="hidden" name="id" value=saved.id/>
                        <button type="submit" class="button" aria-label=default_label>"Make default"</button>
                    </ActionForm>
                })}
                <ActionForm action=delete attr:class="inline-form">
                    <FormPage/>
                    <input type="hidden" name="id" value=saved.id/>
                    <button type="submit" class="button button--link" aria-label=delete_label>"Delete"</button>
                </ActionForm>
            </div>
        </li>
    }
}

/// "Make this my default address" (the first address is the default anyway).
#[component]
fn DefaultChoice() -> impl IntoView {
    view! {
        <div class="choice">
            <input type="checkbox" id="field-make-default" name="make_default" value="on"/>
            <label for="field-make-default">"Make this my default address"</label>
        </div>
    }
}

/// /account/addresses/:id: one address's edit form.
#[component]
pub fn AddressEditPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i32>().ok());
    let saved = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_saved_address(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Title text="Edit address"/>
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading the address…"</p> }>
            {move || Suspend::new(async move {
                match saved.await {
                    Ok(Some(saved)) => view! { <EditAddress saved/> }.into_any(),
                    Ok(None) => view! { <SignInFirst next="/account/addresses"/> }.into_any(),
                    Err(error) => view! { <PageError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EditAddress(saved: SavedAddress) -> impl IntoView {
    let update = ServerAction::<UpdateAddress>::new();
    let refused = refusal(update.value());
    view! {
        <section class="account address-book">
            <AccountBreadcrumb current="Edit address"/>
            <h1>"Edit address"</h1>
            <ActionForm action=update attr:class="stack-form" attr:novalidate=true>
                <FormPage/>
                <FormErrors messages=form_error(refused, ADDRESS_FIELDS)/>
                <input type="hidden" name="id" value=saved.id/>
                <AddressFields address=saved.address refused/>
                {if saved.default {
                    view! { <p class="field__hint">"This is your default address."</p> }.into_any()
                } else {
                    view! { <DefaultChoice/> }.into_any()
                }}
                <SubmitOnce label="Save changes" busy="Saving…"/>
            </ActionForm>
            <p><a href="/account/addresses">"Back to your addresses"</a></p>
        </section>
    }
}
