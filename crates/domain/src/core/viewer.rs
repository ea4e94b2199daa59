//! Who a piece of work runs for: an organisation, a member of it and their role. Everything below
//! the HTTP layer that reads tenant data (the chart engine, alert checks, generated dashboards)
//! takes one, so the organisation scope travels with the work, not with a request.

use crate::{OrgId, Role, UserId};

/// The organisation, member and role a query or job runs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// Every tenant row read or written is this organisation's.
    pub org: OrgId,
    /// The member acting.
    pub user: UserId,
    /// Their role.
    pub role: Role,
}
