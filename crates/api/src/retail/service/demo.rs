//! Demo retail data: eight regions, a warehouse (store 1) and `stores` stores, about 150
//! products in the contract's beverage categories, staff (number 1 a store manager, number 26
//! a regional manager), inventory for every store and product from 120 days back with weekly
//! deliveries to the warehouse, and orders over the last 90 days with a weekly rhythm, driven
//! through the real state machine in time order (so every reservation and move of stock is in
//! the inventory and its history): old ones mostly fulfilled, some cancelled, a few pending past
//! the two-day service level; recent ones pending and approved.

use chrono::{Duration, NaiveDateTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tessera_domain::retail::{OrderAction, OrderDraft, ProductDraft, StaffDraft, StoreDraft};
use tessera_domain::OrgId;
use tessera_store::retail::orders::{self, Change};
use tessera_store::retail::{inventory, products, staff, stores};
use tessera_store::{DbConn, StoreError};

/// What was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoRetailCounts {
    /// Stores, the warehouse included.
    pub stores: usize,
    /// Products.
    pub products: usize,
    /// Staff members.
    pub staff: usize,
    /// Orders placed.
    pub orders: usize,
}

const REGIONS: [(&str, &[(&str, &str)]); 8] = [
    (
        "Midwest",
        &[("Chicago", "IL"), ("Detroit", "MI"), ("Columbus", "OH")],
    ),
    (
        "Northeast",
        &[("Boston", "MA"), ("New York", "NY"), ("Philadelphia", "PA")],
    ),
    (
        "Southeast",
        &[("Atlanta", "GA"), ("Miami", "FL"), ("Charlotte", "NC")],
    ),
    (
        "South",
        &[("Dallas", "TX"), ("Houston", "TX"), ("Nashville", "TN")],
    ),
    (
        "West",
        &[
            ("Los Angeles", "CA"),
            ("San Diego", "CA"),
            ("San Jose", "CA"),
        ],
    ),
    (
        "Northwest",
        &[("Seattle", "WA"), ("Portland", "OR"), ("Boise", "ID")],
    ),
    (
        "Mountain",
        &[
            ("Denver", "CO"),
            ("Salt Lake City", "UT"),
            ("Billings", "MT"),
        ],
    ),
    (
        "Southwest",
        &[
            ("Phoenix", "AZ"),
            ("Albuquerque", "NM"),
            ("Las Vegas", "NV"),
        ],
    ),
];
const STORE_TYPES: [&str; 6] = [
    "Urban",
    "Suburban",
    "Tourist",
    "Business",
    "Entertainment",
    "Shopping",
];
const PLACES: [&str; 8] = [
    "Downtown",
    "Riverside",
    "Uptown",
    "Harbor",
    "Midtown",
    "Parkside",
    "Airport",
    "Old Town",
];
const CATEGORIES: [(&str, &[&str], f64, f64); 14] = [
    ("Juice", &["Orange", "Apple", "Mango", "Grape"], 14.0, 32.0),
    (
        "Cola",
        &["Classic Cola", "Cherry Cola", "Zero Cola"],
        9.0,
        22.0,
    ),
    (
        "Soda",
        &["Root Beer", "Cream Soda", "Ginger Ale"],
        9.0,
        20.0,
    ),
    (
        "Citrus",
        &["Lemon-Lime", "Grapefruit", "Blood Orange"],
        10.0,
        22.0,
    ),
    ("Tea", &["Green Tea", "Peach Tea", "Black Tea"], 12.0, 28.0),
    (
        "Water",
        &["Spring Water", "Sparkling Water", "Alkaline Water"],
        6.0,
        16.0,
    ),
    ("Coffee", &["Cold Brew", "Iced Latte", "Mocha"], 18.0, 45.0),
    (
        "Energy Drink",
        &["Berry Blast", "Tropical Rush", "Original"],
        20.0,
        48.0,
    ),
    ("Kombucha", &["Ginger", "Hibiscus", "Original"], 22.0, 50.0),
    (
        "Sports Drink",
        &["Lemon", "Glacier", "Fruit Punch"],
        12.0,
        26.0,
    ),
    ("Plant Milk", &["Oat", "Almond", "Soy"], 16.0, 34.0),
    ("Functional", &["Focus", "Calm", "Immunity"], 24.0, 58.0),
    (
        "Vitamin Water",
        &["Power-C", "Revive", "Essential"],
        14.0,
        30.0,
    ),
    ("Mocktail", &["Mojito", "Spritz", "Paloma"], 20.0, 44.0),
];
const BRANDS: [&str; 8] = [
    "Brickhouse",
    "Fizzwell",
    "Summit",
    "Golden Grove",
    "Bluebird",
    "Hearth",
    "Northstar",
    "Cascade",
];
const SIZES: [&str; 4] = ["12x330ml", "24x330ml", "6x2L", "12x500ml"];
const FIRST: [&str; 12] = [
    "John", "Jane", "Maria", "David", "Aisha", "Kenji", "Sofia", "Liam", "Priya", "Marcus",
    "Elena", "Omar",
];
const LAST: [&str; 12] = [
    "Doe", "Smith", "Garcia", "Chen", "Okafor", "Tanaka", "Rossi", "Murphy", "Patel", "Johnson",
    "Novak", "Haddad",
];

/// Store managers numbered before the regional managers, so that staff 26 is one.
const STORE_MANAGERS_FIRST: usize = 25;

enum Event {
    Place(usize),
    Move(usize, OrderAction),
    Deliver(i64, i64),
}

/// Regenerates the organisation's retail data with `store_count` stores besides the warehouse.
pub fn generate(
    conn: &mut DbConn,
    org: OrgId,
    store_count: usize,
    now: NaiveDateTime,
    seed: u64,
) -> Result<DemoRetailCounts, StoreError> {
    let mut rng = StdRng::seed_from_u64(seed);
    tessera_store::retail::clear_all(conn, org)?;
    let start = now - Duration::days(120);
    let field = |e: tessera_domain::DomainError| StoreError::Corrupt(e.to_string());

    // the warehouse, then stores round the regions
    let mut store_drafts = vec![StoreDraft::parse(
        "Main Warehouse",
        "WH001",
        "1200 Distribution Way",
        "Chicago",
        "IL",
        "60608",
        "Midwest",
        "Warehouse",
    )
    .map_err(field)?];
    let mut store_regions = vec![0usize];
    for i in 0..store_count {
        let region = i % REGIONS.len();
        let (name, cities) = REGIONS[region];
        let (city, state) = cities[(i / REGIONS.len()) % cities.len()];
        let place = PLACES[(i / REGIONS.len() / cities.len() + i) % PLACES.len()];
        store_drafts.push(
            StoreDraft::parse(
                &format!("{place} {city} Store"),
                &format!("ST{:03}", i + 2),
                &format!("{} {place} Ave", 100 + i * 7),
                city,
                state,
                &format!("{:05}", 10_000 + i * 137),
                name,
                STORE_TYPES[i % STORE_TYPES.len()],
            )
            .map_err(field)?,
        );
        store_regions.push(region);
    }
    stores::insert_many(conn, org, &store_drafts, start)?;

    let mut product_drafts = Vec::new();
    for (ci, (category, flavours, low, high)) in CATEGORIES.iter().enumerate() {
        for n in 0..11 {
            let brand = BRANDS[(ci + n) % BRANDS.len()];
            let flavour = flavours[n % flavours.len()];
            let size = SIZES[(n + ci) % SIZES.len()];
            let price = ((rng.gen_range(*low..*high)) * 100.0).round() / 100.0;
            product_drafts.push(
                ProductDraft::parse(
                    &format!("{brand} {flavour} {size}"),
                    brand,
                    category,
                    size,
                    price,
                )
                .map_err(field)?,
            );
        }
    }
    products::insert_many(conn, org, &product_drafts, start)?;
    let product_count = product_drafts.len() as i64;

    // staff: store managers of stores 2..=26 are 1..=25, regional managers 26..=33, then the
    // managers of the other stores
    let person = |n: usize, role: &str, store: Option<i64>, region: &str| {
        let (first, last) = (
            FIRST[n % FIRST.len()],
            LAST[(n / FIRST.len() + n) % LAST.len()],
        );
        StaffDraft::parse(
            &format!("{}.{}{n}", first.to_lowercase(), last.to_lowercase()),
            first,
            last,
            &format!(
                "{}.{}{n}@brickhouse.example",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            None,
            role,
            store,
            Some(region),
        )
    };
    let mut staff_drafts = Vec::new();
    let mut manager_of = vec![None; store_drafts.len()];
    let managed_first = store_count.min(STORE_MANAGERS_FIRST);
    enum Post {
        Store(usize),
        Region(usize),
    }
    let posts = (1..=managed_first)
        .map(Post::Store)
        .chain((0..REGIONS.len()).map(Post::Region))
        .chain((managed_first + 1..=store_count).map(Post::Store));
    for post in posts {
        let n = staff_drafts.len();
        let draft = match post {
            Post::Store(s) => {
                manager_of[s] = Some(n as i64 + 1);
                let region = REGIONS[store_regions[s]].0;
                person(n, "store_manager", Some(s as i64 + 1), region)
            }
            Post::Region(r) => person(n, "regional_manager", None, REGIONS[r].0),
        };
        staff_drafts.push(draft.map_err(field)?);
    }
    let regional_first = managed_first as i64 + 1;
    let new_staff: Vec<staff::NewStaff> = staff_drafts
        .into_iter()
        .map(|draft| staff::NewStaff {
            draft,
            user_id: None,
        })
        .collect();
    staff::insert_many(conn, org, &new_staff, start)?;

    // inventory: the warehouse's rows first (numbers 1..=products), then every store's
    let mut items = Vec::new();
    for p in 1..=product_count {
        items.push((1, p, rng.gen_range(3_000..9_000)));
    }
    for s in 2..=store_drafts.len() as i64 {
        for p in 1..=product_count {
            let cases = if rng.gen_ratio(1, 25) {
                rng.gen_range(0..=40)
            } else {
                rng.gen_range(60..400)
            };
            items.push((s, p, cases));
        }
    }
    inventory::insert_many(conn, org, &items, start)?;

    // events in time order: weekly deliveries to the warehouse, and the orders' moves
    let mut events: Vec<(NaiveDateTime, Event)> = Vec::new();
    for week in 1..=17 {
        let at = start + Duration::days(week * 7) + Duration::hours(6);
        if at < now {
            for p in 1..=product_count {
                events.push((at, Event::Deliver(p, rng.gen_range(200..900))));
            }
        }
    }
    let mut drafts: Vec<OrderDraft> = Vec::new();
    for day in (0..90).rev() {
        let midnight = (now - Duration::days(day))
            .date()
            .and_hms_opt(0, 0, 0)
            .unwrap_or(now);
        let weekday = tessera_analytics::retail::forecast::weekday(
            tessera_store::retail::inventory::day_of(midnight),
        );
        let rhythm = [1.0, 1.2, 1.25, 1.2, 1.05, 0.7, 0.5][weekday];
        let count = (14.0 * rhythm + rng.gen_range(0.0..6.0)) as usize;
        for _ in 0..count {
            let placed = midnight + Duration::minutes(rng.gen_range(7 * 60..19 * 60));
            if placed >= now {
                continue;
            }
            let to = rng.gen_range(2..=store_drafts.len());
            let region = store_regions[to - 1];
            let draft = OrderDraft::parse(
                1,
                to as i64,
                rng.gen_range(1..=product_count),
                rng.gen_range(5..=200),
                manager_of[to - 1],
                Some(regional_first + region as i64),
                Some(&format!(
                    "Weekly replenishment for {}",
                    store_drafts[to - 1].name
                )),
            )
            .map_err(field)?;
            let index = drafts.len();
            drafts.push(draft);
            events.push((placed, Event::Place(index)));
            let age = (now - placed).num_hours();
            let roll: f64 = rng.gen();
            let (approve, fulfil, cancel) = match age {
                a if a > 96 => (roll < 0.93, roll < 0.78, (0.78..0.88).contains(&roll)),
                a if a > 24 => (roll < 0.65, roll < 0.35, (0.35..0.45).contains(&roll)),
                _ => (roll < 0.45, roll < 0.1, (0.1..0.15).contains(&roll)),
            };
            let approved_at = placed + Duration::minutes(rng.gen_range(120..1_800));
            let fulfilled_at = approved_at + Duration::minutes(rng.gen_range(360..2_880));
            let latest = now - Duration::minutes(1);
            if approve && approved_at < latest {
                events.push((approved_at, Event::Move(index, OrderAction::Approve)));
                if fulfil && fulfilled_at < latest {
                    events.push((fulfilled_at, Event::Move(index, OrderAction::Fulfil)));
                } else if cancel {
                    events.push((
                        fulfilled_at.min(latest),
                        Event::Move(index, OrderAction::Cancel),
                    ));
                }
            } else if cancel {
                events.push((
                    approved_at.min(latest),
                    Event::Move(index, OrderAction::Cancel),
                ));
            }
        }
    }
    events.sort_by_key(|e| e.0);
    let mut numbers = vec![0i64; drafts.len()];
    for (at, event) in events {
        match event {
            Event::Place(i) => {
                if let Ok(v) = orders::create(conn, org, &drafts[i], at)? {
                    numbers[i] = v.order.number;
                }
            }
            Event::Move(i, action) if numbers[i] > 0 => {
                let change = Change {
                    action,
                    version: None,
                    quantity_cases: None,
                    notes: (action == OrderAction::Cancel)
                        .then(|| Some("Order cancelled by user".to_owned())),
                };
                // a move the stock no longer allows (an approval beyond what is available)
                // leaves the order where it is, as it would in the app
                let _ = orders::apply(conn, org, numbers[i], &change, at)?;
            }
            Event::Move(..) => {}
            Event::Deliver(p, cases) => {
                let _ = inventory::adjust(conn, org, p, cases, at)?;
            }
        }
    }
    tessera_store::db::analyze(
        conn,
        &[
            "retail_stores",
            "retail_products",
            "retail_staff",
            "retail_inventory",
            "retail_inventory_history",
            "retail_orders",
        ],
    )?;
    Ok(DemoRetailCounts {
        stores: store_drafts.len(),
        products: product_drafts.len(),
        staff: new_staff.len(),
        orders: drafts.len(),
    })
}
