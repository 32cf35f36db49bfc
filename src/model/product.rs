//! A product page's data and the pure rules for picking a variant from option values. Shared by the
//! server (which renders the chosen variant) and the browser (which switches variants without a reload).

use serde::{Deserialize, Serialize};

use super::catalog::Image;
use super::money::Money;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionValue {
    pub id: i32,
    pub label: String,
    pub swatch: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductOption {
    pub name: String,
    pub values: Vec<OptionValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub sku: String,
    /// One value id per option, in the product's option order.
    pub value_ids: Vec<i32>,
    pub price: Money,
    pub compare_at: Option<Money>,
    pub stock: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantImage {
    pub image: Image,
    /// The option value (a colour) these images belong to; `None` for every variant.
    pub value_id: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub brand: String,
    pub category_slug: String,
    pub category_name: String,
    pub options: Vec<ProductOption>,
    pub variants: Vec<Variant>,
    pub images: Vec<VariantImage>,
}

impl ProductDetail {
    /// schema.org Product with one Offer per variant (price, currency, availability), for search engines.
    pub fn json_ld(&self, base: &str) -> serde_json::Value {
        let url = format!("{base}/p/{}", self.slug);
        let offers: Vec<serde_json::Value> = self
            .variants
            .iter()
            .map(|v| {
                let availability = if v.stock > 0 { "InStock" } else { "OutOfStock" };
                serde_json::json!({
                    "@type": "Offer",
                    "sku": v.sku,
                    "name": self.variant_label(v),
                    "price": v.price.decimal(),
                    "priceCurrency": v.price.currency.code(),
                    "availability": format!("https://schema.org/{availability}"),
                    "url": super::catalog::variant_url(&url, &v.sku),
                })
            })
            .collect();
        let images: Vec<String> = self.images.iter().map(|i| format!("{base}{}", i.image.url)).collect();
        serde_json::json!({
            "@context": "https://schema.org",
            "@type": "Product",
            "name": self.title,
            "description": self.description,
            "brand": { "@type": "Brand", "name": self.brand },
            "category": self.category_name,
            "url": url,
            "image": images,
            "sku": self.variants.first().map(|v| v.sku.clone()),
            "offers": offers,
        })
    }
}

/// How a value shows in its picker given the rest of the selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueState {
    Available,
    SoldOut,
    /// No variant has this value with the rest of the selection.
    Unavailable,
}

/// What the shopper reads next to the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockLevel {
    InStock,
    Low(i32),
    SoldOut,
}

impl StockLevel {
    pub const LOW_AT: i32 = 5;

    pub fn of(stock: i32) -> StockLevel {
        match stock {
            s if s <= 0 => StockLevel::SoldOut,
            s if s <= Self::LOW_AT => StockLevel::Low(s),
            _ => StockLevel::InStock,
        }
    }

    pub fn message(self) -> String {
        match self {
            StockLevel::InStock => "In stock".into(),
            StockLevel::Low(n) => format!("Only {n} left"),
            StockLevel::SoldOut => "Sold out".into(),
        }
    }
}

impl ProductDetail {
    pub fn variant_by_sku(&self, sku: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.sku.eq_ignore_ascii_case(sku))
    }

    /// The variant a page shows: the one asked for by SKU, else the first in stock, else the first.
    pub fn selected(&self, sku: Option<&str>) -> Option<&Variant> {
        sku.and_then(|s| self.variant_by_sku(s))
            .or_else(|| self.variants.iter().find(|v| v.stock > 0))
            .or_else(|| self.variants.first())
    }

    /// The variant with `value_id` for option `option`, keeping the rest of `current` where possible.
    /// Falls back to the first variant that has the value (preferring one in stock).
    pub fn switch(&self, current: &Variant, option: usize, value_id: i32) -> Option<&Variant> {
        let mut wanted = current.value_ids.clone();
        if let Some(slot) = wanted.get_mut(option) {
            *slot = value_id;
        }
        self.variants.iter().find(|v| v.value_ids == wanted).or_else(|| {
            let with_value = |v: &&Variant| v.value_ids.get(option) == Some(&value_id);
            self.variants
                .iter()
                .filter(with_value)
                .find(|v| v.stock > 0)
                .or_else(|| self.variants.iter().find(with_value))
        })
    }

    pub fn value_state(&self, current: &Variant, option: usize, value_id: i32) -> ValueState {
        let mut wanted = current.value_ids.clone();
        if let Some(slot) = wanted.get_mut(option) {
            *slot = value_id;
        }
        match self.variants.iter().find(|v| v.value_ids == wanted) {
            Some(v) if v.stock > 0 => ValueState::Available,
            Some(_) => ValueState::SoldOut,
            None => ValueState::Unavailable,
        }
    }

    /// The images of the variant's colour (and images for every variant); all images when none match.
    pub fn images_for(&self, variant: &Variant) -> Vec<Image> {
        let matching: Vec<Image> = self
            .images
            .iter()
            .filter(|i| i.value_id.is_some_and(|id| variant.value_ids.contains(&id)))
            .chain(self.images.iter().filter(|i| i.value_id.is_none()))
            .map(|i| i.image.clone())
            .collect();
        if matching.is_empty() { self.images.iter().map(|i| i.image.clone()).collect() } else { matching }
    }

    /// "Size M / Black" for the variant.
    pub fn variant_label(&self, variant: &Variant) -> String {
        self.options
            .iter()
            .zip(&variant.value_ids)
            .filter_map(|(option, id)| option.values.iter().find(|v| v.id == *id).map(|v| v.label.clone()))
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::money::Currency;

    fn variant(sku: &str, value_ids: &[i32], stock: i32) -> Variant {
        Variant {
            sku: sku.into(),
            value_ids: value_ids.to_vec(),
            price: Money::new(2000, Currency::Usd),
            compare_at: None,
            stock,
        }
    }

    fn image(url: &str, value_id: Option<i32>) -> VariantImage {
        VariantImage { image: Image { url: url.into(), alt: url.into(), width: 800, height: 800 }, value_id }
    }

    /// Colours 1 (Black), 2 (Navy); sizes 10 (S), 11 (M). Navy/M does not exist; Black/M is sold out.
    fn tee() -> ProductDetail {
        let value = |id, label: &str| OptionValue { id, label: label.into(), swatch: None };
        ProductDetail {
            slug: "tee".into(),
            title: "Tee".into(),
            description: String::new(),
            brand: String::new(),
            category_slug: "t-shirts".into(),
            category_name: "T-Shirts".into(),
            options: vec![
                ProductOption { name: "Color".into(), values: vec![value(1, "Black"), value(2, "Navy")] },
                ProductOption { name: "Size".into(), values: vec![value(10, "S"), value(11, "M")] },
            ],
            variants: vec![
                variant("T-BLK-S", &[1, 10], 3),
                variant("T-BLK-M", &[1, 11], 0),
                variant("T-NVY-S", &[2, 10], 9),
            ],
            images: vec![image("black.svg", Some(1)), image("navy.svg", Some(2)), image("label.svg", None)],
        }
    }

    #[test]
    fn json_ld_has_one_offer_per_variant_with_price_currency_and_availability() {
        let ld = tee().json_ld("https://shop.example");
        assert_eq!(ld["@type"], "Product");
        assert_eq!(ld["url"], "https://shop.example/p/tee");
        let offers = ld["offers"].as_array().unwrap();
        assert_eq!(offers.len(), 3);
        assert_eq!(offers[0]["price"], "20.00");
        assert_eq!(offers[0]["priceCurrency"], "USD");
        assert_eq!(offers[0]["availability"], "https://schema.org/InStock");
        assert_eq!(offers[1]["availability"], "https://schema.org/OutOfStock");
        assert_eq!(offers[2]["url"], "https://shop.example/p/tee?variant=T-NVY-S");
        assert_eq!(ld["image"][0], "https://shop.exampleblack.svg");
    }

    #[test]
    fn the_page_shows_the_asked_variant_else_the_first_in_stock() {
        let p = tee();
        assert_eq!(p.selected(Some("t-nvy-s")).unwrap().sku, "T-NVY-S");
        assert_eq!(p.selected(Some("NOPE")).unwrap().sku, "T-BLK-S");
        assert_eq!(p.selected(None).unwrap().sku, "T-BLK-S");
    }

    #[test]
    fn switching_one_option_keeps_the_others_when_the_combination_exists() {
        let p = tee();
        let black_s = p.variant_by_sku("T-BLK-S").unwrap();
        assert_eq!(p.switch(black_s, 0, 2).unwrap().sku, "T-NVY-S");
        assert_eq!(p.switch(black_s, 1, 11).unwrap().sku, "T-BLK-M");
        let navy_s = p.variant_by_sku("T-NVY-S").unwrap();
        // Navy/M does not exist: the first variant in M is shown instead.
        assert_eq!(p.switch(navy_s, 1, 11).unwrap().sku, "T-BLK-M");
    }

    #[test]
    fn values_show_as_available_sold_out_or_unavailable() {
        let p = tee();
        let navy_s = p.variant_by_sku("T-NVY-S").unwrap();
        assert_eq!(p.value_state(navy_s, 1, 11), ValueState::Unavailable);
        let black_s = p.variant_by_sku("T-BLK-S").unwrap();
        assert_eq!(p.value_state(black_s, 1, 11), ValueState::SoldOut);
        assert_eq!(p.value_state(black_s, 0, 2), ValueState::Available);
    }

    #[test]
    fn each_colour_shows_its_own_images() {
        let p = tee();
        let urls = |v: &Variant| p.images_for(v).into_iter().map(|i| i.url).collect::<Vec<_>>();
        assert_eq!(urls(p.variant_by_sku("T-NVY-S").unwrap()), vec!["navy.svg", "label.svg"]);
        assert_eq!(p.variant_label(p.variant_by_sku("T-BLK-M").unwrap()), "Black / M");
    }

    #[test]
    fn stock_messages() {
        assert_eq!(StockLevel::of(0).message(), "Sold out");
        assert_eq!(StockLevel::of(3).message(), "Only 3 left");
        assert_eq!(StockLevel::of(40).message(), "In stock");
    }
}
