//! What several areas of the HTTP layer share and no lower crate owns: path ids, missing rows
//! as 404s, and the wire forms of times, pages and jobs.

pub mod jobs;
pub mod render;

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::error::{ApiError, ApiResult};

/// An id taken from a request path: a malformed one names nothing, so it is a 404 like an
/// unknown one ("no `what` with id '...'"), never a 400 that would tell the two apart.
pub fn path_id<T: FromStr>(what: &str, id: &str) -> ApiResult<T> {
    id.parse()
        .map_err(|_| ApiError::NotFound(format!("no {what} with id '{id}'")))
}

/// A missing row of the organisation is a 404 naming `what` and `id`; other store errors map
/// as usual.
pub fn not_found(what: &'static str, id: i64) -> impl Fn(tessera_store::StoreError) -> ApiError {
    move |e| match e {
        tessera_store::StoreError::NotFound => {
            ApiError::NotFound(format!("no {what} with id {id}"))
        }
        other => other.into(),
    }
}

/// A stored UTC time as it goes on the wire: `DateTime<Utc>` serialises as RFC 3339 with a `Z`
/// offset (`2026-12-03T09:40:27.123Z`), and utoipa documents it as `date-time`.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
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
pub(crate) use page_dto;

/// Paging parameters.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1 (default 1).
    pub page: Option<i64>,
    /// Page size, 1 to 200 (default 20).
    pub limit: Option<i64>,
}

/// Reads a JSON field that may be absent (`None`: keep), `null` (`Some(None)`: clear) or a
/// value; use with `#[serde(default, deserialize_with = "crate::common::nullable")]`.
pub fn nullable<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

/// A stored JSON object as it goes on the wire (`{}` if the stored text is not JSON), such as
/// an alert's metadata.
pub fn json_object(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_domain::DatasetId;

    #[test]
    fn a_malformed_path_id_is_not_found_naming_what() {
        let err = path_id::<DatasetId>("dataset", "nope").unwrap_err();
        assert!(matches!(&err, ApiError::NotFound(m) if m == "no dataset with id 'nope'"));
        let id = DatasetId::new();
        assert_eq!(
            path_id::<DatasetId>("dataset", &id.to_string()).unwrap(),
            id
        );
    }
}
