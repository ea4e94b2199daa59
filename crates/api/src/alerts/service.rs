//! Reading the system alerts feed of the caller's organisation, and resolving an alert by hand.

use tessera_alerting::feed::{self as system_alerts, FeedFilter, FeedState};
use tessera_domain::alerts::{AlertKind, Severity, SystemAlert};
use tessera_domain::{Page, PageRequest};

use crate::auth::Caller;
use crate::common::not_found;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What a feed read asks for, as sent.
#[derive(Debug, Default)]
pub struct FeedAsk<'a> {
    /// A kind's name.
    pub kind: Option<&'a str>,
    /// A severity's name.
    pub severity: Option<&'a str>,
    /// `open` (default), `resolved` or `all`.
    pub state: Option<&'a str>,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Page size, 1..=200 (default 20).
    pub limit: Option<i64>,
}

fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// One page of the organisation's alerts, newest first.
pub async fn feed(
    state: &AppState,
    caller: &Caller,
    ask: FeedAsk<'_>,
) -> ApiResult<Page<SystemAlert>> {
    let page = PageRequest::new(ask.page, ask.limit)?;
    let kinds = match given(ask.kind) {
        Some(k) => vec![k.parse::<AlertKind>()?],
        None => Vec::new(),
    };
    let severity = given(ask.severity)
        .map(str::parse::<Severity>)
        .transpose()?;
    let state_filter = match given(ask.state).unwrap_or("open") {
        "open" => FeedState::Open,
        "resolved" => FeedState::Resolved,
        "all" => FeedState::All,
        _ => return Err(ApiError::field("state", "must be open, resolved or all")),
    };
    let filter = FeedFilter {
        kinds,
        severity,
        state: state_filter,
    };
    let org = caller.org_id;
    state
        .db(move |conn| Ok(system_alerts::page(conn, org, &filter, page)?))
        .await
}

/// Resolves alert `id` by hand (editors and admins); one already resolved is answered as it is.
pub async fn resolve(state: &AppState, caller: &Caller, id: i64) -> ApiResult<SystemAlert> {
    caller.require_editor("alerts")?;
    let (org, at) = (caller.org_id, state.now());
    state
        .db(move |conn| {
            system_alerts::resolve_one(conn, org, id, at).map_err(not_found("alert", id))
        })
        .await
}

/// The rule list's filters as sent.
pub fn rule_filter(
    state: Option<&str>,
    enabled: Option<bool>,
) -> ApiResult<tessera_store::alerts::rules::RuleFilter> {
    let state = given(state)
        .map(str::parse::<tessera_domain::alerts::rule::RuleState>)
        .transpose()?;
    Ok(tessera_store::alerts::rules::RuleFilter { state, enabled })
}
