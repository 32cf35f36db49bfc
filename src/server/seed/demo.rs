//! The demo catalog's vocabulary: categories, product kinds, names and colours.

/// Sizes of a garment, shoe or pair of socks; `None` for one-size goods.
pub enum Sizes {
    None,
    Apparel,
    Shoes,
    Socks,
}

pub struct Kind {
    pub category: &'static str,
    pub category_name: &'static str,
    pub description: &'static str,
    /// The shape drawn by the image route (`/images/{shape}/{colour}.svg`).
    pub shape: &'static str,
    pub nouns: &'static [&'static str],
    pub sizes: Sizes,
    /// How many colours a product of this kind comes in (0: one colour, no colour option).
    pub colours: usize,
    /// Base price range in cents.
    pub price: (i64, i64),
    pub weight_grams: i32,
}

pub const KINDS: &[Kind] = &[
    Kind {
        category: "t-shirts",
        category_name: "T-Shirts",
        description: "Soft, breathable tees for every day.",
        shape: "tshirt",
        nouns: &["Organic Cotton T-Shirt", "Pocket Tee", "Merino T-Shirt", "Heavyweight Tee", "Long Sleeve Tee"],
        sizes: Sizes::Apparel,
        colours: 4,
        price: (1800, 4500),
        weight_grams: 180,
    },
    Kind {
        category: "hoodies",
        category_name: "Hoodies & Sweatshirts",
        description: "Warm layers with a relaxed fit.",
        shape: "hoodie",
        nouns: &["Pullover Hoodie", "Zip Hoodie", "Crewneck Sweatshirt", "Fleece Hoodie"],
        sizes: Sizes::Apparel,
        colours: 3,
        price: (4800, 9800),
        weight_grams: 520,
    },
    Kind {
        category: "jackets",
        category_name: "Jackets",
        description: "Shells, insulated jackets and everyday outerwear.",
        shape: "jacket",
        nouns: &["Rain Shell", "Insulated Jacket", "Chore Coat", "Windbreaker", "Down Jacket"],
        sizes: Sizes::Apparel,
        colours: 3,
        price: (8900, 27900),
        weight_grams: 650,
    },
    Kind {
        category: "pants",
        category_name: "Pants & Shorts",
        description: "Durable pants and shorts that move with you.",
        shape: "pants",
        nouns: &["Canvas Work Pant", "Trail Pant", "Chino", "Hiking Short", "Jogger"],
        sizes: Sizes::Apparel,
        colours: 3,
        price: (4500, 12900),
        weight_grams: 420,
    },
    Kind {
        category: "shoes",
        category_name: "Shoes",
        description: "Trail runners, boots and everyday sneakers.",
        shape: "shoe",
        nouns: &["Trail Runner", "Hiking Boot", "Canvas Sneaker", "Camp Shoe"],
        sizes: Sizes::Shoes,
        colours: 0,
        price: (7900, 21900),
        weight_grams: 900,
    },
    Kind {
        category: "hats",
        category_name: "Hats & Caps",
        description: "Caps and beanies for sun and cold.",
        shape: "hat",
        nouns: &["Wool Beanie", "Five-Panel Cap", "Bucket Hat", "Trucker Cap"],
        sizes: Sizes::None,
        colours: 4,
        price: (2200, 4200),
        weight_grams: 90,
    },
    Kind {
        category: "bags",
        category_name: "Bags & Packs",
        description: "Daypacks, totes and duffels built to last.",
        shape: "bag",
        nouns: &["Daypack", "Canvas Tote", "Duffel Bag", "Sling Bag", "Rolltop Backpack"],
        sizes: Sizes::None,
        colours: 0,
        price: (3500, 18900),
        weight_grams: 800,
    },
    Kind {
        category: "socks",
        category_name: "Socks",
        description: "Merino and cotton socks for hiking and every day.",
        shape: "sock",
        nouns: &["Merino Hiking Sock", "Crew Sock", "Ankle Sock"],
        sizes: Sizes::Socks,
        colours: 3,
        price: (1400, 2800),
        weight_grams: 70,
    },
    Kind {
        category: "drinkware",
        category_name: "Mugs & Drinkware",
        description: "Mugs, bottles and camp cups.",
        shape: "mug",
        nouns: &["Enamel Mug", "Insulated Bottle", "Camp Cup", "Stoneware Mug"],
        sizes: Sizes::None,
        colours: 0,
        price: (1600, 4200),
        weight_grams: 350,
    },
    Kind {
        category: "accessories",
        category_name: "Accessories",
        description: "Belts, gloves, scarves and the small things.",
        shape: "scarf",
        nouns: &["Wool Scarf", "Leather Belt", "Fleece Gloves", "Bandana"],
        sizes: Sizes::None,
        colours: 0,
        price: (1500, 6900),
        weight_grams: 120,
    },
];

pub const NAMES: &[&str] = &[
    "Ridge", "Harbor", "Summit", "Cedar", "Drift", "Alder", "Basin", "Canyon", "Delta", "Fjord", "Glacier", "Heath",
    "Juniper", "Kestrel", "Lumen", "Meadow", "Nimbus", "Orchard", "Pioneer", "Quarry", "Ranger", "Sierra", "Timber",
    "Upland", "Vale", "Willow", "Yarrow", "Zephyr",
];

pub const BRANDS: &[&str] = &["Kestrel", "Northfold", "Alder & Pine", "Tideline", "Basecamp Co."];

/// (name, CSS colour)
pub const COLOURS: &[(&str, &str)] = &[
    ("Black", "#1c1c1a"),
    ("White", "#f4f4f0"),
    ("Navy", "#1f2a44"),
    ("Forest", "#1f4d3a"),
    ("Rust", "#a4471f"),
    ("Sand", "#d8c8a8"),
    ("Heather Grey", "#9a9a98"),
    ("Ocean", "#2a6f97"),
    ("Burgundy", "#6d1f2f"),
    ("Mustard", "#c99a1b"),
];

pub const APPAREL_SIZES: &[&str] = &["XS", "S", "M", "L", "XL", "XXL"];
pub const SHOE_SIZES: &[&str] = &["38", "39", "40", "41", "42", "43", "44", "45", "46"];
pub const SOCK_SIZES: &[&str] = &["S/M", "L/XL"];

pub const TAGS: &[&str] = &["new", "organic", "recycled", "bestseller", "outdoor", "everyday"];
