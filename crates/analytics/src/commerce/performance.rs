//! Product performance (contract §4.7), geographic analytics (§4.8) and the key metric cards
//! (§4.9), from the per-product, per-region and per-window sums the store reads.

use std::collections::BTreeMap;

use serde::Serialize;
use tessera_domain::commerce::cents;

/// One product's sales in the window, with what the tables show of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductSales {
    /// The product's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its category.
    pub category: String,
    /// Units sold in the window.
    pub units_sold: i64,
    /// Σ price × quantity in the window, in dollars.
    pub revenue: f64,
    /// Units in stock now.
    pub stock_quantity: i64,
}

/// A category's sales in the window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CategoryPerformance {
    /// Σ revenue of its products.
    pub total_revenue: f64,
    /// Σ units of its products.
    pub units_sold: i64,
    /// Units per product with sales in the window.
    pub avg_turnover: f64,
}

/// Product performance: the top `top` products by revenue and every category's sums.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductPerformance {
    /// Best products by revenue, highest first (ties by id).
    pub top_products: Vec<ProductSales>,
    /// Per category.
    pub category_performance: BTreeMap<String, CategoryPerformance>,
}

/// Ranks products with sales by revenue and sums them per category.
pub fn product_performance(sales: &[ProductSales], top: usize) -> ProductPerformance {
    let mut ranked: Vec<ProductSales> =
        sales.iter().filter(|p| p.units_sold > 0).cloned().collect();
    ranked.sort_by(|a, b| b.revenue.total_cmp(&a.revenue).then(a.id.cmp(&b.id)));
    let mut categories: BTreeMap<String, (f64, i64, u64)> = BTreeMap::new();
    for p in &ranked {
        let e = categories.entry(p.category.clone()).or_default();
        e.0 += p.revenue;
        e.1 += p.units_sold;
        e.2 += 1;
    }
    ProductPerformance {
        top_products: ranked.into_iter().take(top).collect(),
        category_performance: categories
            .into_iter()
            .map(|(name, (revenue, units, products))| {
                let turnover = units as f64 / products.max(1) as f64;
                (
                    name,
                    CategoryPerformance {
                        total_revenue: cents(revenue),
                        units_sold: units,
                        avg_turnover: (turnover * 10.0).round() / 10.0,
                    },
                )
            })
            .collect(),
    }
}

/// One region's sales in the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionSales {
    /// The region.
    pub region: String,
    /// Σ amount, in dollars.
    pub total_sales: f64,
    /// Customers of the region who bought.
    pub num_customers: i64,
    /// Distinct products they bought.
    pub num_products: i64,
}

/// A product's units in one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionalPreference {
    /// The product's name.
    pub product_name: String,
    /// Its category.
    pub category: String,
    /// Units bought in the region.
    pub units_sold: i64,
}

/// Geographic analytics: sales per region and each region's favourite products.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Geography {
    /// Per region, by sales, highest first.
    pub regional_sales: Vec<RegionSales>,
    /// Each region's top products by units.
    pub regional_preferences: BTreeMap<String, Vec<RegionalPreference>>,
}

/// Builds the geographic view from per-region sums and per-(region, product) units; `product`
/// names a product id (name, category), `top` products per region.
pub fn geography<'a>(
    regions: &[(String, f64, i64)],
    units: &[(String, i64, i64)],
    product: impl Fn(i64) -> Option<(&'a str, &'a str)>,
    top: usize,
) -> Geography {
    let mut per_region: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for (region, product_id, n) in units {
        per_region
            .entry(region.clone())
            .or_default()
            .push((*product_id, *n));
    }
    let mut regional_sales: Vec<RegionSales> = regions
        .iter()
        .map(|(region, total, customers)| RegionSales {
            region: region.clone(),
            total_sales: cents(*total),
            num_customers: *customers,
            num_products: per_region.get(region).map_or(0, |v| v.len() as i64),
        })
        .collect();
    regional_sales.sort_by(|a, b| {
        b.total_sales
            .total_cmp(&a.total_sales)
            .then(a.region.cmp(&b.region))
    });
    let regional_preferences = per_region
        .into_iter()
        .map(|(region, mut products)| {
            products.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let prefs = products
                .into_iter()
                .filter_map(|(id, n)| {
                    product(id).map(|(name, category)| RegionalPreference {
                        product_name: name.to_owned(),
                        category: category.to_owned(),
                        units_sold: n,
                    })
                })
                .take(top)
                .collect();
            (region, prefs)
        })
        .collect();
    Geography {
        regional_sales,
        regional_preferences,
    }
}

/// A window's completed sales, as the key metrics compare them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PeriodSales {
    /// Completed transactions.
    pub orders: i64,
    /// Their sum, in dollars.
    pub revenue: f64,
    /// Customers among them.
    pub customers: i64,
}

/// One key metric card (`GET /analytics/key-metrics`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyMetric {
    /// What it measures.
    pub label: String,
    /// Its value in the current period.
    pub value: f64,
    /// Percent change against the previous period, to 2 decimals (0 when there was nothing).
    pub change: f64,
    /// `currency`, `number` or `percent`.
    pub format: &'static str,
}

fn change(now: f64, before: f64) -> f64 {
    if before.abs() < f64::EPSILON {
        0.0
    } else {
        ((now - before) / before * 100.0 * 100.0).round() / 100.0
    }
}

/// Revenue, orders, average order value and the share of registered customers who bought, each
/// against the previous period.
pub fn key_metrics(now: PeriodSales, before: PeriodSales, registered: i64) -> Vec<KeyMetric> {
    let aov = |p: PeriodSales| {
        if p.orders > 0 {
            p.revenue / p.orders as f64
        } else {
            0.0
        }
    };
    let share = |p: PeriodSales| {
        if registered > 0 {
            p.customers as f64 / registered as f64 * 100.0
        } else {
            0.0
        }
    };
    let card = |label: &str, value: f64, previous: f64, format| KeyMetric {
        label: label.to_owned(),
        value,
        change: change(value, previous),
        format,
    };
    vec![
        card(
            "Revenue (30d)",
            cents(now.revenue),
            cents(before.revenue),
            "currency",
        ),
        card(
            "Orders (30d)",
            now.orders as f64,
            before.orders as f64,
            "number",
        ),
        card(
            "Average order value",
            cents(aov(now)),
            cents(aov(before)),
            "currency",
        ),
        card(
            "Active customers (30d)",
            (share(now) * 10.0).round() / 10.0,
            (share(before) * 10.0).round() / 10.0,
            "percent",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sales(id: i64, category: &str, units: i64, revenue: f64) -> ProductSales {
        ProductSales {
            id,
            name: format!("p{id}"),
            category: category.into(),
            units_sold: units,
            revenue,
            stock_quantity: 5,
        }
    }

    #[test]
    fn products_rank_by_revenue_and_categories_average_over_sold_products() {
        let p = product_performance(
            &[
                sales(1, "Audio", 3, 30.0),
                sales(2, "Audio", 1, 300.0),
                sales(3, "Phones", 2, 1000.0),
                sales(4, "Audio", 0, 0.0),
            ],
            2,
        );
        assert_eq!(
            p.top_products.iter().map(|p| p.id).collect::<Vec<_>>(),
            [3, 2]
        );
        let audio = p.category_performance["Audio"];
        assert_eq!(audio.total_revenue, 330.0);
        assert_eq!(audio.units_sold, 4);
        // two Audio products sold (the one without sales does not count): 4 / 2
        assert_eq!(audio.avg_turnover, 2.0);
        let empty = product_performance(&[], 10);
        assert!(empty.top_products.is_empty() && empty.category_performance.is_empty());
    }

    #[test]
    fn regions_rank_by_sales_with_their_top_products() {
        let names = |id: i64| match id {
            1 => Some(("Phone", "Phones")),
            2 => Some(("Cable", "Accessories")),
            _ => None,
        };
        let g = geography(
            &[("North".into(), 100.0, 2), ("South".into(), 500.0, 1)],
            &[
                ("North".into(), 1, 1),
                ("North".into(), 2, 5),
                ("South".into(), 1, 2),
            ],
            names,
            1,
        );
        assert_eq!(g.regional_sales[0].region, "South");
        assert_eq!(g.regional_sales[1].num_products, 2);
        assert_eq!(g.regional_preferences["North"][0].product_name, "Cable");
        assert_eq!(g.regional_preferences["North"].len(), 1);
    }

    #[test]
    fn key_metrics_compare_with_the_previous_period() {
        let now = PeriodSales {
            orders: 12,
            revenue: 1200.0,
            customers: 5,
        };
        let before = PeriodSales {
            orders: 10,
            revenue: 800.0,
            customers: 4,
        };
        let cards = key_metrics(now, before, 20);
        assert_eq!(cards[0].value, 1200.0);
        assert_eq!(cards[0].change, 50.0);
        assert_eq!(cards[1].change, 20.0);
        assert_eq!(cards[2].value, 100.0);
        assert_eq!(cards[2].change, 25.0);
        assert_eq!(cards[3].value, 25.0);
        assert_eq!(cards[3].format, "percent");
        // nothing before: no change rather than infinity
        assert_eq!(key_metrics(now, PeriodSales::default(), 0)[0].change, 0.0);
    }
}
