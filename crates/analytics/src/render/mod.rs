//! Charts drawn without a browser: SVG (bar, line, area, pie, table, number) in a theme's
//! palette, fonts and colours, every label escaped; PNG rasterised from the same SVG with a font
//! shipped in the binary (`png`); and CSV of the same rows. Alert emails and the dashboard view
//! page reuse the SVG.

pub mod png;

use std::fmt::Write;

use serde_json::{Map, Value as Json};

use crate::svg::{esc, num};

/// A chart's colours and fonts.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Series colours, in order.
    pub palette: Vec<String>,
    /// Background colour.
    pub background: String,
    /// Text colour.
    pub text: String,
    /// Axis and grid colour.
    pub muted: String,
    /// CSS font family list.
    pub font_family: String,
    /// Base font size in pixels.
    pub font_size: f64,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            palette: [
                "#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2",
                "#FF9DA6",
            ]
            .map(str::to_owned)
            .to_vec(),
            background: "#FFFFFF".into(),
            text: "#1F2933".into(),
            muted: "#9AA5B1".into(),
            font_family: "DejaVu Sans, Helvetica, Arial, sans-serif".into(),
            font_size: 12.0,
        }
    }
}

fn colour(v: Option<&Json>) -> Option<String> {
    let c = v?.as_str()?;
    let hex = c.strip_prefix('#')?;
    ((hex.len() == 3 || hex.len() == 6) && hex.chars().all(|h| h.is_ascii_hexdigit()))
        .then(|| c.to_owned())
}

impl Theme {
    /// A theme from its definition (`palette`, `fonts`, `background`, `text`, `muted_text`);
    /// what is missing or malformed keeps the default.
    pub fn from_definition(def: &Json) -> Self {
        let d = Self::default();
        let palette: Vec<String> = def
            .get("palette")
            .and_then(Json::as_array)
            .map(|p| p.iter().filter_map(|c| colour(Some(c))).collect())
            .unwrap_or_default();
        let family = def
            .pointer("/fonts/family")
            .and_then(Json::as_str)
            .filter(|f| {
                f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || " ,-'_".contains(c))
            });
        Self {
            palette: if palette.is_empty() {
                d.palette
            } else {
                palette
            },
            background: colour(def.get("background")).unwrap_or(d.background),
            text: colour(def.get("text")).unwrap_or(d.text),
            muted: colour(def.get("muted_text")).unwrap_or(d.muted),
            font_family: family.map(str::to_owned).unwrap_or(d.font_family),
            font_size: def
                .pointer("/fonts/size")
                .and_then(Json::as_f64)
                .filter(|s| (6.0..=48.0).contains(s))
                .unwrap_or(d.font_size),
        }
    }

    fn colour(&self, i: usize) -> &str {
        &self.palette[i % self.palette.len().max(1)]
    }
}

/// What a column of the rows is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The time bucket.
    Time,
    /// A group-by column.
    Dimension,
    /// A number.
    Measure,
}

/// A column of the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Its key in each row.
    pub name: String,
    /// What it is.
    pub role: Role,
}

/// What to draw.
#[derive(Debug, Clone, Copy)]
pub struct Drawing<'a> {
    /// The chart's title.
    pub title: &'a str,
    /// bar, line, area, pie, table or number.
    pub chart_type: &'a str,
    /// The rows' columns.
    pub columns: &'a [Column],
    /// The rows.
    pub rows: &'a [Map<String, Json>],
}

/// Smallest and largest image side in pixels.
pub const SIDES: (u32, u32) = (100, 4096);

fn label(v: Option<&Json>) -> String {
    match v {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Null) | None => "–".into(),
        Some(other) => other.to_string(),
    }
}

fn value(v: Option<&Json>) -> f64 {
    v.and_then(Json::as_f64)
        .filter(|x| x.is_finite())
        .unwrap_or(0.0)
}

/// `(label, value)` pairs: the x column (time, else the first dimension) and the first measure,
/// summed per label in first-seen order.
fn pairs(d: &Drawing) -> Vec<(String, f64)> {
    let x = d
        .columns
        .iter()
        .find(|c| c.role == Role::Time)
        .or_else(|| d.columns.iter().find(|c| c.role == Role::Dimension));
    let Some(m) = d.columns.iter().find(|c| c.role == Role::Measure) else {
        return Vec::new();
    };
    let mut out: Vec<(String, f64)> = Vec::new();
    for r in d.rows {
        let l = x
            .map(|x| label(r.get(&x.name)))
            .unwrap_or_else(|| m.name.clone());
        let v = value(r.get(&m.name));
        match out.iter_mut().find(|(k, _)| *k == l) {
            Some((_, s)) => *s += v,
            None => out.push((l, v)),
        }
    }
    out
}

/// A "nice" upper bound and step for an axis from 0 (or below) to `max`.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).abs().max(1e-9);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).floor() * step;
    let mut out = Vec::new();
    let mut t = start;
    while t <= hi + step * 0.5 && out.len() < 12 {
        out.push(t);
        t += step;
    }
    out
}

struct Frame {
    w: f64,
    h: f64,
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Frame {
    fn plot_w(&self) -> f64 {
        (self.w - self.left - self.right).max(1.0)
    }
    fn plot_h(&self) -> f64 {
        (self.h - self.top - self.bottom).max(1.0)
    }
}

fn open(out: &mut String, d: &Drawing, t: &Theme, w: u32, h: u32) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{}" font-size="{}"><rect width="{w}" height="{h}" fill="{}"/><text x="12" y="{}" fill="{}" font-size="{}" font-weight="bold">{}</text>"#,
        esc(&t.font_family),
        num(t.font_size),
        t.background,
        t.font_size * 1.6,
        t.text,
        num(t.font_size * 1.25),
        esc(d.title)
    );
}

fn empty(out: &mut String, t: &Theme, w: f64, h: f64) {
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle" fill="{}">No data</text>"#,
        num(w / 2.0),
        num(h / 2.0),
        t.muted
    );
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn axes(
    out: &mut String,
    f: &Frame,
    t: &Theme,
    labels: &[String],
    lo: f64,
    hi: f64,
) -> impl Fn(f64) -> f64 {
    let ys = ticks(lo, hi);
    let (y0, y1) = (
        ys.first().copied().unwrap_or(lo),
        ys.last().copied().unwrap_or(hi).max(lo + 1e-9),
    );
    let (top, ph) = (f.top, f.plot_h());
    let scale = move |v: f64| top + ph - (v - y0) / (y1 - y0) * ph;
    for y in &ys {
        let py = scale(*y);
        let _ = write!(
            out,
            r#"<line x1="{}" y1="{py:.1}" x2="{}" y2="{py:.1}" stroke="{}" stroke-width="0.5"/><text x="{}" y="{:.1}" text-anchor="end" fill="{}">{}</text>"#,
            num(f.left),
            num(f.w - f.right),
            t.muted,
            num(f.left - 6.0),
            py + 4.0,
            t.text,
            esc(&num(*y))
        );
    }
    let n = labels.len().max(1);
    let every = n.div_ceil(((f.plot_w() / 70.0).floor() as usize).max(1));
    for (i, l) in labels.iter().enumerate() {
        if i % every != 0 {
            continue;
        }
        let x = f.left + (i as f64 + 0.5) * f.plot_w() / n as f64;
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="{}">{}</text>"#,
            f.h - f.bottom + 16.0,
            t.text,
            esc(&short(l, 12))
        );
    }
    scale
}

/// The chart as an SVG document of `width` × `height` pixels (clamped to [`SIDES`]).
pub fn svg(d: &Drawing, t: &Theme, width: u32, height: u32) -> String {
    let (w, h) = (
        width.clamp(SIDES.0, SIDES.1),
        height.clamp(SIDES.0, SIDES.1),
    );
    let mut out = String::with_capacity(4096);
    open(&mut out, d, t, w, h);
    let f = Frame {
        w: f64::from(w),
        h: f64::from(h),
        left: 64.0,
        top: t.font_size * 3.0,
        right: 16.0,
        bottom: 32.0,
    };
    let data = pairs(d);
    if data.is_empty() && d.chart_type != "table" {
        empty(&mut out, t, f.w, f.h);
        out.push_str("</svg>");
        return out;
    }
    match d.chart_type {
        "number" => number(&mut out, d, t, &f),
        "pie" => pie(&mut out, &data, t, &f),
        "table" => table(&mut out, d, t, &f),
        "line" | "area" => line(&mut out, &data, t, &f, d.chart_type == "area"),
        _ => bars(&mut out, &data, t, &f),
    }
    out.push_str("</svg>");
    out
}

fn bars(out: &mut String, data: &[(String, f64)], t: &Theme, f: &Frame) {
    let labels: Vec<String> = data.iter().map(|(l, _)| l.clone()).collect();
    let lo = data.iter().map(|(_, v)| *v).fold(0.0, f64::min);
    let hi = data.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let y = axes(out, f, t, &labels, lo, hi);
    let slot = f.plot_w() / data.len() as f64;
    let bw = (slot * 0.7).max(1.0);
    for (i, (l, v)) in data.iter().enumerate() {
        let x = f.left + i as f64 * slot + (slot - bw) / 2.0;
        let (a, b) = (y(*v), y(0.0));
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect>"#,
            a.min(b),
            (a - b).abs(),
            t.colour(0),
            esc(l),
            esc(&num(*v))
        );
    }
}

fn line(out: &mut String, data: &[(String, f64)], t: &Theme, f: &Frame, area: bool) {
    let labels: Vec<String> = data.iter().map(|(l, _)| l.clone()).collect();
    let lo = data.iter().map(|(_, v)| *v).fold(0.0, f64::min);
    let hi = data.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let y = axes(out, f, t, &labels, lo, hi);
    let step = f.plot_w() / data.len() as f64;
    let points: Vec<(f64, f64)> = data
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (f.left + (i as f64 + 0.5) * step, y(*v)))
        .collect();
    let path: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    if area {
        let base = y(0.0);
        let (first, last) = (points[0].0, points[points.len() - 1].0);
        let _ = write!(
            out,
            r#"<polygon points="{first:.1},{base:.1} {} {last:.1},{base:.1}" fill="{}" fill-opacity="0.3"/>"#,
            path.join(" "),
            t.colour(0)
        );
    }
    let _ = write!(
        out,
        r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
        path.join(" "),
        t.colour(0)
    );
}

fn pie(out: &mut String, data: &[(String, f64)], t: &Theme, f: &Frame) {
    let total: f64 = data.iter().map(|(_, v)| v.max(0.0)).sum();
    if total <= 0.0 {
        empty(out, t, f.w, f.h);
        return;
    }
    let r = (f.plot_h().min(f.plot_w() * 0.6) / 2.0).max(10.0);
    let (cx, cy) = (f.left + r, f.top + f.plot_h() / 2.0);
    let mut angle = -std::f64::consts::FRAC_PI_2;
    for (i, (l, v)) in data.iter().enumerate() {
        let share = v.max(0.0) / total;
        if share <= 0.0 {
            continue;
        }
        let next = angle + share * std::f64::consts::TAU;
        let colour = t.colour(i);
        if share >= 0.9999 {
            let _ = write!(
                out,
                r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{r:.1}" fill="{colour}"/>"#
            );
        } else {
            let (x0, y0) = (cx + r * angle.cos(), cy + r * angle.sin());
            let (x1, y1) = (cx + r * next.cos(), cy + r * next.sin());
            let large = u8::from(share > 0.5);
            let _ = write!(
                out,
                r#"<path d="M{cx:.1},{cy:.1} L{x0:.1},{y0:.1} A{r:.1},{r:.1} 0 {large} 1 {x1:.1},{y1:.1} Z" fill="{colour}"><title>{}: {}</title></path>"#,
                esc(l),
                esc(&num(*v))
            );
        }
        if i < 12 {
            let ly = f.top + i as f64 * t.font_size * 1.6;
            let lx = cx + r + 24.0;
            let _ = write!(
                out,
                r#"<rect x="{lx:.1}" y="{:.1}" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="{ly:.1}" fill="{}">{} ({}%)</text>"#,
                ly - 9.0,
                lx + 14.0,
                t.text,
                esc(&short(l, 24)),
                num((share * 1000.0).round() / 10.0)
            );
        }
        angle = next;
    }
}

fn table(out: &mut String, d: &Drawing, t: &Theme, f: &Frame) {
    let cols: Vec<&Column> = d.columns.iter().take(6).collect();
    if cols.is_empty() {
        empty(out, t, f.w, f.h);
        return;
    }
    let line_h = t.font_size * 1.7;
    let col_w = (f.w - 24.0) / cols.len() as f64;
    let mut y = f.top + t.font_size;
    for (i, c) in cols.iter().enumerate() {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{y:.1}" fill="{}" font-weight="bold">{}</text>"#,
            12.0 + i as f64 * col_w,
            t.text,
            esc(&short(&c.name, 20))
        );
    }
    let rows = ((f.h - y - 8.0) / line_h).floor().max(0.0) as usize;
    for r in d.rows.iter().take(rows) {
        y += line_h;
        for (i, c) in cols.iter().enumerate() {
            let v = r.get(&c.name);
            let text = match (c.role, v) {
                (Role::Measure, Some(Json::Number(n))) => num(n.as_f64().unwrap_or(0.0)),
                _ => label(v),
            };
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{y:.1}" fill="{}">{}</text>"#,
                12.0 + i as f64 * col_w,
                t.text,
                esc(&short(&text, 24))
            );
        }
    }
}

fn number(out: &mut String, d: &Drawing, t: &Theme, f: &Frame) {
    let m = d.columns.iter().find(|c| c.role == Role::Measure);
    let v = m
        .map(|m| d.rows.iter().map(|r| value(r.get(&m.name))).sum::<f64>())
        .unwrap_or(0.0);
    let size = (f.plot_h() * 0.5).clamp(t.font_size * 2.0, 120.0);
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{}" font-size="{}" font-weight="bold">{}</text>"#,
        f.w / 2.0,
        f.top + f.plot_h() / 2.0 + size / 3.0,
        t.colour(0),
        num(size.round()),
        esc(&num(v))
    );
}

/// The rows as CSV: one header line of the columns' names, then a line per row.
pub fn csv(columns: &[Column], rows: &[Map<String, Json>]) -> String {
    fn cell(v: Option<&Json>) -> String {
        let s = match v {
            None | Some(Json::Null) => String::new(),
            Some(Json::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        // a leading = + - @ would be a formula in a spreadsheet
        let s = if s.starts_with(['=', '+', '@'])
            || (s.starts_with('-') && s.parse::<f64>().is_err())
        {
            format!("'{s}")
        } else {
            s
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let mut out = String::new();
    let names: Vec<String> = columns
        .iter()
        .map(|c| cell(Some(&Json::String(c.name.clone()))))
        .collect();
    out.push_str(&names.join(","));
    out.push_str("\r\n");
    for r in rows {
        let line: Vec<String> = columns.iter().map(|c| cell(r.get(&c.name))).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows(v: Json) -> Vec<Map<String, Json>> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_object().unwrap().clone())
            .collect()
    }

    fn cols() -> Vec<Column> {
        vec![
            Column {
                name: "category".into(),
                role: Role::Dimension,
            },
            Column {
                name: "revenue".into(),
                role: Role::Measure,
            },
        ]
    }

    #[test]
    fn every_chart_type_draws_escaped_well_formed_svg_and_a_png() {
        let r = rows(
            json!([{"category": "<b>&", "revenue": 10}, {"category": "books", "revenue": 30.5}, {"category": "toys", "revenue": -4}]),
        );
        let c = cols();
        for kind in ["bar", "line", "area", "pie", "table", "number"] {
            let d = Drawing {
                title: "Sales \"by\" <category>",
                chart_type: kind,
                columns: &c,
                rows: &r,
            };
            let s = svg(&d, &Theme::default(), 640, 320);
            assert!(s.starts_with("<svg") && s.ends_with("</svg>"), "{kind}");
            assert!(!s.contains("<b>"), "{kind}: labels are escaped");
            assert!(
                s.contains("Sales &quot;by&quot; &lt;category&gt;"),
                "{kind}"
            );
            let p = png::png(&s).unwrap();
            assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n", "{kind}");
            // width and height are the IHDR's first fields
            assert_eq!(u32::from_be_bytes([p[16], p[17], p[18], p[19]]), 640);
            assert_eq!(u32::from_be_bytes([p[20], p[21], p[22], p[23]]), 320);
        }
        let empty = Drawing {
            title: "t",
            chart_type: "bar",
            columns: &c,
            rows: &[],
        };
        assert!(svg(&empty, &Theme::default(), 50, 99_999).contains("No data"));
    }

    #[test]
    fn a_theme_is_read_from_its_definition_with_defaults_for_the_rest() {
        let t = Theme::from_definition(
            &json!({"palette": ["#112233", "red"], "background": "#000", "fonts": {"family": "x\"><script>"}}),
        );
        assert_eq!(t.palette, ["#112233"]);
        assert_eq!(t.background, "#000");
        assert_eq!(
            t.font_family,
            Theme::default().font_family,
            "a family that could break out is refused"
        );
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let r = rows(
            json!([{"category": "a,b", "revenue": 1}, {"category": "=HYPERLINK(\"x\")", "revenue": -2.5}, {"category": null, "revenue": 3}]),
        );
        assert_eq!(
            csv(&cols(), &r),
            "category,revenue\r\n\"a,b\",1\r\n\"'=HYPERLINK(\"\"x\"\")\",-2.5\r\n,3\r\n"
        );
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(0.0, 97.0), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(ticks(-4.0, 30.5).first(), Some(&-10.0));
    }
}
