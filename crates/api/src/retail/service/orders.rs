//! Stock-transfer orders: the list and its status cards, placing an order, and the state
//! machine's moves (approve, fulfil, cancel, edit), each refused with the reason when the
//! order's status, version or the source's stock does not allow it.

use chrono::NaiveDate;
use tessera_domain::retail::{OrderAction, OrderDraft, OrderStatus, StaffRole};
use tessera_domain::Role;
use tessera_store::retail::inventory::day_of;
use tessera_store::retail::orders::{
    self as store, Change, OrderFilter, OrderRefusal, OrderView, StatusSummary,
};
use tessera_store::retail::staff;

use super::stock_alert;
use crate::auth::Caller;
use crate::common::not_found;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Largest page of the order list.
pub const MAX_LIMIT: i64 = 100;

/// The order list's filters as the app sends them (`all` and empty values mean no filter).
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    /// Destination stores' region.
    pub region: Option<String>,
    /// Products' category.
    pub category: Option<String>,
    /// `pending_review`, `approved`, `fulfilled` or `cancelled`.
    pub status: Option<String>,
    /// Only pending orders past the two-day service level.
    pub expired_sla_only: bool,
    /// First day, `YYYY-MM-DD`, inclusive.
    pub date_from: Option<String>,
    /// Last day, `YYYY-MM-DD`, inclusive.
    pub date_to: Option<String>,
}

/// A filter value, or `None` for an absent, empty or `all` one.
pub fn given(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("all"))
        .map(str::to_owned)
}

/// Day number of a `YYYY-MM-DD` query value.
pub(crate) fn day(field: &str, value: &str) -> ApiResult<i64> {
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| ApiError::field(field, "must be a date YYYY-MM-DD"))?;
    Ok(day_of(date.and_hms_opt(0, 0, 0).unwrap_or_default()))
}

impl OrderQuery {
    fn filter(&self) -> ApiResult<OrderFilter> {
        let status = match given(self.status.as_deref()) {
            Some(s) => Some(s.parse::<OrderStatus>()?),
            None => None,
        };
        let from_day = given(self.date_from.as_deref())
            .map(|d| day("date_from", &d))
            .transpose()?;
        let to_day = given(self.date_to.as_deref())
            .map(|d| day("date_to", &d))
            .transpose()?;
        Ok(OrderFilter {
            region: given(self.region.as_deref()),
            category: given(self.category.as_deref()),
            status,
            expired_sla_only: self.expired_sla_only,
            from_day,
            to_day,
        })
    }
}

/// One page of orders and how many match.
#[derive(Debug, Clone)]
pub struct OrderPage {
    /// The page's orders, newest first.
    pub orders: Vec<OrderView>,
    /// Orders matching.
    pub total: i64,
    /// Page number, from 1.
    pub page: i64,
    /// Page size.
    pub limit: i64,
}

/// The orders matching `q`, page `page` of `limit` (1..=100), newest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    q: &OrderQuery,
    page: Option<i64>,
    limit: Option<i64>,
) -> ApiResult<OrderPage> {
    let page = page.unwrap_or(1);
    if page < 1 {
        return Err(ApiError::field("page", "must be at least 1"));
    }
    let limit = limit.unwrap_or(10);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let filter = q.filter()?;
    let (org, now) = (caller.org_id, state.now());
    let offset = (page - 1).saturating_mul(limit);
    let (orders, total) = state
        .db(move |conn| Ok(store::list(conn, org, &filter, now, offset, limit)?))
        .await?;
    Ok(OrderPage {
        orders,
        total,
        page,
        limit,
    })
}

/// The status cards over the orders matching `q` (its status ignored).
pub async fn summary(
    state: &AppState,
    caller: &Caller,
    q: &OrderQuery,
) -> ApiResult<StatusSummary> {
    let filter = q.filter()?;
    let (org, now) = (caller.org_id, state.now());
    state
        .db(move |conn| Ok(store::status_summary(conn, org, &filter, now)?))
        .await
}

/// Order `number` of the caller's organisation.
pub async fn get(state: &AppState, caller: &Caller, number: i64) -> ApiResult<OrderView> {
    let org = caller.org_id;
    state
        .db(move |conn| store::find(conn, org, number).map_err(not_found("order", number)))
        .await
}

/// A new order as posted.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// Source store number.
    pub from_store_id: i64,
    /// Destination store number.
    pub to_store_id: i64,
    /// Product number.
    pub product_id: i64,
    /// Cases.
    pub quantity_cases: i64,
    /// Requesting staff number.
    pub requested_by: Option<i64>,
    /// Assigned approver's staff number.
    pub approved_by: Option<i64>,
    /// Notes.
    pub notes: Option<String>,
}

fn refusal(r: OrderRefusal) -> ApiError {
    match r {
        OrderRefusal::Unknown(_) => ApiError::NotFound(r.to_string()),
        OrderRefusal::UnknownReference { what, .. } => ApiError::field(what, r.to_string()),
        OrderRefusal::NotAllowed { .. }
        | OrderRefusal::StaleVersion { .. }
        | OrderRefusal::NotEnoughStock { .. } => ApiError::Conflict(r.to_string()),
    }
}

/// Places an order (`pending_review`), by an editor or admin.
pub async fn create(state: &AppState, caller: &Caller, o: NewOrder) -> ApiResult<OrderView> {
    caller.require_editor("orders")?;
    let draft = OrderDraft::parse(
        o.from_store_id,
        o.to_store_id,
        o.product_id,
        o.quantity_cases,
        o.requested_by,
        o.approved_by,
        o.notes.as_deref(),
    )?;
    let (org, at) = (caller.org_id, state.now());
    state
        .db(move |conn| Ok(store::create(conn, org, &draft, at)?))
        .await?
        .map_err(refusal)
}

/// A regional manager's or an admin's right to approve: admins may; otherwise the caller's
/// account must act as a regional manager of the staff directory.
async fn require_approver(state: &AppState, caller: &Caller) -> ApiResult<()> {
    caller.require_editor("orders")?;
    if caller.role == Role::Admin {
        return Ok(());
    }
    let (org, user) = (caller.org_id, caller.user_id);
    let acting = state
        .db(move |conn| Ok(staff::of_user(conn, org, user)?))
        .await?;
    match acting {
        Some(s) if s.role == StaffRole::RegionalManager => Ok(()),
        _ => Err(ApiError::Forbidden(
            "only a regional manager (a staff member linked to your account) or an admin approves orders"
                .into(),
        )),
    }
}

/// Applies `change` to order `number`: approving needs a regional manager or an admin, every
/// other move an editor or admin.
pub async fn apply(
    state: &AppState,
    caller: &Caller,
    number: i64,
    change: Change,
) -> ApiResult<OrderView> {
    if change.action == OrderAction::Approve {
        require_approver(state, caller).await?;
    } else {
        caller.require_editor("orders")?;
    }
    if let Some(q) = change.quantity_cases {
        tessera_domain::retail::check_cases(q)?;
    }
    let change = match change.notes {
        Some(Some(n)) => Change {
            notes: Some(tessera_domain::retail::check_notes(Some(&n))?),
            ..change
        },
        _ => change,
    };
    let (org, at) = (caller.org_id, state.now());
    let order = state
        .db(move |conn| Ok(store::apply(conn, org, number, &change, at)?))
        .await?
        .map_err(refusal)?;
    stock_alert::mark(state, org);
    Ok(order)
}
