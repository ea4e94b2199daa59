//! The heuristic generator: from profiled tables (see `generate.rs`), KPI tiles, then monthly
//! series, then breakdowns and a top-10 table, taken across the tables in turn, the goal's
//! tables and columns first, with titles a person would write.

use std::collections::HashMap;

/// Charts a generated dashboard holds.
pub const MAX_GENERATED: usize = 12;

/// One column as the generator sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Field {
    /// Name.
    pub name: String,
    /// time, measure, dimension, key or other.
    pub role: &'static str,
    /// Distinct values in the sample, where counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distinct: Option<i64>,
}

/// One table as the generator sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Profile {
    /// Name.
    pub name: String,
    /// Rows (estimated or counted).
    pub rows: i64,
    /// Tables it references.
    pub references: Vec<String>,
    /// Its columns.
    pub fields: Vec<Field>,
}

impl Profile {
    /// Columns of `role`.
    pub fn of(&self, role: &str) -> Vec<&Field> {
        self.fields.iter().filter(|f| f.role == role).collect()
    }
}

/// Words people read: `total_amount` → `total amount`.
pub fn words(name: &str) -> String {
    name.replace(['_', '-'], " ").trim().to_owned()
}

/// `total amount` → `Total amount`.
pub fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A chart the generator proposes, before positions.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// Title.
    pub title: String,
    /// Chart type.
    pub chart_type: &'static str,
    /// Table.
    pub table: String,
    /// Aggregation.
    pub agg: String,
    /// Measure column (none: count rows).
    pub measure: Option<String>,
    /// Group by.
    pub dimension: Option<String>,
    /// Time axis.
    pub time: Option<String>,
    /// Bucket.
    pub granularity: Option<String>,
    /// Most rows, sorted by the measure descending (top-N).
    pub top: Option<i64>,
}

/// Whether `goal` mentions `name` (as its words).
fn mentions(goal: &str, name: &str) -> bool {
    let w = words(name).to_ascii_lowercase();
    !goal.is_empty() && (goal.contains(&w) || goal.contains(&name.to_ascii_lowercase()))
}

/// `Total amount`, but `Total amount` for a column already called `total_amount` too.
fn total_of(m: &str) -> String {
    let w = words(m);
    if w.to_ascii_lowercase().starts_with("total") {
        title_case(&w)
    } else {
        format!("Total {w}")
    }
}

/// The heuristic's proposals for the profiled tables: KPI tiles, then time series, then
/// breakdowns and a top-N table, taken across the tables in turn (the goal's tables and columns
/// first), at most [`MAX_GENERATED`].
pub fn heuristic(profiles: &[Profile], goal: Option<&str>) -> Vec<Proposal> {
    let goal = goal.unwrap_or_default().to_ascii_lowercase();
    let mut ordered: Vec<&Profile> = profiles.iter().collect();
    ordered.sort_by_key(|p| {
        std::cmp::Reverse(
            usize::from(mentions(&goal, &p.name)) * 2
                + p.fields
                    .iter()
                    .filter(|f| f.role != "key" && mentions(&goal, &f.name))
                    .count(),
        )
    });
    let (mut kpis, mut series, mut breakdowns, mut tops) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in ordered {
        let table = title_case(&words(&p.name));
        let mut measures = p.of("measure");
        measures.sort_by_key(|m| std::cmp::Reverse(mentions(&goal, &m.name)));
        let main = measures.first().map(|m| m.name.clone());
        let time = p.of("time").first().map(|t| t.name.clone());
        let mut dims = p.of("dimension");
        dims.sort_by_key(|d| {
            (
                std::cmp::Reverse(mentions(&goal, &d.name)),
                d.distinct.unwrap_or(i64::MAX),
            )
        });
        let base = |title: String, chart_type: &'static str| Proposal {
            title,
            chart_type,
            table: p.name.clone(),
            agg: "count".into(),
            measure: None,
            dimension: None,
            time: None,
            granularity: None,
            top: None,
        };
        let mut k = vec![base(table.clone(), "number")];
        if let Some(m) = &main {
            k.insert(
                0,
                Proposal {
                    agg: "sum".into(),
                    measure: Some(m.clone()),
                    ..base(total_of(m), "number")
                },
            );
            k.push(Proposal {
                agg: "avg".into(),
                measure: Some(m.clone()),
                ..base(format!("Average {}", words(m)), "number")
            });
        }
        kpis.push(k);
        let mut t = Vec::new();
        if let Some(tc) = &time {
            if let Some(m) = &main {
                t.push(Proposal {
                    agg: "sum".into(),
                    measure: Some(m.clone()),
                    time: Some(tc.clone()),
                    granularity: Some("month".into()),
                    ..base(format!("{} by month", title_case(&words(m))), "line")
                });
            }
            t.push(Proposal {
                time: Some(tc.clone()),
                granularity: Some("month".into()),
                ..base(format!("{table} per month"), "area")
            });
        }
        series.push(t);
        let (agg, measure, what) = match &main {
            Some(m) => ("sum", Some(m.clone()), words(m)),
            None => ("count", None, words(&p.name)),
        };
        let mut b = Vec::new();
        for (i, d) in dims.iter().take(3).enumerate() {
            let few = d.distinct.unwrap_or(i64::MAX) <= 8;
            b.push(Proposal {
                agg: agg.into(),
                measure: measure.clone(),
                dimension: Some(d.name.clone()),
                ..base(
                    format!("{} by {}", title_case(&what), words(&d.name)),
                    if few && i == 1 { "pie" } else { "bar" },
                )
            });
        }
        breakdowns.push(b);
        if let Some(d) = dims.iter().find(|d| d.distinct.unwrap_or(0) > 5) {
            tops.push(vec![Proposal {
                agg: agg.into(),
                measure,
                dimension: Some(d.name.clone()),
                top: Some(10),
                ..base(format!("Top 10 {} by {}", words(&d.name), what), "table")
            }]);
        }
    }
    // round robin across tables within each kind, each kind capped
    fn take(groups: Vec<Vec<Proposal>>, most: usize) -> Vec<Proposal> {
        let mut groups: Vec<std::collections::VecDeque<Proposal>> =
            groups.into_iter().map(Into::into).collect();
        let mut out = Vec::new();
        while out.len() < most && groups.iter().any(|g| !g.is_empty()) {
            for g in &mut groups {
                if out.len() < most {
                    out.extend(g.pop_front());
                }
            }
        }
        out
    }
    let mut out = take(kpis, 4);
    out.extend(take(series, 3));
    out.extend(take(breakdowns, 4));
    out.extend(take(tops, 1));
    out.truncate(MAX_GENERATED);
    out
}

/// Looks a profiled table's column up (for checking a model's proposal).
pub fn column_roles(profiles: &[Profile]) -> HashMap<(String, String), &'static str> {
    profiles
        .iter()
        .flat_map(|p| {
            p.fields
                .iter()
                .map(move |f| ((p.name.clone(), f.name.clone()), f.role))
        })
        .collect()
}
