//! The built-in themes, chart templates and layout templates: everyone can read and use them,
//! nobody can change them. Their ids are their names.

use serde_json::{json, Value as Json};
use tessera_domain::dashboards::AssetKind;

/// A built-in asset: id, name, description, definition.
pub struct Builtin {
    /// Its id (and name on dashboards).
    pub id: &'static str,
    /// What people call it.
    pub name: &'static str,
    /// In a sentence.
    pub description: &'static str,
    /// Its definition.
    pub definition: Json,
}

fn theme(
    id: &'static str,
    name: &'static str,
    description: &'static str,
    palette: &[&str],
    background: &str,
    text: &str,
    muted: &str,
) -> Builtin {
    Builtin {
        id,
        name,
        description,
        definition: json!({
            "palette": palette,
            "fonts": {"family": "DejaVu Sans, Helvetica, Arial, sans-serif", "size": 12},
            "background": background,
            "text": text,
            "muted_text": muted,
        }),
    }
}

/// The built-ins of `kind`.
pub fn of(kind: AssetKind) -> Vec<Builtin> {
    match kind {
        AssetKind::Theme => vec![
            theme(
                "light",
                "Light",
                "Dark text on white, a calm categorical palette",
                &[
                    "#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2",
                    "#FF9DA6",
                ],
                "#FFFFFF",
                "#1F2933",
                "#616E7C",
            ),
            theme(
                "dark",
                "Dark",
                "Light text on charcoal for wall screens",
                &[
                    "#8AB4F8", "#F6AE2D", "#81C995", "#F28B82", "#78D9EC", "#FDD663", "#C58AF9",
                    "#FF8BCB",
                ],
                "#1E1E1E",
                "#E8EAED",
                "#9AA0A6",
            ),
            theme(
                "ocean",
                "Ocean",
                "Blues and greens",
                &[
                    "#023E8A", "#0077B6", "#0096C7", "#00B4D8", "#48CAE4", "#2A9D8F", "#52B788",
                    "#95D5B2",
                ],
                "#F5FBFF",
                "#03045E",
                "#457B9D",
            ),
            theme(
                "high-contrast",
                "High contrast",
                "Strong contrast and colour-blind-safe colours",
                &[
                    "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
                    "#CC79A7",
                ],
                "#FFFFFF",
                "#000000",
                "#333333",
            ),
        ],
        AssetKind::ChartTemplate => vec![
            Builtin {
                id: "measure-over-time",
                name: "A measure over time",
                description: "The daily sum of a measure over the last 30 days",
                definition: json!({
                    "placeholders": ["source_id", "table", "time_column", "measure"],
                    "chart": {"title": "{{measure}} by day", "chart_type": "line",
                        "query": {"source_id": "{{source_id}}", "table": "{{table}}",
                            "measures": [{"agg": "sum", "column": "{{measure}}", "as": "{{measure}}"}],
                            "time": {"column": "{{time_column}}", "granularity": "day", "period": "30d"}},
                        "position": {"x": 0, "y": 0, "w": 12, "h": 6}}
                }),
            },
            Builtin {
                id: "top-n",
                name: "Top 10 by a dimension",
                description: "The ten largest values of a dimension by the sum of a measure",
                definition: json!({
                    "placeholders": ["source_id", "table", "dimension", "measure"],
                    "chart": {"title": "Top {{dimension}} by {{measure}}", "chart_type": "bar",
                        "query": {"source_id": "{{source_id}}", "table": "{{table}}",
                            "measures": [{"agg": "sum", "column": "{{measure}}", "as": "{{measure}}"}],
                            "dimensions": ["{{dimension}}"],
                            "sort": [{"by": "{{measure}}", "desc": true}], "limit": 10},
                        "position": {"x": 0, "y": 0, "w": 12, "h": 6}}
                }),
            },
            Builtin {
                id: "kpi-total",
                name: "KPI total",
                description: "The sum of a measure as one number",
                definition: json!({
                    "placeholders": ["source_id", "table", "measure"],
                    "chart": {"title": "Total {{measure}}", "chart_type": "number",
                        "query": {"source_id": "{{source_id}}", "table": "{{table}}",
                            "measures": [{"agg": "sum", "column": "{{measure}}", "as": "{{measure}}"}]},
                        "position": {"x": 0, "y": 0, "w": 6, "h": 3}}
                }),
            },
            Builtin {
                id: "share-by-category",
                name: "Share by category",
                description: "How rows split across a dimension",
                definition: json!({
                    "placeholders": ["source_id", "table", "dimension"],
                    "chart": {"title": "Share by {{dimension}}", "chart_type": "pie",
                        "query": {"source_id": "{{source_id}}", "table": "{{table}}",
                            "measures": [{"agg": "count", "as": "rows"}], "dimensions": ["{{dimension}}"],
                            "sort": [{"by": "rows", "desc": true}], "limit": 12},
                        "position": {"x": 0, "y": 0, "w": 8, "h": 6}}
                }),
            },
        ],
        AssetKind::LayoutTemplate => vec![
            Builtin {
                id: "kpis-and-main",
                name: "KPI row, main chart and side panel",
                description: "Four KPI tiles across the top, a wide chart and a narrow one below",
                definition: json!({"columns": 24, "row_height": 40, "slots": [
                    {"x": 0, "y": 0, "w": 6, "h": 3}, {"x": 6, "y": 0, "w": 6, "h": 3},
                    {"x": 12, "y": 0, "w": 6, "h": 3}, {"x": 18, "y": 0, "w": 6, "h": 3},
                    {"x": 0, "y": 3, "w": 16, "h": 8}, {"x": 16, "y": 3, "w": 8, "h": 8}]}),
            },
            Builtin {
                id: "two-by-two",
                name: "Two by two",
                description: "Four equal charts",
                definition: json!({"columns": 24, "row_height": 40, "slots": [
                    {"x": 0, "y": 0, "w": 12, "h": 6}, {"x": 12, "y": 0, "w": 12, "h": 6},
                    {"x": 0, "y": 6, "w": 12, "h": 6}, {"x": 12, "y": 6, "w": 12, "h": 6}]}),
            },
            Builtin {
                id: "single",
                name: "One wide chart",
                description: "A single chart across the page",
                definition: json!({"columns": 24, "row_height": 40, "slots": [{"x": 0, "y": 0, "w": 24, "h": 10}]}),
            },
        ],
    }
}

/// The built-in `kind` named `id`, if any.
pub fn find(kind: AssetKind, id: &str) -> Option<Builtin> {
    of(kind).into_iter().find(|b| b.id == id)
}
