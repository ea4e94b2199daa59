//! The answer caches' typed keys: an answer is found by the asking organisation, the target it
//! named and the query as asked, and dropped by the source it was read from.

use tessera_domain::chart::ChartQuery;
use tessera_domain::{DataSourceId, DatamartId, DatasetId, OrgId};
use tessera_sources::charts::Segments;

use crate::answer::ChartAnswer;
use crate::request::ChartRequest;

/// What a chart request asked to be computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartTarget {
    /// A table of a source.
    Source(DataSourceId),
    /// A datamart (its source is known once resolved: [`CachedChart::source`]).
    Datamart(DatamartId),
    /// A dataset.
    Dataset(DatasetId),
}

impl ChartTarget {
    /// The one target a request names; none when it names several, none, or an id that does not
    /// parse (such a request is answered by resolution: 404 or 422, never from the cache).
    pub fn of(req: &ChartRequest) -> Option<Self> {
        match (&req.source_id, &req.datamart_id, &req.dataset_id) {
            (Some(s), None, None) => s.parse().ok().map(Self::Source),
            (None, Some(d), None) => d.parse().ok().map(Self::Datamart),
            (None, None, Some(d)) => d.parse().ok().map(Self::Dataset),
            _ => None,
        }
    }
}

/// A chart answer's cache key: the organisation, the target asked for, and the query as asked
/// (a relative period, not its moving range) with the metric's segments, serialised.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChartKey {
    /// The asking organisation.
    pub org: OrgId,
    /// What the answer was computed over.
    pub target: ChartTarget,
    /// The normalised query.
    pub query: String,
}

impl ChartKey {
    /// The key of `query` (parsed from `req`) asked by `org`; none when the request names no
    /// single target.
    pub fn new(
        org: OrgId,
        req: &ChartRequest,
        query: &ChartQuery,
        segments: Option<&Segments>,
    ) -> Option<Self> {
        let target = ChartTarget::of(req)?;
        let mut asked = query.clone();
        if let Some(t) = asked.time.as_mut().filter(|t| t.period.is_some()) {
            t.range = None;
        }
        Some(Self {
            org,
            target,
            query: format!(
                "{}|{}",
                serde_json::to_string(&asked).unwrap_or_default(),
                segments
                    .map(|s| serde_json::to_string(s).unwrap_or_default())
                    .unwrap_or_default()
            ),
        })
    }
}

/// A cached chart answer and the source its rows came from (for a datamart, its source), so a
/// change to a source drops exactly the answers read from it.
#[derive(Debug)]
pub struct CachedChart {
    /// The answer as computed.
    pub answer: ChartAnswer,
    /// The source read, when the target was a source or a datamart.
    pub source: Option<DataSourceId>,
}

/// A realtime metric answer's cache key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RealtimeKey {
    /// The asking organisation.
    pub org: OrgId,
    /// The source the metric reads.
    pub source: DataSourceId,
    /// The metric.
    pub metric: String,
    /// The category filter, if any.
    pub category: String,
}

/// How a chart request uses the answer cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUse {
    /// Answer from the cache when it can; store fresh answers.
    Normal,
    /// Compute a fresh answer and store it (a dashboard's force refresh).
    Refresh,
    /// Neither read nor write.
    Bypass,
}

impl CacheUse {
    /// Whether a cached answer may be served.
    pub fn reads(self) -> bool {
        self == Self::Normal
    }

    /// Whether a fresh answer is stored.
    pub fn writes(self) -> bool {
        self != Self::Bypass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{MeasureRequest, TimeRequest};

    fn request(source: &str, period: Option<&str>) -> ChartRequest {
        ChartRequest {
            source_id: Some(source.into()),
            table: Some("t".into()),
            measures: vec![MeasureRequest {
                agg: "count".into(),
                column: None,
                alias: None,
            }],
            time: Some(TimeRequest {
                column: "at".into(),
                granularity: Some("day".into()),
                period: period.map(Into::into),
                range: None,
            }),
            ..ChartRequest::default()
        }
    }

    fn at(day: u32) -> chrono::NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 1, day)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap_or_default()
    }

    fn key(org: OrgId, req: &ChartRequest, now: chrono::NaiveDateTime) -> Option<ChartKey> {
        let q = req.parse(now).ok()?;
        ChartKey::new(org, req, &q, None)
    }

    #[test]
    fn a_relative_period_keys_the_same_query_as_time_moves() {
        let (org, source) = (OrgId::new(), DataSourceId::new().to_string());
        let req = request(&source, Some("30d"));
        assert!(key(org, &req, at(1)).is_some());
        assert_eq!(key(org, &req, at(1)), key(org, &req, at(2)));
    }

    #[test]
    fn keys_differ_by_organisation_target_and_query() {
        let (org, other) = (OrgId::new(), OrgId::new());
        let source = DataSourceId::new().to_string();
        let req = request(&source, Some("30d"));
        assert_ne!(key(org, &req, at(1)), key(other, &req, at(1)));
        assert_ne!(
            key(org, &req, at(1)),
            key(org, &request(&source, Some("7d")), at(1))
        );
        assert_ne!(
            key(org, &req, at(1)),
            key(
                org,
                &request(&DataSourceId::new().to_string(), Some("30d")),
                at(1)
            )
        );
        let q = req.parse(at(1)).ok();
        let segments = Segments {
            entity: "user_id".into(),
            spend: "amount".into(),
            tiers: vec![("Premium".into(), 10.0)],
            rest: "Basic".into(),
            sum_spend: true,
        };
        let plain = q.as_ref().and_then(|q| ChartKey::new(org, &req, q, None));
        let segmented = q
            .as_ref()
            .and_then(|q| ChartKey::new(org, &req, q, Some(&segments)));
        assert!(plain.is_some() && segmented.is_some());
        assert_ne!(plain, segmented);
    }

    #[test]
    fn a_request_naming_no_single_parsable_target_has_no_key() {
        let org = OrgId::new();
        assert_eq!(key(org, &request("not-an-id", None), at(1)), None);
        let mut both = request(&DataSourceId::new().to_string(), None);
        both.dataset_id = Some(DatasetId::new().to_string());
        assert_eq!(key(org, &both, at(1)), None);
        let dataset = ChartRequest {
            dataset_id: Some(DatasetId::new().to_string()),
            ..request("", None)
        };
        let dataset = ChartRequest {
            source_id: None,
            ..dataset
        };
        assert!(matches!(
            key(org, &dataset, at(1)).map(|k| k.target),
            Some(ChartTarget::Dataset(_))
        ));
    }

    #[test]
    fn only_normal_use_reads_and_only_bypass_skips_writing() {
        assert!(CacheUse::Normal.reads() && CacheUse::Normal.writes());
        assert!(!CacheUse::Refresh.reads() && CacheUse::Refresh.writes());
        assert!(!CacheUse::Bypass.reads() && !CacheUse::Bypass.writes());
    }
}
