//! Which extract, if any, answers a chart query on a source's table: one whose copy is no
//! older than its maximum staleness, holds every column the query reads (its time column as a
//! date or timestamp), was filtered at the source by nothing the query does not filter by
//! itself, and does not offer what the source's own engine refuses or reads otherwise (a
//! median where it has none, text compared under MySQL's case-insensitive collations), so that
//! an answer is the same whichever of the two computes it; and a source's extracts as they are
//! looked up and remembered.

use chrono::NaiveDateTime;
use tessera_domain::chart::{Aggregation, ChartQuery, ColumnType, FilterOp};
use tessera_domain::extract::{Extract, ExtractTarget};
use tessera_domain::{DataSource, DataSourceId, DatamartId, OrgId, SourceKind};

use crate::extracts::spec::Definition;

/// What a chart request names, within its organisation, when looking for extracts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LookupKey {
    /// A source (a table of it, or one of its datamarts by name).
    Source(OrgId, DataSourceId),
    /// A datamart.
    Datamart(OrgId, DatamartId),
}

/// A source's extracts that hold a copy, as the app database had them.
#[derive(Debug)]
pub struct Lookup {
    /// The source.
    pub source: DataSource,
    /// The datamart looked up (its id and name), for a [`LookupKey::Datamart`].
    pub datamart: Option<(DatamartId, String)>,
    /// The extracts with their definitions, freshest first.
    pub extracts: Vec<(Extract, Definition)>,
}

impl Lookup {
    /// About the bytes it holds: what bounds the lookups a process remembers.
    pub fn weight(&self) -> usize {
        let extract = |x: &Extract| {
            // the definition twice (as stored and as parsed), the columns and the rest
            512 + 2 * x.definition.len()
                + x.state
                    .columns
                    .iter()
                    .map(|c| 64 + c.name.len())
                    .sum::<usize>()
        };
        256 + self.extracts.iter().map(|(x, _)| extract(x)).sum::<usize>()
    }

    /// The freshest extract of `target` that answers `q` at `now`.
    pub(crate) fn choose(
        &self,
        target: &ExtractTarget,
        q: &ChartQuery,
        now: NaiveDateTime,
    ) -> Option<&Extract> {
        self.extracts
            .iter()
            .find(|(x, def)| &x.target == target && answers(x, def, q, self.source.kind, now))
            .map(|(x, _)| x)
    }
}

/// Whether `extract` (checked as `def`) answers `q` over a `kind` source at `now`.
pub fn answers(
    extract: &Extract,
    def: &Definition,
    q: &ChartQuery,
    kind: SourceKind,
    now: NaiveDateTime,
) -> bool {
    let fresh = extract.state.version > 0
        && extract
            .state
            .refreshed_at
            .is_some_and(|at| now - at <= def.max_staleness);
    if !fresh {
        return false;
    }
    let kind_of = |name: &str| {
        extract
            .state
            .column(name)
            .and_then(|c| c.kind.parse::<ColumnType>().ok())
    };
    let mut needed: Vec<&str> = q.dimensions.iter().map(String::as_str).collect();
    needed.extend(q.measures.iter().filter_map(|m| m.column.as_deref()));
    needed.extend(q.filters.iter().map(|f| f.column.as_str()));
    if let Some(t) = &q.time {
        if !matches!(
            kind_of(&t.column),
            Some(ColumnType::Date | ColumnType::Timestamp)
        ) {
            return false;
        }
        needed.push(&t.column);
    }
    if !needed.iter().all(|c| extract.state.column(c).is_some()) {
        return false;
    }
    // MySQL compares text under case-insensitive collations: its `eq 'Books'` matches `books`
    let text_compared = q.filters.iter().any(|f| {
        kind_of(&f.column) == Some(ColumnType::Text)
            && !matches!(f.op, FilterOp::Contains | FilterOp::IsNull)
    });
    if kind == SourceKind::Mysql && text_compared {
        return false;
    }
    let median = q.measures.iter().any(|m| m.agg == Aggregation::Median);
    if median && tessera_sources::dialect::median(kind, "x").is_none() {
        return false;
    }
    def.filters.iter().all(|f| q.filters.contains(f))
}
