//! Request and response bodies of the HTTP API (the wire contract, documented by utoipa), one
//! file per area of the API; every type is re-exported here.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_domain::{Organization, Page, User};
use utoipa::{IntoParams, ToSchema};

/// A stored UTC time as it goes on the wire: `DateTime<Utc>` serialises as RFC 3339 with a `Z`
/// offset (`2026-12-03T09:40:27.123Z`), and utoipa documents it as `date-time`.
fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Defines a page DTO `{items, total, page, limit}` of `$out` built from a domain `Page<$dom>`.
macro_rules! page_dto {
    ($name:ident, $out:ty, $dom:ty, $doc:literal, $items:literal, $total:literal) => {
        #[doc = $doc]
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            #[doc = $items]
            pub items: Vec<$out>,
            #[doc = $total]
            pub total: u64,
            /// Page number, from 1.
            pub page: u32,
            /// Page size.
            pub limit: u32,
        }

        impl From<Page<$dom>> for $name {
            fn from(p: Page<$dom>) -> Self {
                let p = p.map(<$out>::from);
                Self {
                    items: p.items,
                    total: p.total,
                    page: p.page,
                    limit: p.limit,
                }
            }
        }
    };
}

mod accounts;
mod charts;
mod datasets;
mod sources;

pub use accounts::*;
pub use charts::*;
pub use datasets::*;
pub use sources::*;
