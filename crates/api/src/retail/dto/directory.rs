//! Wire shapes of stores, products and staff, as the Brickhouse contract (§4.1–4.8) gives them:
//! bare arrays where the original sent them, and the one camelCase answer of `/stores/options`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_domain::retail::{ProductDraft, RetailProduct, Staff, StaffDraft, Store, StoreDraft};
use tessera_domain::{DomainError, UserId};
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
    /// The Tessera user account acting as them, if any.
    pub account_id: Option<String>,
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
            account_id: s.user_id.map(|u| u.to_string()),
            created_at: utc(s.created_at),
        }
    }
}

/// A store's fields: all of them to open one (`POST`), any of them to change one (`PATCH`).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StoreIn {
    /// Name, 1..200 characters.
    pub store_name: Option<String>,
    /// Code, 1..20 characters, unique in the organisation.
    pub store_code: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State (two letters).
    pub state: Option<String>,
    /// Postal code.
    pub zip_code: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// `Warehouse`, `Urban`, `Suburban`, `Tourist`, `Business`, `Entertainment` or `Shopping`.
    pub store_type: Option<String>,
}

/// A product's fields: all of them to add one (`POST`), any of them to change one (`PATCH`).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProductIn {
    /// Name, 1..200 characters.
    pub product_name: Option<String>,
    /// Brand.
    pub brand: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Package size (`24x12oz`).
    pub package_size: Option<String>,
    /// Price of a case, 0.01..=1,000,000.
    pub unit_price: Option<f64>,
}

/// A staff member's fields: the required ones to add one (`POST`), any of them to change one
/// (`PATCH`, where `null` clears a nullable field and an absent one stays).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StaffIn {
    /// Username, unique in the organisation.
    pub username: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Avatar image URL (http or https).
    #[serde(default, deserialize_with = "crate::common::nullable")]
    #[schema(value_type = Option<String>)]
    pub avatar_url: Option<Option<String>>,
    /// `store_manager` or `regional_manager`.
    pub role: Option<String>,
    /// Their store's id.
    #[serde(default, deserialize_with = "crate::common::nullable")]
    #[schema(value_type = Option<i64>)]
    pub store_id: Option<Option<i64>>,
    /// Their region.
    #[serde(default, deserialize_with = "crate::common::nullable")]
    #[schema(value_type = Option<String>)]
    pub region: Option<Option<String>>,
    /// The Tessera user account (a member's id) acting as them: a regional manager's account
    /// may approve orders.
    #[serde(default, deserialize_with = "crate::common::nullable")]
    #[schema(value_type = Option<String>)]
    pub account_id: Option<Option<String>>,
}

/// A field as sent, or else as it is now (`""` when there is nothing yet: a required field
/// then fails its check).
fn or_now<'a>(sent: &'a Option<String>, now: Option<&'a str>) -> &'a str {
    sent.as_deref().or(now).unwrap_or_default()
}

impl StoreIn {
    /// The store's fields after this change to `current` (a new store: none), checked.
    pub fn draft(&self, current: Option<&Store>) -> Result<StoreDraft, DomainError> {
        StoreDraft::parse(
            or_now(&self.store_name, current.map(|c| c.name.as_str())),
            or_now(&self.store_code, current.map(|c| c.code.as_str())),
            or_now(&self.address, current.map(|c| c.address.as_str())),
            or_now(&self.city, current.map(|c| c.city.as_str())),
            or_now(&self.state, current.map(|c| c.state.as_str())),
            or_now(&self.zip_code, current.map(|c| c.zip_code.as_str())),
            or_now(&self.region, current.map(|c| c.region.as_str())),
            or_now(&self.store_type, current.map(|c| c.store_type.as_str())),
        )
    }
}

impl ProductIn {
    /// The product's fields after this change to `current` (a new product: none), checked.
    pub fn draft(&self, current: Option<&RetailProduct>) -> Result<ProductDraft, DomainError> {
        ProductDraft::parse(
            or_now(&self.product_name, current.map(|c| c.name.as_str())),
            or_now(&self.brand, current.map(|c| c.brand.as_str())),
            or_now(&self.category, current.map(|c| c.category.as_str())),
            or_now(&self.package_size, current.map(|c| c.package_size.as_str())),
            self.unit_price
                .or(current.map(RetailProduct::unit_price))
                .unwrap_or(f64::NAN),
        )
    }
}

impl StaffIn {
    /// The staff member's fields after this change to `current` (a new one: none), checked.
    pub fn draft(&self, current: Option<&Staff>) -> Result<StaffDraft, DomainError> {
        let keep = |sent: &Option<Option<String>>, now: Option<&Option<String>>| match sent {
            Some(v) => v.clone(),
            None => now.cloned().flatten(),
        };
        let role = current.map(|c| c.role.as_str());
        StaffDraft::parse(
            or_now(&self.username, current.map(|c| c.username.as_str())),
            or_now(&self.first_name, current.map(|c| c.first_name.as_str())),
            or_now(&self.last_name, current.map(|c| c.last_name.as_str())),
            or_now(&self.email, current.map(|c| c.email.as_str())),
            keep(&self.avatar_url, current.map(|c| &c.avatar_url)).as_deref(),
            or_now(&self.role, role),
            match self.store_id {
                Some(v) => v,
                None => current.and_then(|c| c.store),
            },
            keep(&self.region, current.map(|c| &c.region)).as_deref(),
        )
    }

    /// The account link it asks for: `None` to leave it, `Some(None)` to unlink.
    pub fn account(&self) -> Result<Option<Option<UserId>>, DomainError> {
        match &self.account_id {
            None => Ok(None),
            Some(None) => Ok(Some(None)),
            Some(Some(id)) => id
                .trim()
                .parse::<UserId>()
                .map(|u| Some(Some(u)))
                .map_err(|_| DomainError::field("account_id", "must be a user id")),
        }
    }
}
