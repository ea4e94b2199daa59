//! PNG from the same SVG: rasterised by resvg with DejaVu Sans shipped in the binary, so a
//! server without fonts draws the same labels.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use crate::error::{AnalyticsError, Result};

/// DejaVu Sans (Bitstream Vera licence, `assets/DejaVuSans-LICENSE.txt`).
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

fn options() -> &'static usvg::Options<'static> {
    static OPTIONS: OnceLock<usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(FONT.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        usvg::Options {
            font_family: "DejaVu Sans".into(),
            fontdb: Arc::new(db),
            ..usvg::Options::default()
        }
    })
}

/// Most pixels a PNG may have (4096 × 4096).
pub const MAX_PIXELS: u64 = 4096 * 4096;

/// Rasterises `svg` into a PNG of its own size.
pub fn png(svg: &str) -> Result<Vec<u8>> {
    let tree = usvg::Tree::from_str(svg, options())
        .map_err(|e| AnalyticsError::InvalidRequest(format!("svg: {e}")))?;
    let size = tree.size().to_int_size();
    if u64::from(size.width()) * u64::from(size.height()) > MAX_PIXELS {
        return Err(AnalyticsError::InvalidRequest(
            "the image would be larger than 4096 × 4096 pixels".into(),
        ));
    }
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| AnalyticsError::InvalidRequest("the image has no area".into()))?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| AnalyticsError::InvalidRequest(format!("png: {e}")))
}
