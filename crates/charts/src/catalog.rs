//! The named-metric catalogue: data (config/metrics.toml, extendable in config), checked at start.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tessera_domain::chart::Aggregation;

/// The default catalogue.
pub const DEFAULT_CATALOG: &str = include_str!("../../../config/metrics.toml");

/// One named metric.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricDef {
    /// Name used in `?metric=`.
    pub name: String,
    /// Chart types it serves: bar, pie, line, realtime.
    pub charts: Vec<String>,
    /// What it measures.
    #[serde(default)]
    pub description: String,
    /// currency, count, users, percent, ...
    #[serde(default)]
    pub unit: Option<String>,
    /// The table it aggregates.
    #[serde(default)]
    pub table: Option<String>,
    /// The aggregation.
    #[serde(default)]
    pub agg: Option<String>,
    /// The aggregated column (none for count of rows).
    #[serde(default)]
    pub column: Option<String>,
    /// The time column.
    #[serde(default = "default_time_column")]
    pub time_column: String,
    /// Bar and pie charts group by this column (or, with `segment_by`, by the derived
    /// segment, named `segment`).
    #[serde(default)]
    pub dimension: Option<String>,
    /// Bar and pie charts group by the first of these columns the table has (when none is, the
    /// chart answers 422 naming them).
    #[serde(default)]
    pub dimension_from: Vec<String>,
    /// Segment metrics: the entity (e.g. `user_id`) whose total of `column` over the period puts
    /// it in a tier (`charts.segment_premium`, `charts.segment_regular`); `agg = "sum"` sums
    /// the totals per tier, `count` counts the entities.
    #[serde(default)]
    pub segment_by: Option<String>,
    /// `?category=` filters this column.
    #[serde(default)]
    pub category_column: Option<String>,
    /// Ratio metrics: the numerator metric.
    #[serde(default)]
    pub numerator: Option<String>,
    /// Ratio metrics: the denominator metric.
    #[serde(default)]
    pub denominator: Option<String>,
    /// Ratio metrics: multiplier (100 for percent).
    #[serde(default = "one")]
    pub scale: f64,
    /// Realtime metrics: the window.
    #[serde(default)]
    pub window_minutes: Option<u32>,
    /// The data source's name; default `analytics`, else `demo`.
    #[serde(default)]
    pub source: Option<String>,
    /// `sample`: answer sample data (marked) when the source is down.
    #[serde(default)]
    pub fallback: Option<String>,
}

fn default_time_column() -> String {
    "created_at".into()
}

fn one() -> f64 {
    1.0
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    metric: Vec<MetricDef>,
}

/// The checked catalogue.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    metrics: BTreeMap<String, MetricDef>,
}

/// The chart types a metric can serve.
pub const CHART_TYPES: [&str; 4] = ["bar", "pie", "line", "realtime"];

impl Catalog {
    /// The default catalogue with `extra` metrics added or replacing defaults by name.
    pub fn load(extra: &[MetricDef]) -> Result<Self, String> {
        let file: File = toml_from_str(DEFAULT_CATALOG)?;
        let mut metrics = BTreeMap::new();
        for m in file.metric.into_iter().chain(extra.iter().cloned()) {
            metrics.insert(m.name.clone(), m);
        }
        let catalog = Self { metrics };
        catalog.check()?;
        Ok(catalog)
    }

    fn check(&self) -> Result<(), String> {
        for m in self.metrics.values() {
            let bad = |why: &str| Err(format!("metric '{}': {why}", m.name));
            if m.charts.is_empty() || m.charts.iter().any(|c| !CHART_TYPES.contains(&c.as_str())) {
                return bad("charts must list bar, pie, line or realtime");
            }
            if m.fallback.as_deref().is_some_and(|f| f != "sample") {
                return bad("fallback can only be \"sample\"");
            }
            match (&m.numerator, &m.denominator) {
                (Some(n), Some(d)) => {
                    for part in [n, d] {
                        if self.metrics.get(part).is_none_or(|p| p.table.is_none()) {
                            return bad(&format!(
                                "ratio part '{part}' is not a metric with a table"
                            ));
                        }
                    }
                }
                (None, None) => {
                    if m.table.is_none() {
                        return bad("needs a table (or numerator and denominator)");
                    }
                    let agg: Aggregation = m
                        .agg
                        .as_deref()
                        .unwrap_or("count")
                        .parse()
                        .map_err(|e| format!("metric '{}': {e}", m.name))?;
                    if agg != Aggregation::Count && m.column.is_none() {
                        return bad("needs a column for its aggregation");
                    }
                    if (m.charts.iter().any(|c| c == "bar" || c == "pie"))
                        && m.dimension.is_none()
                        && m.dimension_from.is_empty()
                        && m.segment_by.is_none()
                    {
                        return bad("bar and pie metrics need a dimension");
                    }
                    if m.segment_by.is_some()
                        && (m.column.is_none()
                            || !matches!(agg, Aggregation::Count | Aggregation::Sum))
                    {
                        return bad(
                            "a segment metric needs a column to total and agg count or sum",
                        );
                    }
                }
                _ => return bad("a ratio needs both numerator and denominator"),
            }
            if m.charts.iter().any(|c| c == "realtime") && m.window_minutes.is_none_or(|w| w == 0) {
                return bad("realtime metrics need window_minutes");
            }
        }
        Ok(())
    }

    /// A metric that serves `chart`, or a 400-worthy message naming the allowed ones.
    pub fn get(&self, name: &str, chart: &str) -> Result<&MetricDef, String> {
        match self
            .metrics
            .get(name)
            .filter(|m| m.charts.iter().any(|c| c == chart))
        {
            Some(m) => Ok(m),
            None => Err(format!(
                "unknown {chart} metric '{name}'; allowed: {}",
                self.names(chart).join(", ")
            )),
        }
    }

    /// Any metric by name.
    pub fn any(&self, name: &str) -> Option<&MetricDef> {
        self.metrics.get(name)
    }

    /// The names of the metrics serving `chart`.
    pub fn names(&self, chart: &str) -> Vec<&str> {
        self.metrics
            .values()
            .filter(|m| m.charts.iter().any(|c| c == chart))
            .map(|m| m.name.as_str())
            .collect()
    }

    /// The metrics serving `chart`.
    pub fn of_chart(&self, chart: &str) -> Vec<&MetricDef> {
        self.metrics
            .values()
            .filter(|m| m.charts.iter().any(|c| c == chart))
            .collect()
    }
}

fn toml_from_str(s: &str) -> Result<File, String> {
    toml::from_str(s).map_err(|e| format!("metrics catalogue: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_catalogue_serves_the_seed_metrics() {
        let c = Catalog::load(&[]).unwrap();
        for (chart, names) in [
            ("bar", vec!["revenue", "transactions", "user_activity"]),
            (
                "pie",
                vec!["user_segments", "revenue_by_segment", "traffic_sources"],
            ),
            (
                "line",
                vec!["daily_users", "revenue", "orders", "conversion_rate"],
            ),
            ("realtime", vec!["active_users"]),
        ] {
            for n in names {
                assert!(c.get(n, chart).is_ok(), "{chart} {n}");
            }
        }
        let e = c.get("nope", "bar").unwrap_err();
        assert!(e.contains("revenue") && e.contains("user_activity"), "{e}");
    }

    #[test]
    fn config_can_add_and_override_metrics_and_bad_ones_are_refused() {
        let extra: File = toml_from_str(
            "[[metric]]\nname = \"refunds\"\ncharts = [\"line\"]\ntable = \"orders\"\nagg = \"count\"\nfallback = \"sample\"\n",
        )
        .unwrap();
        let c = Catalog::load(&extra.metric).unwrap();
        assert!(c.get("refunds", "line").is_ok());
        let bad: File = toml_from_str(
            "[[metric]]\nname = \"x\"\ncharts = [\"bar\"]\ntable = \"t\"\nagg = \"sum\"\n",
        )
        .unwrap();
        assert!(
            Catalog::load(&bad.metric).is_err(),
            "sum without a column, bar without a dimension"
        );
    }
}
