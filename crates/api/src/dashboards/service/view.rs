//! A dashboard as one plain HTML page, rendered on the server with no JavaScript: its charts as
//! inline SVG on the dashboard's grid, in its theme; a chart that fails shows why in its place.
//! Also one chart of a dashboard by itself, in any format.

use std::fmt::Write;

use tessera_analytics::render::Theme;
use tessera_charts::CacheUse;
use tessera_domain::dashboards::{AssetKind, Dashboard, GRID_COLUMNS};
use tessera_store::dashboards::assets;

use crate::auth::Caller;
use crate::common::render;
use crate::dashboards::service::charts::{self, ChartOutcome, ChartSpec};
use crate::dashboards::service::{boards, builtins};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The page's width in pixels; a grid column is a 24th of it.
pub const PAGE_WIDTH: u32 = 1200;
/// A grid row's height in pixels.
pub const ROW_HEIGHT: u32 = 40;

/// The dashboard's theme: a built-in one, the organisation's own, or the default.
pub async fn theme_of(state: &AppState, caller: &Caller, board: &Dashboard) -> ApiResult<Theme> {
    let Some(name) = board.theme.as_deref() else {
        return Ok(Theme::default());
    };
    if let Some(b) = builtins::find(AssetKind::Theme, name) {
        return Ok(Theme::from_definition(&b.definition));
    }
    let Ok(id) = name.parse::<i64>() else {
        return Ok(Theme::default());
    };
    let org = caller.org_id;
    let found = state
        .db(
            move |conn| match assets::find(conn, org, AssetKind::Theme, id) {
                Ok(a) => Ok(Some(a)),
                Err(tessera_store::StoreError::NotFound) => Ok(None),
                Err(e) => Err(e.into()),
            },
        )
        .await?;
    // a theme deleted since the dashboard chose it falls back to the default
    Ok(found
        .and_then(|a| serde_json::from_str(&a.definition_json).ok())
        .map(|d| Theme::from_definition(&d))
        .unwrap_or_default())
}

fn charts_of(board: &Dashboard) -> ApiResult<Vec<ChartSpec>> {
    serde_json::from_str(&board.charts_json)
        .map_err(|e| ApiError::Internal(format!("dashboard {}: charts: {e}", board.id)))
}

/// One chart of dashboard `id`, with the dashboard's theme.
pub async fn chart(
    state: &AppState,
    caller: &Caller,
    id: i64,
    chart_id: &str,
    cache: CacheUse,
) -> ApiResult<(ChartOutcome, Theme)> {
    let board = boards::get(state, caller, id).await?;
    let chart = charts_of(&board)?
        .into_iter()
        .find(|c| c.id.as_deref() == Some(chart_id))
        .ok_or_else(|| ApiError::NotFound(format!("dashboard {id} has no chart '{chart_id}'")))?;
    let theme = theme_of(state, caller, &board).await?;
    let answer = charts::run(state, &caller.viewer(), &chart, cache).await;
    Ok((ChartOutcome { chart, answer }, theme))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The dashboard as an HTML page.
pub async fn page(
    state: &AppState,
    caller: &Caller,
    id: i64,
    cache: CacheUse,
) -> ApiResult<String> {
    let board = boards::get(state, caller, id).await?;
    let theme = theme_of(state, caller, &board).await?;
    let outcomes = charts::run_all(state, &caller.viewer(), charts_of(&board)?, cache).await;
    let column = f64::from(PAGE_WIDTH) / GRID_COLUMNS as f64;
    let rows = outcomes
        .iter()
        .map(|o| o.chart.position.y + o.chart.position.h)
        .max()
        .unwrap_or(1);
    let mut html = String::with_capacity(64 * 1024);
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title>\
<style>body{{margin:0;padding:16px;background:{bg};color:{fg};font-family:{font};}}\
h1{{font-size:22px;margin:0 0 4px}}p.d{{margin:0 0 12px;color:{muted}}}\
.grid{{position:relative;width:{pw}px;height:{ph}px}}.c{{position:absolute;box-sizing:border-box;padding:4px}}\
.c svg{{display:block;width:100%;height:100%}}.p{{border:1px solid {muted};padding:8px;height:100%;box-sizing:border-box}}</style></head><body>\
<h1>{title}</h1><p class=\"d\">{desc}</p><div class=\"grid\">",
        title = esc(&board.title),
        desc = esc(&board.description),
        bg = theme.background,
        fg = theme.text,
        muted = theme.muted,
        font = esc(&theme.font_family),
        pw = PAGE_WIDTH,
        ph = rows * i64::from(ROW_HEIGHT),
    );
    for o in &outcomes {
        let p = o.chart.position;
        let (w, h) = (
            (p.w as f64 * column).round() as u32,
            (p.h * i64::from(ROW_HEIGHT)) as u32,
        );
        let _ = write!(
            html,
            "<div class=\"c\" id=\"chart-{}\" style=\"left:{}px;top:{}px;width:{w}px;height:{h}px\">",
            esc(o.chart.id.as_deref().unwrap_or_default()),
            (p.x as f64 * column).round(),
            p.y * i64::from(ROW_HEIGHT),
        );
        match &o.answer {
            Ok(a) => {
                let size = (w.saturating_sub(8).max(100), h.saturating_sub(8).max(100));
                html.push_str(&render::svg(
                    a,
                    &o.chart.title,
                    &o.chart.chart_type,
                    &theme,
                    size,
                ));
            }
            Err(e) => {
                let problem = e.problem();
                let _ = write!(
                    html,
                    "<div class=\"p\"><strong>{}</strong><br>{}</div>",
                    esc(&o.chart.title),
                    esc(problem.detail.as_deref().unwrap_or(&problem.title))
                );
            }
        }
        html.push_str("</div>");
    }
    html.push_str("</div></body></html>");
    Ok(html)
}
