//! Products: the list, a new product, and one product's page — its details and status, options and
//! values, variants (price, compare-at price, for sale) and pictures — each change through
//! `services::catalog_admin`, which writes the audit entry and the catalog change every node follows.

use axum::Extension;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use leptos::prelude::*;

use super::layout::{self, Notice, Section};
use super::{Admin, Done, Fields, PageResult, done, field, id_of, refused_status};
use crate::error::AppError;
use crate::model::catalog::product_path;
use crate::server::services::audit::{self, Subject};
use crate::server::services::catalog_admin::{self, ProductForm, ProductSheet, ProductStatus, VariantForm};
use crate::server::services::media;
use crate::server::state::AppState;

fn product_form(fields: &Fields) -> Result<ProductForm, AppError> {
    let get = |name: &str| fields.get(name).map_or("", String::as_str);
    ProductForm::parse(get("title"), get("slug"), get("brand"), get("description"), get("category"))
}

/// Minor units as the price field shows them ("25.50").
fn amount(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

pub async fn list(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Query(query): Query<Fields>,
) -> PageResult {
    list_page(&state, &admin, &query, StatusCode::OK, None).await
}

async fn list_page(
    state: &AppState,
    admin: &Admin,
    query: &Fields,
    mut status: StatusCode,
    mut notice: Option<Notice>,
) -> PageResult {
    let mut refuse = |message: &str| {
        status = StatusCode::UNPROCESSABLE_ENTITY;
        notice = Some(Notice::Refused(message.to_owned()));
    };
    let chosen = match field(query, "status") {
        "" => None,
        value => {
            let parsed = ProductStatus::parse(value);
            if parsed.is_none() {
                refuse("Pick a status from the list.");
            }
            parsed
        }
    };
    let page = match field(query, "page") {
        "" => 1,
        value => value.parse::<u64>().ok().filter(|p| *p >= 1).unwrap_or_else(|| {
            refuse("A page is a number from 1.");
            1
        }),
    };
    let search = field(query, "q").to_owned();
    let (rows, total) = catalog_admin::list(&state.db, &search, chosen, page).await?;
    let pages = total.div_ceil(catalog_admin::PAGE_SIZE).max(1);
    let categories = catalog_admin::categories(&state.db).await?;
    let link = |page: u64| {
        let mut pairs = vec![("q", search.clone()), ("page", page.to_string())];
        if let Some(status) = chosen {
            pairs.push(("status", status.as_str().to_owned()));
        }
        format!("/admin/products?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
    };
    let pager = (pages > 1).then(|| {
        let previous = (page > 1).then(|| view! { <a rel="prev" href=link(page - 1)>"Previous page"</a> });
        let next = (page < pages).then(|| view! { <a rel="next" href=link(page + 1)>"Next page"</a> });
        view! { <nav class="pager" aria-label="Pages">{previous}<span>{format!("Page {page} of {pages}")}</span>{next}</nav> }
    });
    let statuses = ProductStatus::ALL
        .into_iter()
        .map(|s| view! { <option value=s.as_str() selected=chosen == Some(s)>{s.label()}</option> })
        .collect_view();
    let table_rows = rows
        .into_iter()
        .map(|row| {
            let label = ProductStatus::parse(&row.status).map_or("", ProductStatus::label);
            view! {
                <tr>
                    <td><a href=format!("/admin/products/{}", row.id)>{row.title}</a></td>
                    <td>{label}</td>
                    <td class="num">{format!("{} of {}", row.active_variants, row.variants)}</td>
                    <td class="num">{row.stock}</td>
                </tr>
            }
        })
        .collect_view();
    let content = view! {
        <h1>"Products"</h1>
        <form class="filters" method="get" action="/admin/products">
            <label>"Title, brand or SKU"<input type="search" name="q" value=search.clone()/></label>
            <label>"Status"<select name="status"><option value="">"Any"</option>{statuses}</select></label>
            <button type="submit">"Filter"</button>
            <a href="/admin/products">"Clear"</a>
        </form>
        <p class="quiet">{format!("{total} products")}</p>
        <table>
            <caption class="visually-hidden">"Products, newest first"</caption>
            <thead><tr><th scope="col">"Product"</th><th scope="col">"Status"</th><th scope="col" class="num">"Variants for sale"</th><th scope="col" class="num">"On hand"</th></tr></thead>
            <tbody>{table_rows}</tbody>
        </table>
        {pager}
        <form class="stock" method="post" action="/admin/products">
            <h2>"New product"</h2>
            {details_fields(None, &categories, query)}
            <button type="submit">"Create product"</button>
        </form>
    };
    Ok(layout::page(status, "Products", &admin.0, Section::Products, notice, content))
}

/// The detail fields of a product's form, filled from the product, or from what was typed.
fn details_fields(
    product: Option<&crate::server::entities::product::Model>,
    categories: &[crate::server::entities::category::Model],
    typed: &Fields,
) -> impl IntoView + use<> {
    let value = |name: &str, saved: Option<String>| typed.get(name).cloned().or(saved).unwrap_or_default();
    let title = value("title", product.map(|p| p.title.clone()));
    let slug = value("slug", product.map(|p| p.slug.clone()));
    let brand = value("brand", product.map(|p| p.brand.clone()));
    let description = value("description", product.map(|p| p.description.clone()));
    let category = value("category", product.map(|p| p.category_id.to_string()));
    let options = categories
        .iter()
        .map(|c| {
            let id = c.id.to_string();
            view! { <option value=id.clone() selected=id == category>{c.name.clone()}</option> }
        })
        .collect_view();
    view! {
        <label for="title">"Title"</label>
        <input id="title" name="title" required maxlength="120" value=title/>
        <label for="slug">"Web address (/p/…; empty: made from the title)"</label>
        <input id="slug" name="slug" maxlength="80" pattern="[a-z0-9]+(-[a-z0-9]+)*" value=slug/>
        <label for="brand">"Brand"</label>
        <input id="brand" name="brand" required maxlength="80" value=brand/>
        <label for="category">"Category"</label>
        <select id="category" name="category" required>{options}</select>
        <label for="description">"Description"</label>
        <textarea id="description" name="description" rows="5" maxlength="5000">{description}</textarea>
    }
}

pub async fn create(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let created = match product_form(&fields) {
        Ok(form) => catalog_admin::create(&state.db, &admin.actor(), &form).await,
        Err(error) => Err(error),
    };
    match created {
        Ok(id) => Ok(done(&format!("/admin/products/{id}"), Done::ProductCreated)),
        Err(error) => {
            let Some(status) = refused_status(&error) else { return Err(error.into()) };
            let (_, notice) = layout::refusal(&error);
            list_page(&state, &admin, &fields, status, Some(notice)).await
        }
    }
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Query(query): Query<Fields>,
) -> PageResult {
    product_page(&state, &admin, &id, StatusCode::OK, Done::notice(&query), &Fields::new()).await
}

async fn product_page(
    state: &AppState,
    admin: &Admin,
    id: &str,
    status: StatusCode,
    notice: Option<Notice>,
    typed: &Fields,
) -> PageResult {
    let found = match id_of(id) {
        Some(id) => catalog_admin::sheet(&state.db, id).await?,
        None => None,
    };
    let Some(sheet) = found else {
        let content = view! { <h1>"No such product"</h1><p><a href="/admin/products">"All products"</a></p> };
        return Ok(layout::page(
            StatusCode::NOT_FOUND,
            "No such product",
            &admin.0,
            Section::Products,
            notice,
            content,
        ));
    };
    let categories = catalog_admin::categories(&state.db).await?;
    let audit = audit::of(&state.db, &Subject::Product(sheet.product.id), 100).await?;
    let base = format!("/admin/products/{}", sheet.product.id);
    let product = &sheet.product;
    let current = ProductStatus::parse(&product.status);
    let store_link = (current == Some(ProductStatus::Active))
        .then(|| view! { <a href=product_path(&product.slug)>"View in the store"</a> });
    let status_buttons = ProductStatus::ALL
        .into_iter()
        .filter(|s| Some(*s) != current)
        .map(|s| {
            let label = match s {
                ProductStatus::Active => "Publish",
                ProductStatus::Archived => "Archive",
                ProductStatus::Draft if current == Some(ProductStatus::Archived) => "Unarchive (to draft)",
                ProductStatus::Draft => "Back to draft",
            };
            view! { <button type="submit" name="status" value=s.as_str()>{label}</button> }
        })
        .collect_view();
    let title = product.title.clone();
    let content = view! {
        <p><a href="/admin/products">"Products"</a></p>
        <h1>{title.clone()}</h1>
        <dl class="facts">
            <dt>"Status"</dt><dd>{current.map_or("", ProductStatus::label)}" "{store_link}</dd>
        </dl>
        <form class="inline" method="post" action=format!("{base}/status")>
            <span class="quiet">"Change status:"</span>
            {status_buttons}
        </form>
        <div class="columns">
            <div>
                {variants_section(&sheet, &base, typed)}
                {options_section(&sheet, &base)}
            </div>
            <div>
                <form class="stock" method="post" action=base.clone()>
                    <h2>"Details"</h2>
                    {details_fields(Some(product), &categories, typed)}
                    <button type="submit">"Save details"</button>
                </form>
                {images_section(&sheet, &base)}
            </div>
        </div>
        {layout::audit_table(audit)}
    };
    Ok(layout::page(status, &title, &admin.0, Section::Products, notice, content))
}

fn variants_section(sheet: &ProductSheet, base: &str, typed: &Fields) -> impl IntoView + use<> {
    let rows = sheet
        .variants
        .iter()
        .map(|(v, label)| {
            let form_id = format!("variant-{}", v.id);
            let sku = v.sku.clone();
            view! {
                <tr>
                    <td><a href=format!("/admin/inventory/{}", super::inventory::urlencoding_path(&v.sku))>{v.sku.clone()}</a></td>
                    <td>{if label.is_empty() { "—".to_owned() } else { label.clone() }}</td>
                    <td><input form=form_id.clone() name="price" inputmode="decimal" size="8" required value=amount(v.price) aria-label=format!("Price of {sku}")/></td>
                    <td><input form=form_id.clone() name="compare_at" inputmode="decimal" size="8" value=v.compare_at_price.map(amount).unwrap_or_default() aria-label=format!("Compare-at price of {sku}")/></td>
                    <td><input form=form_id.clone() type="checkbox" name="active" value="on" checked=v.active aria-label=format!("{sku} for sale")/></td>
                    <td class="num">{v.stock}</td>
                    <td><button form=form_id type="submit" aria-label=format!("Save {sku}")>"Save"</button></td>
                </tr>
            }
        })
        .collect_view();
    let forms = sheet
        .variants
        .iter()
        .map(|(v, _)| view! { <form id=format!("variant-{}", v.id) method="post" action=format!("{base}/variants/{}", v.id)></form> })
        .collect_view();
    let empty = sheet.variants.is_empty().then(|| {
        view! { <p class="quiet">"No variants yet: a product is sold as its variants (one per combination of options)."</p> }
    });
    let pickers = sheet
        .options
        .iter()
        .map(|o| {
            let id = format!("value-{}", o.option.id);
            let values = o
                .values
                .iter()
                .map(|v| view! { <option value=v.id.to_string()>{v.value.clone()}</option> })
                .collect_view();
            view! {
                <label for=id.clone()>{o.option.name.clone()}</label>
                <select id=id.clone() name=id required><option value="">"Choose…"</option>{values}</select>
            }
        })
        .collect_view();
    let typed_value = |name: &str| typed.get(name).cloned().unwrap_or_default();
    view! {
        <h2>"Variants"</h2>
        {empty}
        <table>
            <caption class="visually-hidden">"Variants: price, compare-at price, for sale"</caption>
            <thead><tr><th scope="col">"SKU"</th><th scope="col">"Options"</th><th scope="col">"Price"</th><th scope="col">"Compare at"</th><th scope="col">"For sale"</th><th scope="col" class="num">"On hand"</th><th scope="col"><span class="visually-hidden">"Save"</span></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {forms}
        <form class="stock" method="post" action=format!("{base}/variants")>
            <h3>"Add a variant"</h3>
            <label for="sku">"SKU"</label>
            <input id="sku" name="sku" required maxlength="64" value=typed_value("sku")/>
            {pickers}
            <label for="price">"Price"</label>
            <input id="price" name="price" required inputmode="decimal" value=typed_value("price")/>
            <label for="compare_at">"Compare-at price (optional, above the price)"</label>
            <input id="compare_at" name="compare_at" inputmode="decimal" value=typed_value("compare_at")/>
            <label for="weight">"Weight in grams"</label>
            <input id="weight" name="weight" type="number" min="0" max="100000" value=typed.get("weight").cloned().unwrap_or_else(|| "500".into())/>
            <label for="stock">"Opening stock (received)"</label>
            <input id="stock" name="stock" type="number" min="0" value=typed_value("stock")/>
            <button type="submit">"Add variant"</button>
        </form>
    }
}

fn options_section(sheet: &ProductSheet, base: &str) -> impl IntoView + use<> {
    let options = sheet
        .options
        .iter()
        .map(|o| {
            let values = o.values.iter().map(|v| v.value.clone()).collect::<Vec<_>>().join(", ");
            let value_id = format!("new-value-{}", o.option.id);
            let swatch_id = format!("new-swatch-{}", o.option.id);
            let name = o.option.name.clone();
            view! {
                <form class="stock" method="post" action=format!("{base}/options/{}/values", o.option.id)>
                    <h3>{name.clone()}</h3>
                    <p>{if values.is_empty() { "No values yet.".to_owned() } else { values }}</p>
                    <label for=value_id.clone()>{format!("New value of {name}")}</label>
                    <input id=value_id name="value" required maxlength="40"/>
                    <label for=swatch_id.clone()>"Swatch colour (optional, e.g. #1f4d3a)"</label>
                    <input id=swatch_id name="swatch" maxlength="7" pattern="#[0-9a-fA-F]{6}"/>
                    <button type="submit">{format!("Add to {name}")}</button>
                </form>
            }
        })
        .collect_view();
    let can_add = sheet.variants.is_empty() && sheet.options.len() < catalog_admin::MAX_OPTIONS;
    let add = can_add.then(|| {
        view! {
            <form class="stock" method="post" action=format!("{base}/options")>
                <label for="option-name">"New option (e.g. Size, Color)"</label>
                <input id="option-name" name="name" required maxlength="40"/>
                <button type="submit">"Add option"</button>
            </form>
        }
    });
    view! {
        <h2>"Options"</h2>
        {options}
        {add}
    }
}

fn images_section(sheet: &ProductSheet, base: &str) -> impl IntoView + use<> {
    let pictures = sheet
        .images
        .iter()
        .map(|image| {
            let shows = image.option_value_id.and_then(|id| sheet.value_label(id)).unwrap_or_else(|| "All variants".into());
            view! {
                <li>
                    <img src=image.url.clone() alt=image.alt.clone() width="96" height=(96 * image.height / image.width.max(1)).to_string()/>
                    <span>{image.alt.clone()}" · "{shows}</span>
                    <form method="post" action=format!("{base}/images/{}/remove", image.id)>
                        <button class="danger" type="submit" aria-label=format!("Remove picture: {}", image.alt)>"Remove"</button>
                    </form>
                </li>
            }
        })
        .collect_view();
    let values = sheet
        .options
        .iter()
        .flat_map(|o| o.values.iter().map(move |v| (v.id, format!("{}: {}", o.option.name, v.value))))
        .map(|(id, label)| view! { <option value=id.to_string()>{label}</option> })
        .collect_view();
    let accept = media::ImageKind::ALL.map(media::ImageKind::content_type).join(",");
    view! {
        <h2>"Pictures"</h2>
        <ul class="pictures">{pictures}</ul>
        <form class="stock" method="post" action=format!("{base}/images") enctype="multipart/form-data">
            <label for="image">{format!("Picture (PNG, JPEG or WebP, at most {} MB)", media::MAX_IMAGE_BYTES / (1024 * 1024))}</label>
            <input id="image" name="image" type="file" required accept=accept/>
            <label for="alt">"Description for screen readers (empty: the product's title)"</label>
            <input id="alt" name="alt" maxlength="200"/>
            <label for="shows">"Shown for"</label>
            <select id="shows" name="value"><option value="">"All variants"</option>{values}</select>
            <button type="submit">"Upload picture"</button>
        </form>
    }
}

/// A refused change: the product's page again, with the reason and the status, keeping what was typed.
async fn refused(state: &AppState, admin: &Admin, id: &str, error: AppError, typed: &Fields) -> PageResult {
    let (status, notice) = match &error {
        AppError::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            Notice::Refused(format!("Pictures are at most {} MB.", media::MAX_IMAGE_BYTES / (1024 * 1024))),
        ),
        other => {
            let Some(status) = refused_status(other) else { return Err(error.into()) };
            (status, layout::refusal(other).1)
        }
    };
    product_page(state, admin, id, status, Some(notice), typed).await
}

/// The page after a change, or the refusal.
async fn answer(
    state: &AppState,
    admin: &Admin,
    id: &str,
    result: Result<(), AppError>,
    what: Done,
    typed: &Fields,
) -> PageResult {
    match (result, id_of(id)) {
        (Ok(()), Some(number)) => Ok(done(&format!("/admin/products/{number}"), what)),
        (Ok(()), None) => refused(state, admin, id, AppError::NotFound, typed).await,
        (Err(error), _) => refused(state, admin, id, error, typed).await,
    }
}

pub async fn update(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let result = match (id_of(&id), product_form(&fields)) {
        (None, _) => Err(AppError::NotFound),
        (_, Err(error)) => Err(error),
        (Some(number), Ok(form)) => catalog_admin::update(&state.db, &admin.actor(), number, &form).await,
    };
    answer(&state, &admin, &id, result, Done::ProductSaved, &fields).await
}

pub async fn set_status(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let result = match (id_of(&id), ProductStatus::parse(field(&fields, "status"))) {
        (None, _) => Err(AppError::NotFound),
        (_, None) => Err(AppError::invalid("status", "Choose publish, archive or draft.")),
        (Some(number), Some(status)) => catalog_admin::set_status(&state.db, &admin.actor(), number, status).await,
    };
    answer(&state, &admin, &id, result, Done::ProductSaved, &Fields::new()).await
}

pub async fn add_option(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let result = match id_of(&id) {
        None => Err(AppError::NotFound),
        Some(number) => catalog_admin::add_option(&state.db, &admin.actor(), number, field(&fields, "name")).await,
    };
    answer(&state, &admin, &id, result, Done::OptionsSaved, &Fields::new()).await
}

pub async fn add_value(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path((id, option)): Path<(String, String)>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let result = match (id_of(&id), id_of(&option)) {
        (Some(number), Some(option)) => {
            let (value, swatch) = (field(&fields, "value"), field(&fields, "swatch"));
            catalog_admin::add_value(&state.db, &admin.actor(), number, option, value, swatch).await
        }
        _ => Err(AppError::NotFound),
    };
    answer(&state, &admin, &id, result, Done::OptionsSaved, &Fields::new()).await
}

pub async fn add_variant(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    // One `value-{option id}` field per option of the product ("": not chosen, which the service names).
    let values: Vec<&str> = fields
        .iter()
        .filter(|(name, value)| name.starts_with("value-") && !value.trim().is_empty())
        .map(|(_, value)| value.as_str())
        .collect();
    let parsed = VariantForm::parse(
        field(&fields, "sku"),
        field(&fields, "price"),
        field(&fields, "compare_at"),
        field(&fields, "weight"),
        field(&fields, "stock"),
        &values,
    );
    let result = match (id_of(&id), parsed) {
        (None, _) => Err(AppError::NotFound),
        (_, Err(error)) => Err(error),
        (Some(number), Ok(form)) => catalog_admin::add_variant(&state.db, &admin.actor(), number, &form).await,
    };
    answer(&state, &admin, &id, result, Done::VariantAdded, &fields).await
}

pub async fn update_variant(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path((id, variant)): Path<(String, String)>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let prices = catalog_admin::parse_prices(field(&fields, "price"), field(&fields, "compare_at"));
    let active = field(&fields, "active") == "on";
    let result = match (id_of(&id), id_of(&variant), prices) {
        (Some(number), Some(variant), Ok(prices)) => {
            catalog_admin::update_variant(&state.db, &admin.actor(), number, variant, prices, active).await
        }
        (Some(_), Some(_), Err(error)) => Err(error),
        _ => Err(AppError::NotFound),
    };
    answer(&state, &admin, &id, result, Done::VariantSaved, &Fields::new()).await
}

/// The upload form's parts: the picture's bytes, its description and the value it is shown for.
async fn read_upload(upload: Result<Multipart, MultipartRejection>) -> Result<(Vec<u8>, String, String), AppError> {
    let cut_short = |error: axum::extract::multipart::MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::invalid("image", "The upload did not arrive whole: choose the picture and send it again.")
        }
    };
    let mut upload = upload.map_err(|_| AppError::invalid("image", "Choose an image file to upload."))?;
    let (mut bytes, mut alt, mut value) = (Vec::new(), String::new(), String::new());
    while let Some(part) = upload.next_field().await.map_err(cut_short)? {
        match part.name() {
            Some("image") => bytes = part.bytes().await.map_err(cut_short)?.to_vec(),
            Some("alt") => alt = part.text().await.map_err(cut_short)?,
            Some("value") => value = part.text().await.map_err(cut_short)?,
            _ => {}
        }
    }
    Ok((bytes, alt, value))
}

pub async fn add_image(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    upload: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let result = async {
        let number = id_of(&id).ok_or(AppError::NotFound)?;
        let (bytes, alt, value) = read_upload(upload).await?;
        let value_id = match value.trim() {
            "" => None,
            typed => Some(typed.parse::<i32>().map_err(|_| AppError::invalid("value", "Pick a value from the list."))?),
        };
        let dir = &state.settings.media_dir;
        catalog_admin::add_image(&state.db, &admin.actor(), dir, number, &bytes, &alt, value_id).await
    }
    .await;
    answer(&state, &admin, &id, result, Done::ImageAdded, &Fields::new()).await
}

pub async fn remove_image(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path((id, image)): Path<(String, String)>,
) -> PageResult {
    let result = match (id_of(&id), id_of(&image)) {
        (Some(number), Some(image)) => catalog_admin::remove_image(&state.db, &admin.actor(), number, image).await,
        _ => Err(AppError::NotFound),
    };
    answer(&state, &admin, &id, result, Done::ImageRemoved, &Fields::new()).await
}
