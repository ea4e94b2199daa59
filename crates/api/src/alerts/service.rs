//! Reading the system alerts feed of the caller's organisation.

use tessera_domain::alerts::{AlertKind, SystemAlert};
use tessera_store::alerts::system_alerts::{self, FeedFilter};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most alerts one read answers.
pub const MAX_FEED: i64 = 200;

/// The organisation's alerts, newest first: open ones, or with `include_resolved` the resolved
/// ones too; only `kind` when given (at most `limit`, 1..=200, default 50).
pub async fn feed(
    state: &AppState,
    caller: &Caller,
    kind: Option<&str>,
    include_resolved: bool,
    limit: Option<i64>,
) -> ApiResult<Vec<SystemAlert>> {
    let limit = limit.unwrap_or(50);
    if !(1..=MAX_FEED).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("must be between 1 and {MAX_FEED}"),
        ));
    }
    let kinds = match kind.map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => vec![k.parse::<AlertKind>()?],
        None => Vec::new(),
    };
    let filter = FeedFilter {
        kinds,
        include_resolved,
    };
    let org = caller.org_id;
    state
        .db(move |conn| Ok(system_alerts::feed(conn, org, &filter, limit)?))
        .await
}
