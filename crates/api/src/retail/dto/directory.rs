//! Wire shapes of stores, products and staff, as the Brickhouse contract (§4.1–4.8) gives them:
//! bare arrays where the original sent them, and the one camelCase answer of `/stores/options`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_domain::retail::{RetailProduct, Staff, Store};
use utoipa::{IntoParams, ToSchema};

use crate::common::utc;

/// Filters of the store list (`page` and `limit` are accepted and ignored: every store is
/// answered, as the original did).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StoreQuery {
    /// Only this region.
    pub region: Option<String>,
    /// Only this type (`Warehouse`, `Urban`, ...).
    pub store_type: Option<String>,
    /// Name, code or city containing this.
    pub search: Option<String>,
}

/// A store.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoreOut {
    /// Id.
    pub store_id: i64,
    /// Name.
    pub store_name: String,
    /// Code.
    pub store_code: String,
    /// Street address.
    pub address: String,
    /// City.
    pub city: String,
    /// State (two letters).
    pub state: String,
    /// Postal code.
    pub zip_code: String,
    /// Region.
    pub region: String,
    /// `Warehouse`, `Urban`, `Suburban`, `Tourist`, `Business`, `Entertainment` or `Shopping`.
    pub store_type: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<Store> for StoreOut {
    fn from(s: Store) -> Self {
        Self {
            store_id: s.number,
            store_name: s.name,
            store_code: s.code,
            address: s.address,
            city: s.city,
            state: s.state,
            zip_code: s.zip_code,
            region: s.region,
            store_type: s.store_type.as_str().to_owned(),
            created_at: utc(s.created_at),
        }
    }
}

/// A store as the Place Order dialog lists it (camelCase, as the original sent it).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoreOptionOut {
    /// Id.
    pub store_id: i64,
    /// Name.
    pub store_name: String,
    /// Region.
    pub region: String,
    /// Code.
    pub store_code: String,
}

impl From<Store> for StoreOptionOut {
    fn from(s: Store) -> Self {
        Self {
            store_id: s.number,
            store_name: s.name,
            region: s.region,
            store_code: s.code,
        }
    }
}

/// A region option of the Region dropdown (the first is `all`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionOptionOut {
    /// What the filter sends (`all` for every region).
    pub value: String,
    /// What the dropdown shows: `Midwest (2 stores)`.
    pub label: String,
    /// Stores in it.
    pub store_count: i64,
}

/// Region options: `all` first, then one per region by name.
pub fn region_options(regions: Vec<(String, i64)>) -> Vec<RegionOptionOut> {
    let plural = |n: i64| if n == 1 { "store" } else { "stores" };
    let total: i64 = regions.iter().map(|r| r.1).sum();
    let mut out = vec![RegionOptionOut {
        value: "all".into(),
        label: format!("All Regions ({total} {})", plural(total)),
        store_count: total,
    }];
    out.extend(regions.into_iter().map(|(region, n)| RegionOptionOut {
        label: format!("{region} ({n} {})", plural(n)),
        value: region,
        store_count: n,
    }));
    out
}

/// Stores of one region.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionSummaryOut {
    /// The region.
    pub region: String,
    /// Stores in it.
    pub store_count: i64,
}

/// A value-and-label option.
#[derive(Debug, Serialize, ToSchema)]
pub struct OptionOut {
    /// What the filter sends.
    pub value: String,
    /// What the dropdown shows.
    pub label: String,
}

impl From<String> for OptionOut {
    fn from(v: String) -> Self {
        Self {
            label: v.clone(),
            value: v,
        }
    }
}

/// Filters of the product list (`page` is accepted and ignored).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// At most this many, 1..=500 (default 100).
    pub limit: Option<i64>,
    /// Only this category.
    pub category: Option<String>,
    /// Only this brand.
    pub brand: Option<String>,
    /// Name or brand containing this.
    pub search: Option<String>,
}

/// The ids of a bulk look-up.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BulkQuery {
    /// Comma-separated product ids, at most 100.
    pub ids: String,
}

/// A product.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductOut {
    /// Id.
    pub product_id: i64,
    /// Name.
    pub product_name: String,
    /// Brand.
    pub brand: String,
    /// Category.
    pub category: String,
    /// Package size.
    pub package_size: String,
    /// Price of a case.
    pub unit_price: f64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<RetailProduct> for ProductOut {
    fn from(p: RetailProduct) -> Self {
        Self {
            product_id: p.number,
            unit_price: p.unit_price(),
            product_name: p.name,
            brand: p.brand,
            category: p.category,
            package_size: p.package_size,
            created_at: utc(p.created_at),
        }
    }
}

/// Filters of the staff directory.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffQuery {
    /// At most this many, 1..=500 (default 100).
    pub limit: Option<i64>,
    /// Only `store_manager` or `regional_manager`.
    pub role: Option<String>,
    /// Only this region.
    pub region: Option<String>,
    /// Only staff of this store (its id).
    pub store_id: Option<i64>,
}

/// A staff member (the contract's user).
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffOut {
    /// Id.
    pub user_id: i64,
    /// Username.
    pub username: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Avatar image URL (null: the app shows initials).
    pub avatar_url: Option<String>,
    /// `store_manager` or `regional_manager`.
    pub role: String,
    /// Their store's id.
    pub store_id: Option<i64>,
    /// Their region.
    pub region: Option<String>,
    /// When they were added.
    pub created_at: DateTime<Utc>,
}

impl From<Staff> for StaffOut {
    fn from(s: Staff) -> Self {
        Self {
            user_id: s.number,
            role: s.role.as_str().to_owned(),
            username: s.username,
            first_name: s.first_name,
            last_name: s.last_name,
            email: s.email,
            avatar_url: s.avatar_url,
            store_id: s.store,
            region: s.region,
            created_at: utc(s.created_at),
        }
    }
}
