//! The fields of a postal address (name, street, city, country, state, postal code), with the last
//! refusal beside each: the checkout's details step and the address book share them.

use leptos::prelude::*;

use crate::components::form::{Field, field_error};
use crate::error::AppError;
use crate::model::checkout::{Address, COUNTRIES, regions};

/// An address as printed on a label, one line each (a saved address's card).
#[component]
pub fn AddressLines(address: Address) -> impl IntoView {
    view! { <address>{address.lines().into_iter().map(|line| view! { <span>{line}</span> }).collect_view()}</address> }
}

/// The address's fields, filled with `address`; `refused`: the form's last refusal.
#[component]
pub fn AddressFields(address: Address, refused: Signal<Option<AppError>>) -> impl IntoView {
    let (country, region) = (address.country.clone(), address.region.clone());
    view! {
        <Field name="name" label="Full name" autocomplete="name" value=address.name error=field_error(refused, "name")/>
        <Field name="line1" label="Street address" autocomplete="address-line1" value=address.line1 error=field_error(refused, "line1")/>
        <Field name="line2" label="Apartment, suite, etc." autocomplete="address-line2" required=false value=address.line2 error=field_error(refused, "line2")/>
        <Field name="city" label="City" autocomplete="address-level2" value=address.city error=field_error(refused, "city")/>
        <AddressSelects country region/>
        <Field name="postal_code" label="Postal code" autocomplete="postal-code" value=address.postal_code error=field_error(refused, "postal_code")/>
    }
}

/// Country and state selects with the saved choice (server-rendered: the lists never change in the page).
#[component]
fn AddressSelects(country: String, region: String) -> impl IntoView {
    view! {
        <div class="field">
            <label for="field-country">"Country"</label>
            <select id="field-country" name="country" autocomplete="country">
                {COUNTRIES.iter().map(|(code, name)| {
                    view! { <option value=*code selected=country == *code>{*name}</option> }
                }).collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="field-region">"State / province"</label>
            <select id="field-region" name="region" autocomplete="address-level1" aria-describedby="field-region-hint">
                <option value="">"—"</option>
                {COUNTRIES.iter().filter(|(code, _)| !regions(code).is_empty()).map(|(code, name)| {
                    view! {
                        <optgroup label=*name>
                            {regions(code).iter().map(|(r, label)| {
                                view! { <option value=*r selected=region == *r>{*label}</option> }
                            }).collect_view()}
                        </optgroup>
                    }
                }).collect_view()}
            </select>
            <p class="field__hint" id="field-region-hint">"Needed in the US, Canada and Australia."</p>
        </div>
    }
}
