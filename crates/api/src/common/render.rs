//! Chart answers as images and files: `?format=svg|png|csv` (with `width`, `height`) on the
//! chart endpoints and on dashboard charts, drawn by `tessera_analytics::render` (PNG on the
//! blocking pool: rasterising is CPU work).

use actix_web::HttpResponse;
use serde::Deserialize;
use tessera_analytics::render::{self, Column, Drawing, Role, Theme};
use tessera_charts::ChartAnswer;
use tessera_domain::chart::OutputRole;
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How a chart is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The JSON answer.
    Json,
    /// An SVG image.
    Svg,
    /// A PNG image.
    Png,
    /// The rows as CSV.
    Csv,
}

/// `?format=&width=&height=`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RenderParams {
    /// `json` (default), `svg`, `png` or `csv`.
    pub format: Option<String>,
    /// Image width in pixels, 100 to 4096 (default 800).
    pub width: Option<u32>,
    /// Image height in pixels, 100 to 4096 (default 400).
    pub height: Option<u32>,
}

impl RenderParams {
    /// The format asked for.
    pub fn format(&self) -> ApiResult<Format> {
        match self.format.as_deref().map(str::trim).unwrap_or("json") {
            "" | "json" => Ok(Format::Json),
            "svg" => Ok(Format::Svg),
            "png" => Ok(Format::Png),
            "csv" => Ok(Format::Csv),
            _ => Err(ApiError::field("format", "must be json, svg, png or csv")),
        }
    }

    /// The image size asked for, checked.
    pub fn size(&self) -> ApiResult<(u32, u32)> {
        let (lo, hi) = render::SIDES;
        let w = self.width.unwrap_or(800);
        let h = self.height.unwrap_or(400);
        for (name, v) in [("width", w), ("height", h)] {
            if !(lo..=hi).contains(&v) {
                return Err(ApiError::field(
                    name,
                    format!("must be between {lo} and {hi}"),
                ));
            }
        }
        Ok((w, h))
    }
}

/// The answer's columns for the renderer (a named metric's line keys its time as `date`).
pub fn columns(answer: &ChartAnswer) -> Vec<Column> {
    let first = answer.rows.first();
    answer
        .columns
        .iter()
        .map(|c| Column {
            name: match (c.role, first) {
                (OutputRole::Time, Some(r))
                    if !r.contains_key(&c.name) && r.contains_key("date") =>
                {
                    "date".into()
                }
                _ => c.name.clone(),
            },
            role: match c.role {
                OutputRole::Time => Role::Time,
                OutputRole::Dimension => Role::Dimension,
                OutputRole::Measure => Role::Measure,
            },
        })
        .collect()
}

/// The chart type to draw a general query as: line over time, else bars.
pub fn default_chart_type(answer: &ChartAnswer) -> &'static str {
    if answer.columns.iter().any(|c| c.role == OutputRole::Time) {
        "line"
    } else {
        "bar"
    }
}

/// The SVG of an answer.
pub fn svg(
    answer: &ChartAnswer,
    title: &str,
    chart_type: &str,
    theme: &Theme,
    size: (u32, u32),
) -> String {
    let cols = columns(answer);
    let d = Drawing {
        title,
        chart_type,
        columns: &cols,
        rows: &answer.rows,
    };
    render::svg(&d, theme, size.0, size.1)
}

/// Answers `answer` as an image or CSV (`format` is not JSON).
pub async fn respond(
    state: &AppState,
    answer: &ChartAnswer,
    title: &str,
    chart_type: &str,
    theme: &Theme,
    params: &RenderParams,
) -> ApiResult<HttpResponse> {
    let size = params.size()?;
    Ok(match params.format()? {
        Format::Json => {
            return Err(ApiError::Internal("respond is for images and files".into()));
        }
        Format::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(render::csv(&columns(answer), &answer.rows)),
        Format::Svg => HttpResponse::Ok()
            .content_type("image/svg+xml")
            .body(svg(answer, title, chart_type, theme, size)),
        Format::Png => {
            let doc = svg(answer, title, chart_type, theme, size);
            let png = state
                .blocking(move || render::png::png(&doc))
                .await?
                .map_err(ApiError::from)?;
            HttpResponse::Ok().content_type("image/png").body(png)
        }
    })
}
