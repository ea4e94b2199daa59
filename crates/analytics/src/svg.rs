//! Small inline SVG charts (histogram, horizontal bars, heatmap) with no scripts or fonts: text
//! uses the reader's system sans-serif, and every label is escaped.

use std::fmt::Write;

/// Escapes text for HTML and SVG content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number for a label: integers plainly, others with up to four significant decimals.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        format!("{v:.3e}")
    } else if a >= 100.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Vertical bars of counts with the first and last edge labelled (a histogram).
pub fn histogram(title: &str, edges: (f64, f64), counts: &[u64]) -> String {
    let (w, h, pad) = (420.0, 160.0, 24.0);
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let bw = (w - 2.0 * pad) / counts.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for (i, &c) in counts.iter().enumerate() {
        let bh = (h - 2.0 * pad) * c as f64 / max;
        let _ = write!(
            svg,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#4e79a7"><title>{c}</title></rect>"##,
            pad + bw * i as f64 + 0.5,
            h - pad - bh,
            (bw - 1.0).max(0.5),
            bh
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="{pad}" y1="{y}" x2="{x2}" y2="{y}" stroke="#555"/><text x="{pad}" y="{ty}" font-size="11">{}</text><text x="{x2}" y="{ty}" font-size="11" text-anchor="end">{}</text><text x="{pad}" y="14" font-size="11" fill="#555">max {}</text></svg>"##,
        esc(&num(edges.0)),
        esc(&num(edges.1)),
        max as u64,
        y = h - pad,
        x2 = w - pad,
        ty = h - 8.0
    );
    svg
}

/// Horizontal bars: one labelled row per item, value text at the bar's end. `scale` is the
/// value of a full-width bar.
pub fn bars(title: &str, items: &[(String, f64, String)], scale: f64) -> String {
    let (w, row, label_w) = (420.0, 18.0, 150.0);
    let h = row * items.len() as f64 + 8.0;
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for (i, (label, value, text)) in items.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let bw = ((w - label_w - 70.0) * value / scale).max(0.0);
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text><rect x="{label_w}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="#59a14f"/><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"##,
            label_w - 6.0,
            y + 12.0,
            esc(&shorten(label, 24)),
            y + 2.0,
            row - 4.0,
            label_w + bw + 4.0,
            y + 12.0,
            esc(text)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn heat_colour(v: f64) -> String {
    // blue for negative, red for positive, white at zero
    let t = v.clamp(-1.0, 1.0);
    let (r, g, b) = if t >= 0.0 {
        (255.0, 255.0 - 180.0 * t, 255.0 - 200.0 * t)
    } else {
        (255.0 + 200.0 * t, 255.0 + 140.0 * t, 255.0)
    };
    format!("rgb({:.0},{:.0},{:.0})", r, g, b)
}

/// A correlation heatmap with row labels, values in each cell when the matrix is small.
pub fn heatmap(title: &str, names: &[String], values: &[Vec<Option<f64>>]) -> String {
    let n = names.len();
    let cell = (360.0 / n.max(1) as f64).clamp(8.0, 36.0);
    let label_w = 130.0;
    let size = label_w + cell * n as f64 + 10.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size:.0} {size:.0}" width="{size:.0}" height="{size:.0}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for (i, name) in names.iter().enumerate() {
        let y = label_w + cell * i as f64;
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end">{}</text><text transform="translate({:.1},{:.1}) rotate(-60)" font-size="10">{}</text>"#,
            label_w - 4.0,
            y + cell * 0.65,
            esc(&shorten(name, 20)),
            label_w + cell * (i as f64 + 0.5),
            label_w - 4.0,
            esc(&shorten(name, 20))
        );
        for (j, v) in values[i].iter().enumerate() {
            let x = label_w + cell * j as f64;
            let (fill, tip) = match v {
                Some(v) => (
                    heat_colour(*v),
                    format!("{} / {}: {:.3}", names[i], names[j], v),
                ),
                None => ("#eee".into(), format!("{} / {}: n/a", names[i], names[j])),
            };
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{cell:.1}" height="{cell:.1}" fill="{fill}" stroke="white"><title>{}</title></rect>"#,
                esc(&tip)
            );
            if let (Some(v), true) = (v, cell >= 28.0) {
                let _ = write!(
                    svg,
                    r#"<text x="{:.1}" y="{:.1}" font-size="9" text-anchor="middle">{v:.2}</text>"#,
                    x + cell / 2.0,
                    y + cell * 0.6
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        let svg = bars(
            "t",
            &[("<script>alert(1)</script>".into(), 1.0, "1".into())],
            1.0,
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(1234.5678), "1234.57");
        assert_eq!(num(f64::NAN), "–");
    }
}
