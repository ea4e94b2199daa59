//! Which extract, if any, answers a chart query on a source's table: one whose copy is no
//! older than its maximum staleness, holds every column the query reads (its time column as a
//! date or timestamp), was filtered at the source by nothing the query does not filter by
//! itself, and does not offer what the source's own engine refuses or reads otherwise (a
//! median where it has none, text compared under MySQL's case-insensitive collations), so that
//! an answer is the same whichever of the two computes it.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use tessera_domain::chart::{Aggregation, ChartQuery, ColumnType, FilterOp};
use tessera_domain::extract::Extract;
use tessera_domain::{SourceKind, Viewer};

use crate::engine::{ChartEngine, Target};
use crate::error::ChartResult;
use crate::extracts::spec::Definition;

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
    let kept: HashSet<&str> = extract
        .state
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let kind_of = |name: &str| {
        extract
            .state
            .columns
            .iter()
            .find(|c| c.name == name)
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
    if !needed.iter().all(|c| kept.contains(c)) {
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

impl ChartEngine {
    /// `target` itself, or the freshest extract of it that answers `q` (see [`answers`]).
    pub(crate) async fn prefer_extract(
        &self,
        viewer: &Viewer,
        target: Target,
        q: &ChartQuery,
    ) -> ChartResult<Target> {
        let (Some(files), Target::Database(db)) = (self.extract_files(), &target) else {
            return Ok(target);
        };
        let (org, source, key) = (viewer.org, db.source.id, db.key.target.clone());
        let candidates = self
            .db(move |conn| tessera_store::extracts::serving(conn, org, source, &key))
            .await?;
        let now = self.now();
        let kind = db.source.kind;
        let chosen = candidates.into_iter().find(|x| {
            Definition::from_json(&x.definition).is_ok_and(|def| answers(x, &def, q, kind, now))
        });
        let Some(extract) = chosen else {
            return Ok(target);
        };
        let dir = files.version_dir(extract.org_id, extract.id, extract.state.version);
        let Target::Database(db) = target else {
            return Ok(target);
        };
        Ok(Target::Extract {
            db,
            extract: Box::new(extract),
            dir,
        })
    }
}
