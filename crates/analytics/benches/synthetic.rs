//! A generated mixed CSV like the benchmark file: 20 columns of ints, skewed floats
//! with outliers, low- and high-cardinality strings, booleans, dates and datetimes, about 5%
//! missing cells in several columns, 1% duplicate rows, correlated columns and a binary target.

use std::io::Write;
use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const REGIONS: [&str; 5] = ["north", "south", "east", "west", "central"];
const SEGMENTS: [&str; 4] = ["consumer", "corporate", "home office", "small business"];
const CHANNELS: [&str; 3] = ["web", "store", "phone"];

/// Writes `rows` rows to `path` (deterministic for a seed).
pub fn write_mixed_csv(path: &Path, rows: usize, seed: u64) -> std::io::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(
        out,
        "id,age,income,spend,score,score2,visits,discount,region,segment,city,email,product,is_active,has_coupon,signup_date,last_seen,rating,channel,target"
    )?;
    let mut previous = String::new();
    let mut line = String::with_capacity(256);
    for i in 0..rows {
        if i > 0 && rng.gen_bool(0.01) {
            out.write_all(previous.as_bytes())?;
            continue;
        }
        line.clear();
        let miss = |rng: &mut StdRng| rng.gen_bool(0.05);
        let age: i64 = rng.gen_range(18..90);
        // log-normal-ish income with a few huge outliers
        let z: f64 = (0..6).map(|_| rng.gen::<f64>()).sum::<f64>() - 3.0;
        let mut income = (10.5 + 0.6 * z).exp();
        if rng.gen_bool(0.002) {
            income *= 50.0;
        }
        let spend = income * 0.3 + rng.gen_range(-2000.0..2000.0);
        let score: f64 = (0..12).map(|_| rng.gen::<f64>()).sum::<f64>() - 6.0;
        let score2 = score * 0.9 + rng.gen_range(-0.3..0.3);
        let visits: i64 = if rng.gen_bool(0.3) {
            0
        } else {
            rng.gen_range(1..40)
        };
        let day = rng.gen_range(0..1500);
        let date = chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default()
            + chrono::Duration::days(day);
        let seen = date.and_hms_opt(0, 0, 0).unwrap_or_default()
            + chrono::Duration::seconds(rng.gen_range(0..86_400 * 30));
        let target = i64::from(score + rng.gen_range(-1.0..1.0) > 0.5);
        use std::fmt::Write as _;
        let _ = write!(line, "{i},{age},");
        if !miss(&mut rng) {
            let _ = write!(line, "{income:.2}");
        }
        let _ = write!(line, ",{spend:.2},{score:.4},{score2:.4},{visits},");
        if !miss(&mut rng) {
            let _ = write!(line, "{:.3}", rng.gen_range(0.0..0.5));
        }
        line.push(',');
        line.push_str(REGIONS[rng.gen_range(0..REGIONS.len())]);
        line.push(',');
        if !miss(&mut rng) {
            line.push_str(SEGMENTS[rng.gen_range(0..SEGMENTS.len())]);
        }
        let _ = write!(
            line,
            ",city_{},user{}@example.com,product_{},{},{},{date},{},",
            rng.gen_range(0..5000),
            rng.gen_range(0..800_000),
            rng.gen_range(0..50),
            rng.gen_bool(0.7),
            rng.gen_bool(0.05),
            seen.format("%Y-%m-%d %H:%M:%S")
        );
        if !miss(&mut rng) {
            let _ = write!(line, "{}", rng.gen_range(1..6));
        }
        let _ = writeln!(
            line,
            ",{},{target}",
            CHANNELS[rng.gen_range(0..CHANNELS.len())]
        );
        out.write_all(line.as_bytes())?;
        std::mem::swap(&mut previous, &mut line);
    }
    out.flush()
}
