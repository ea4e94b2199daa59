//! The dashboards area: folders (nested), dashboards (charts on a grid, a theme, a version every
//! update names), and an organisation's reusable assets (themes, chart templates, layout
//! templates). The names and bounds checked here; chart queries are checked by the chart engine.

use chrono::NaiveDateTime;

use crate::error::Validator;
use crate::{DomainError, OrgId, UserId};

named_enum!(
    /// How a dashboard chart is drawn.
    ChartType, "chart_type" {
        /// Bars by a dimension.
        Bar = "bar",
        /// A line over time.
        Line = "line",
        /// An area over time.
        Area = "area",
        /// Slices of a whole.
        Pie = "pie",
        /// Rows as a table.
        Table = "table",
        /// One number (a KPI tile).
        Number = "number",
    }
);

named_enum!(
    /// What a dashboard asset is.
    AssetKind, "kind" {
        /// Palette, fonts, background and text colours.
        Theme = "theme",
        /// A reusable chart with placeholders.
        ChartTemplate = "chart_template",
        /// A grid definition.
        LayoutTemplate = "layout_template",
    }
);

/// Most charts one dashboard may hold.
pub const MAX_CHARTS: usize = 50;
/// Columns of the dashboard grid.
pub const GRID_COLUMNS: i64 = 24;
/// Deepest folder nesting.
pub const MAX_FOLDER_DEPTH: usize = 10;
/// Most dashboards one organisation may keep.
pub const MAX_DASHBOARDS_PER_ORG: i64 = 5_000;
/// Most folders one organisation may keep (its folder list is answered whole).
pub const MAX_FOLDERS_PER_ORG: i64 = 1_000;

/// A folder of dashboards.
#[derive(Debug, Clone, PartialEq)]
pub struct Folder {
    /// Id.
    pub id: i64,
    /// Owner.
    pub org_id: OrgId,
    /// Name.
    pub name: String,
    /// The folder it is in (none: at the top).
    pub parent_id: Option<i64>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A dashboard as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// Id.
    pub id: i64,
    /// Owner.
    pub org_id: OrgId,
    /// Its folder (none: at the top).
    pub folder_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// A theme: a built-in one's name or a custom theme's id.
    pub theme: Option<String>,
    /// The layout as JSON (grid settings).
    pub layout_json: String,
    /// The charts as a JSON array (each with its id, type, query or metric, options, position).
    pub charts_json: String,
    /// Increases by one on every update.
    pub version: i64,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A dashboard's content to save.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardDraft {
    /// Folder.
    pub folder_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Theme.
    pub theme: Option<String>,
    /// Layout JSON.
    pub layout_json: String,
    /// Charts JSON.
    pub charts_json: String,
}

/// An organisation's theme or template as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    /// Id.
    pub id: i64,
    /// Owner.
    pub org_id: OrgId,
    /// What it is.
    pub kind: AssetKind,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Its definition as JSON.
    pub definition_json: String,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A theme's or template's content to save.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetDraft {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Definition JSON.
    pub definition_json: String,
}

/// A chart's place on the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridPosition {
    /// Column, from 0.
    pub x: i64,
    /// Row, from 0.
    pub y: i64,
    /// Width in columns.
    pub w: i64,
    /// Height in rows.
    pub h: i64,
}

impl GridPosition {
    /// Checks a position on a grid of [`GRID_COLUMNS`] columns; `field` names it in errors.
    pub fn check(self, field: &str) -> Result<Self, DomainError> {
        let GridPosition { x, y, w, h } = self;
        if !(0..GRID_COLUMNS).contains(&x)
            || !(1..=GRID_COLUMNS).contains(&w)
            || x + w > GRID_COLUMNS
            || !(0..=10_000).contains(&y)
            || !(1..=100).contains(&h)
        {
            return Err(DomainError::field(
                field,
                format!("must fit the grid: 0 <= x, x + w <= {GRID_COLUMNS}, 1 <= w, 0 <= y <= 10000, 1 <= h <= 100"),
            ));
        }
        Ok(self)
    }
}

/// Checks a name or title: 1 to 200 characters, no control characters.
pub fn check_name(field: &str, raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(DomainError::field(field, "must be 1 to 200 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(DomainError::field(
            field,
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Checks a description: at most 5000 characters.
pub fn check_description(field: &str, raw: &str) -> Result<String, DomainError> {
    if raw.chars().count() > 5000 {
        return Err(DomainError::field(field, "must be at most 5000 characters"));
    }
    Ok(raw.trim().to_owned())
}

/// Checks a dashboard's title and description together.
pub fn check_dashboard_text(
    title: &str,
    description: &str,
) -> Result<(String, String), DomainError> {
    let mut v = Validator::new();
    let title = v.check(check_name("title", title));
    let description = v.check(check_description("description", description));
    v.finish()?;
    Ok((title.unwrap_or_default(), description.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_fit_the_grid() {
        let ok = GridPosition {
            x: 12,
            y: 0,
            w: 12,
            h: 4,
        };
        assert!(ok.check("p").is_ok());
        for bad in [
            GridPosition {
                x: 13,
                y: 0,
                w: 12,
                h: 4,
            },
            GridPosition {
                x: -1,
                y: 0,
                w: 1,
                h: 1,
            },
            GridPosition {
                x: 0,
                y: 0,
                w: 0,
                h: 1,
            },
            GridPosition {
                x: 0,
                y: -1,
                w: 1,
                h: 1,
            },
            GridPosition {
                x: 0,
                y: 0,
                w: 1,
                h: 101,
            },
        ] {
            assert!(bad.check("p").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_bounded_and_clean() {
        assert_eq!(check_name("title", "  Sales  ").unwrap(), "Sales");
        assert!(check_name("title", "").is_err());
        assert!(check_name("title", &"x".repeat(201)).is_err());
        assert!(check_name("title", "a\nb").is_err());
        assert!("gauge".parse::<ChartType>().is_err());
        assert_eq!("number".parse::<ChartType>().unwrap(), ChartType::Number);
    }
}
