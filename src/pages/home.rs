use leptos::prelude::*;
use leptos_meta::{Meta, Title};

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Home"/>
        <Meta name="description" content="Clothing, shoes and goods for every day outdoors."/>
        <section class="hero">
            <h1>"Made for every day outdoors"</h1>
            <p>"Clothing, shoes and goods that last, with free returns within 30 days."</p>
            <a class="button button--primary" href="/products">"Shop all products"</a>
        </section>
    }
}
