//! The retail area (Brickhouse): stores, products, staff, inventory and stock-transfer orders
//! of an organisation. Every record carries a `number` allocated per organisation when it is
//! inserted; it is stable and is the id the web app sees (staff 1, staff 26 and store 1 mean
//! something to it). Orders move through a state machine that reserves and moves stock.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::error::Validator;
use crate::{DomainError, OrgId};

named_enum!(
    /// What kind of store a store is (the original refused any other value).
    StoreType, "store_type" {
        /// The warehouse orders ship from.
        Warehouse = "Warehouse",
        /// A city-centre store.
        Urban = "Urban",
        /// A suburban store.
        Suburban = "Suburban",
        /// A store in a tourist area.
        Tourist = "Tourist",
        /// A store in a business district.
        Business = "Business",
        /// A store at an entertainment venue.
        Entertainment = "Entertainment",
        /// A store in a shopping centre.
        Shopping = "Shopping",
    }
);

named_enum!(
    /// A staff member's role.
    StaffRole, "role" {
        /// Runs one store; requests orders.
        StoreManager = "store_manager",
        /// Oversees a region; approves orders.
        RegionalManager = "regional_manager",
    }
);

named_enum!(
    /// Where a stock-transfer order stands.
    OrderStatus, "status" {
        /// Requested, waiting for a regional manager.
        PendingReview = "pending_review",
        /// Approved: its quantity is reserved at the source store.
        Approved = "approved",
        /// Delivered: the quantity moved from the source's stock to the destination's.
        Fulfilled = "fulfilled",
        /// Cancelled: nothing moves; a reservation is released.
        Cancelled = "cancelled",
    }
);

/// What can be done to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderAction {
    /// `pending_review → approved`, reserving the quantity at the source.
    Approve,
    /// `approved → fulfilled`, moving the quantity.
    Fulfil,
    /// `pending_review | approved → cancelled`, releasing a reservation.
    Cancel,
    /// Quantity and notes of a `pending_review | approved` order.
    Edit,
}

impl OrderAction {
    /// The action's name in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Fulfil => "fulfil",
            Self::Cancel => "cancel",
            Self::Edit => "edit",
        }
    }
}

impl OrderStatus {
    /// The status after `action`, or `None` when the action is not allowed from this status.
    pub fn after(self, action: OrderAction) -> Option<Self> {
        use OrderAction::*;
        use OrderStatus::*;
        match (self, action) {
            (PendingReview, Approve) => Some(Approved),
            (Approved, Fulfil) => Some(Fulfilled),
            (PendingReview | Approved, Cancel) => Some(Cancelled),
            (PendingReview | Approved, Edit) => Some(self),
            _ => None,
        }
    }

    /// Whether the order's quantity is reserved at its source store in this status.
    pub fn holds_reservation(self) -> bool {
        self == Self::Approved
    }
}

/// Days a pending order may wait before it is past its service level.
pub const SLA_DAYS: i64 = 2;
/// Most cases one order may move.
pub const MAX_ORDER_CASES: i64 = 100_000;
/// Most cases one inventory row may hold.
pub const MAX_STOCK_CASES: i64 = 100_000_000;

/// The order number shown for order `number`: `ORD` and six digits (more when needed).
pub fn order_number(number: i64) -> String {
    format!("ORD{number:06}")
}

/// A store of an organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Store {
    /// The number the app sees as its id.
    pub number: i64,
    /// The owning organisation.
    pub org_id: OrgId,
    /// Its name.
    pub name: String,
    /// Its code, unique within the organisation.
    pub code: String,
    /// Street address.
    pub address: String,
    /// City.
    pub city: String,
    /// State (two letters).
    pub state: String,
    /// Postal code.
    pub zip_code: String,
    /// Region (a free string the filters group by).
    pub region: String,
    /// Its kind.
    pub store_type: StoreType,
    /// When it was created (UTC).
    pub created_at: NaiveDateTime,
}

/// A product the stores stock, by the case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetailProduct {
    /// The number the app sees as its id.
    pub number: i64,
    /// The owning organisation.
    pub org_id: OrgId,
    /// Its name.
    pub name: String,
    /// Its brand.
    pub brand: String,
    /// Its category.
    pub category: String,
    /// Package size (`12x330ml`).
    pub package_size: String,
    /// Price of one case, in cents.
    pub unit_price_cents: i64,
    /// When it was created (UTC).
    pub created_at: NaiveDateTime,
}

impl RetailProduct {
    /// The price of one case in dollars.
    pub fn unit_price(&self) -> f64 {
        self.unit_price_cents as f64 / 100.0
    }
}

/// A member of the retail staff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Staff {
    /// The number the app sees as its id.
    pub number: i64,
    /// The owning organisation.
    pub org_id: OrgId,
    /// Unique within the organisation.
    pub username: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Avatar image URL.
    pub avatar_url: Option<String>,
    /// Their role.
    pub role: StaffRole,
    /// The store they work at (its number).
    pub store: Option<i64>,
    /// Their region.
    pub region: Option<String>,
    /// The Tessera user account acting as them, when linked.
    pub user_id: Option<crate::UserId>,
    /// When they were added (UTC).
    pub created_at: NaiveDateTime,
}

impl Staff {
    /// First and last name with one space.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// Stock of one product at one store, in cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryItem {
    /// The number the app sees as its id.
    pub number: i64,
    /// The owning organisation.
    pub org_id: OrgId,
    /// The store (its number).
    pub store: i64,
    /// The product (its number).
    pub product: i64,
    /// Cases on hand.
    pub quantity_cases: i64,
    /// Cases reserved by approved orders shipping from this store.
    pub reserved_cases: i64,
    /// When it last changed (UTC).
    pub last_updated: NaiveDateTime,
}

impl InventoryItem {
    /// Cases on hand and not reserved.
    pub fn available_cases(&self) -> i64 {
        self.quantity_cases - self.reserved_cases
    }
}

/// A stock-transfer order: cases of one product from one store to another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Order {
    /// The number the app sees as its id.
    pub number: i64,
    /// The owning organisation.
    pub org_id: OrgId,
    /// `ORD000123`.
    pub order_number: String,
    /// The source store (its number; normally the warehouse).
    pub from_store: i64,
    /// The destination store (its number).
    pub to_store: i64,
    /// The product (its number).
    pub product: i64,
    /// Cases to move, at least one.
    pub quantity_cases: i64,
    /// Where it stands.
    pub status: OrderStatus,
    /// Who requested it (a staff number).
    pub requested_by: Option<i64>,
    /// The assigned approver (a staff number); an approval is the status, not this.
    pub approved_by: Option<i64>,
    /// When it was placed (UTC).
    pub order_date: NaiveDateTime,
    /// When it was approved.
    pub approved_date: Option<NaiveDateTime>,
    /// When it was fulfilled.
    pub fulfilled_date: Option<NaiveDateTime>,
    /// Free text; a cancellation appends its reason.
    pub notes: Option<String>,
    /// Bumped by every change (stale writes are refused).
    pub version: i64,
}

impl Order {
    /// Whether a pending order is older than the service level at `now`.
    pub fn past_sla(&self, now: NaiveDateTime) -> bool {
        self.status == OrderStatus::PendingReview
            && self.order_date < now - chrono::Duration::days(SLA_DAYS)
    }
}

/// A new order, checked; whether its stores and product exist is the store's to check.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderDraft {
    /// The source store's number.
    pub from_store: i64,
    /// The destination store's number.
    pub to_store: i64,
    /// The product's number.
    pub product: i64,
    /// Cases, 1..=100,000.
    pub quantity_cases: i64,
    /// The requesting staff member's number.
    pub requested_by: Option<i64>,
    /// The assigned approver's number.
    pub approved_by: Option<i64>,
    /// Notes (at most 2,000 characters).
    pub notes: Option<String>,
}

/// Most stores an organisation may have (each new product stocks a row at every store).
pub const MAX_STORES: i64 = 1_000;
/// Most products an organisation may have (each new store stocks a row of every product).
pub const MAX_PRODUCTS: i64 = 10_000;

/// Longest notes of an order.
pub const MAX_NOTES: usize = 2000;

/// Checks `quantity_cases` of an order (1..=100,000).
pub fn check_cases(quantity_cases: i64) -> Result<i64, DomainError> {
    if (1..=MAX_ORDER_CASES).contains(&quantity_cases) {
        Ok(quantity_cases)
    } else {
        Err(DomainError::field(
            "quantity_cases",
            format!("must be between 1 and {MAX_ORDER_CASES}"),
        ))
    }
}

/// Checks an order's notes: trimmed, at most 2,000 characters, empty as none.
pub fn check_notes(notes: Option<&str>) -> Result<Option<String>, DomainError> {
    let Some(n) = notes.map(str::trim) else {
        return Ok(None);
    };
    if n.chars().count() > MAX_NOTES {
        return Err(DomainError::field(
            "notes",
            format!("must be at most {MAX_NOTES} characters"),
        ));
    }
    Ok((!n.is_empty()).then(|| n.to_owned()))
}

impl OrderDraft {
    /// Checks a new order; every invalid field is reported at once.
    pub fn parse(
        from_store: i64,
        to_store: i64,
        product: i64,
        quantity_cases: i64,
        requested_by: Option<i64>,
        approved_by: Option<i64>,
        notes: Option<&str>,
    ) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        v.check(check_cases(quantity_cases));
        if from_store == to_store {
            v.check::<()>(Err(DomainError::field(
                "to_store_id",
                "must differ from from_store_id",
            )));
        }
        let notes = v.check(check_notes(notes));
        v.finish()?;
        Ok(Self {
            from_store,
            to_store,
            product,
            quantity_cases,
            requested_by,
            approved_by,
            notes: notes.flatten(),
        })
    }
}

/// A store's fields as created or updated, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreDraft {
    /// Its name (1..200 characters).
    pub name: String,
    /// Its code (1..20 characters, unique in the organisation).
    pub code: String,
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
    /// Its kind.
    pub store_type: StoreType,
}

/// A text field that must be present and at most `max` characters; answers it trimmed.
pub fn check_text(field: &str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(DomainError::field(
            field,
            format!("must be between 1 and {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

impl StoreDraft {
    /// Checks a store's fields; every invalid field is reported at once.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        name: &str,
        code: &str,
        address: &str,
        city: &str,
        state: &str,
        zip_code: &str,
        region: &str,
        store_type: &str,
    ) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let name = v.check(check_text("store_name", name, 200));
        let code = v.check(check_text("store_code", code, 20));
        let address = v.check(check_text("address", address, 200));
        let city = v.check(check_text("city", city, 100));
        let state = v.check(check_text("state", state, 2).and_then(|s| {
            if s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()) {
                Ok(s.to_ascii_uppercase())
            } else {
                Err(DomainError::field("state", "must be two letters"))
            }
        }));
        let zip_code = v.check(check_text("zip_code", zip_code, 10));
        let region = v.check(check_text("region", region, 50));
        let store_type = v.check(store_type.parse::<StoreType>());
        v.finish()?;
        Ok(Self {
            name: name.unwrap_or_default(),
            code: code.unwrap_or_default(),
            address: address.unwrap_or_default(),
            city: city.unwrap_or_default(),
            state: state.unwrap_or_default(),
            zip_code: zip_code.unwrap_or_default(),
            region: region.unwrap_or_default(),
            store_type: store_type.unwrap_or(StoreType::Urban),
        })
    }
}

/// A product's fields as created or updated, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductDraft {
    /// Its name (1..200 characters).
    pub name: String,
    /// Its brand (1..100 characters).
    pub brand: String,
    /// Its category (1..100 characters).
    pub category: String,
    /// Package size (1..50 characters).
    pub package_size: String,
    /// Price of a case in cents: 0.01..=1,000,000.
    pub unit_price_cents: i64,
}

impl ProductDraft {
    /// Checks a product's fields; every invalid field is reported at once.
    pub fn parse(
        name: &str,
        brand: &str,
        category: &str,
        package_size: &str,
        unit_price: f64,
    ) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let name = v.check(check_text("product_name", name, 200));
        let brand = v.check(check_text("brand", brand, 100));
        let category = v.check(check_text("category", category, 100));
        let package_size = v.check(check_text("package_size", package_size, 50));
        let cents = (unit_price * 100.0).round();
        if !(unit_price.is_finite() && (1.0..=100_000_000.0).contains(&cents)) {
            v.check::<()>(Err(DomainError::field(
                "unit_price",
                "must be at least 0.01 and at most 1,000,000",
            )));
        }
        v.finish()?;
        Ok(Self {
            name: name.unwrap_or_default(),
            brand: brand.unwrap_or_default(),
            category: category.unwrap_or_default(),
            package_size: package_size.unwrap_or_default(),
            unit_price_cents: cents as i64,
        })
    }
}

/// A staff member's fields as created or updated, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffDraft {
    /// Unique within the organisation (1..50 characters).
    pub username: String,
    /// First name (1..100 characters).
    pub first_name: String,
    /// Last name (1..100 characters).
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Avatar URL (http or https), if any.
    pub avatar_url: Option<String>,
    /// Their role.
    pub role: StaffRole,
    /// The store they work at (its number).
    pub store: Option<i64>,
    /// Their region.
    pub region: Option<String>,
}

impl StaffDraft {
    /// Checks a staff member's fields; every invalid field is reported at once.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        username: &str,
        first_name: &str,
        last_name: &str,
        email: &str,
        avatar_url: Option<&str>,
        role: &str,
        store: Option<i64>,
        region: Option<&str>,
    ) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let username = v.check(check_text("username", username, 50));
        let first_name = v.check(check_text("first_name", first_name, 100));
        let last_name = v.check(check_text("last_name", last_name, 100));
        let email = v.check(crate::Email::parse(email).map(|e| e.as_str().to_owned()));
        let avatar_url = match avatar_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u)
                if u.len() <= 500 && (u.starts_with("https://") || u.starts_with("http://")) =>
            {
                Some(u.to_owned())
            }
            Some(_) => {
                v.check::<()>(Err(DomainError::field(
                    "avatar_url",
                    "must be an http(s) URL of at most 500 characters",
                )));
                None
            }
            None => None,
        };
        let role = v.check(role.parse::<StaffRole>());
        let region = match region.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => v.check(check_text("region", r, 50)),
            None => None,
        };
        v.finish()?;
        Ok(Self {
            username: username.unwrap_or_default(),
            first_name: first_name.unwrap_or_default(),
            last_name: last_name.unwrap_or_default(),
            email: email.unwrap_or_default(),
            avatar_url,
            role: role.unwrap_or(StaffRole::StoreManager),
            store,
            region,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: DomainError) -> Vec<String> {
        let DomainError::Validation(errors) = e;
        errors.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn the_order_state_machine_allows_exactly_its_transitions() {
        use OrderAction::*;
        use OrderStatus::*;
        let allowed = [
            (PendingReview, Approve, Approved),
            (Approved, Fulfil, Fulfilled),
            (PendingReview, Cancel, Cancelled),
            (Approved, Cancel, Cancelled),
            (PendingReview, Edit, PendingReview),
            (Approved, Edit, Approved),
        ];
        for &from in OrderStatus::ALL {
            for action in [Approve, Fulfil, Cancel, Edit] {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|t| t.2);
                assert_eq!(from.after(action), expected, "{from:?} {action:?}");
            }
        }
        assert!(Approved.holds_reservation());
        assert!(!PendingReview.holds_reservation() && !Fulfilled.holds_reservation());
    }

    #[test]
    fn order_numbers_have_six_digits_and_grow_past_them() {
        assert_eq!(order_number(123), "ORD000123");
        assert_eq!(order_number(1_234_567), "ORD1234567");
    }

    #[test]
    fn an_order_draft_reports_every_invalid_field() {
        let e = OrderDraft::parse(1, 1, 3, 0, Some(1), Some(26), Some(&"x".repeat(2001)));
        assert_eq!(
            fields(e.unwrap_err()),
            ["quantity_cases", "to_store_id", "notes"]
        );
        let ok = OrderDraft::parse(1, 2, 3, 100_000, Some(1), Some(26), Some("  ")).unwrap();
        assert_eq!(ok.notes, None);
        assert!(OrderDraft::parse(1, 2, 3, 100_001, None, None, None).is_err());
    }

    #[test]
    fn drafts_of_stores_products_and_staff_check_their_fields() {
        let s = StoreDraft::parse(
            "Main",
            "WH1",
            "1 Road",
            "Austin",
            "tx",
            "78701",
            "South",
            "Warehouse",
        )
        .unwrap();
        assert_eq!(
            (s.state.as_str(), s.store_type),
            ("TX", StoreType::Warehouse)
        );
        let e = StoreDraft::parse("", "C", "a", "b", "Texas", "1", "R", "Mall").unwrap_err();
        assert_eq!(fields(e), ["store_name", "state", "store_type"]);
        let p = ProductDraft::parse("Cola 2L", "Fizz", "Cola", "6x2L", 12.994).unwrap();
        assert_eq!(p.unit_price_cents, 1299);
        assert_eq!(
            fields(ProductDraft::parse("a", "b", "c", "d", 0.0).unwrap_err()),
            ["unit_price"]
        );
        assert!(ProductDraft::parse("a", "b", "c", "d", f64::NAN).is_err());
        let st = StaffDraft::parse(
            "jdoe",
            "Jane",
            "Doe",
            "jane@example.com",
            None,
            "regional_manager",
            None,
            Some("West"),
        )
        .unwrap();
        assert_eq!(st.role, StaffRole::RegionalManager);
        let e = StaffDraft::parse(
            "",
            "J",
            "D",
            "nope",
            Some("javascript:x"),
            "boss",
            None,
            None,
        )
        .unwrap_err();
        assert_eq!(fields(e), ["username", "email", "avatar_url", "role"]);
    }
}
