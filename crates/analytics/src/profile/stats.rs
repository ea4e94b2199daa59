//! Plain statistics on slices, with the conventions pandas uses (sample std with ddof = 1,
//! linear quantile interpolation, bias-corrected skewness and excess kurtosis), so numbers agree
//! with what analysts compute in a notebook.

/// Arithmetic mean; `None` for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Central moments of orders 2, 3 and 4, as sums (not divided by n).
fn central_sums(values: &[f64], mean: f64) -> (f64, f64, f64) {
    values.iter().fold((0.0, 0.0, 0.0), |(s2, s3, s4), v| {
        let d = v - mean;
        let d2 = d * d;
        (s2 + d2, s3 + d2 * d, s4 + d2 * d2)
    })
}

/// Mean, sample variance (ddof = 1), skewness and excess kurtosis in one pass over the data
/// after the mean, as pandas' `mean`, `var`, `skew` and `kurt` compute them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample variance (ddof = 1); `None` below two values.
    pub variance: Option<f64>,
    /// Adjusted Fisher-Pearson skewness; `None` below three values.
    pub skewness: Option<f64>,
    /// Bias-corrected excess kurtosis; `None` below four values.
    pub kurtosis: Option<f64>,
}

/// The moments of a set of finite values; `None` when there are none.
pub fn moments(values: &[f64]) -> Option<Moments> {
    let mean = mean(values)?;
    let n = values.len() as f64;
    let (s2, s3, s4) = central_sums(values, mean);
    let variance = (values.len() >= 2).then(|| s2 / (n - 1.0));
    // pandas treats a variance this close to zero as zero (constant column: skew and kurt 0)
    let flat = s2 <= f64::EPSILON * mean.abs().max(1.0) * n;
    let skewness = (values.len() >= 3).then(|| {
        if flat {
            0.0
        } else {
            let (m2, m3) = (s2 / n, s3 / n);
            (n * (n - 1.0)).sqrt() / (n - 2.0) * m3 / m2.powf(1.5)
        }
    });
    let kurtosis = (values.len() >= 4).then(|| {
        if flat {
            0.0
        } else {
            let numerator = n * (n + 1.0) * (n - 1.0) * s4;
            let denominator = (n - 2.0) * (n - 3.0) * s2 * s2;
            numerator / denominator - 3.0 * (n - 1.0).powi(2) / ((n - 2.0) * (n - 3.0))
        }
    });
    Some(Moments {
        mean,
        variance,
        skewness,
        kurtosis,
    })
}

/// The `q` quantile (0..=1) of sorted values with linear interpolation (pandas' default).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (sorted[lo], sorted[hi.min(sorted.len() - 1)]);
    Some(a + (b - a) * (pos - lo as f64))
}

/// Number of distinct values in a sorted slice.
pub fn distinct_sorted(sorted: &[f64]) -> usize {
    if sorted.is_empty() {
        return 0;
    }
    1 + sorted.windows(2).filter(|w| w[0] != w[1]).count()
}

/// One histogram bin: `[start, end)` (the last bin includes its end).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bin {
    /// Lower edge.
    pub start: f64,
    /// Upper edge.
    pub end: f64,
    /// Values in the bin.
    pub count: u64,
}

/// Bins for sorted finite values: numpy's `auto` rule (the smaller width of Sturges and
/// Freedman-Diaconis), at most `max_bins`; small integer ranges get one bin per integer.
pub fn histogram(sorted: &[f64], max_bins: usize, integers: bool) -> Vec<Bin> {
    let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
        return Vec::new();
    };
    if min == max {
        return vec![Bin {
            start: min,
            end: max,
            count: sorted.len() as u64,
        }];
    }
    let n = sorted.len() as f64;
    let range = max - min;
    let bins = if integers && range < max_bins as f64 {
        range as usize + 1
    } else {
        let sturges = range / (n.log2() + 1.0);
        let iqr = quantile_sorted(sorted, 0.75).unwrap_or(max)
            - quantile_sorted(sorted, 0.25).unwrap_or(min);
        let fd = 2.0 * iqr / n.cbrt();
        let width = if fd > 0.0 { fd.min(sturges) } else { sturges };
        ((range / width).ceil() as usize).clamp(1, max_bins)
    };
    let (start, width) = if integers && range < max_bins as f64 {
        (min - 0.5, 1.0)
    } else {
        (min, range / bins as f64)
    };
    let mut counts = vec![0u64; bins];
    for v in sorted {
        let i = (((v - start) / width) as usize).min(bins - 1);
        counts[i] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, count)| Bin {
            start: start + width * i as f64,
            end: start + width * (i + 1) as f64,
            count,
        })
        .collect()
}

/// Pearson's r over the rows where both values are present (NaN marks a missing value).
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let (mut n, mut sx, mut sy) = (0usize, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        if !a.is_nan() && !b.is_nan() {
            n += 1;
            sx += a;
            sy += b;
        }
    }
    if n < 2 {
        return None;
    }
    let (mx, my) = (sx / n as f64, sy / n as f64);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        if !a.is_nan() && !b.is_nan() {
            let (da, db) = (a - mx, b - my);
            sxy += da * db;
            sxx += da * da;
            syy += db * db;
        }
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Average ranks (1-based, ties share their mean rank) of the rows listed in `order` (row
/// numbers in ascending order of their `values`); rows not listed keep NaN.
pub fn ranks_from_order(order: &[u32], values: &[f64]) -> Vec<f64> {
    let mut ranks = vec![f64::NAN; values.len()];
    let value = |i: usize| values[order[i] as usize];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && value(j) == value(i) {
            j += 1;
        }
        let rank = (i + j + 1) as f64 / 2.0; // mean of 1-based ranks i+1 ..= j
        for &row in &order[i..j] {
            ranks[row as usize] = rank;
        }
        i = j;
    }
    ranks
}

/// Code of a missing value in a categorical code vector.
pub const MISSING_CODE: u32 = u32::MAX;

/// Bias-corrected Cramér's V (Bergsma 2013, as ydata-profiling uses) between two coded
/// categorical columns with `ka` and `kb` categories, over rows where both are present.
pub fn cramers_v(a: &[u32], ka: usize, b: &[u32], kb: usize) -> Option<f64> {
    if ka < 2 || kb < 2 {
        return None;
    }
    let mut table = vec![0u64; ka * kb];
    let mut n = 0u64;
    for (&x, &y) in a.iter().zip(b) {
        if x != MISSING_CODE && y != MISSING_CODE {
            table[x as usize * kb + y as usize] += 1;
            n += 1;
        }
    }
    if n < 2 {
        return None;
    }
    let rows: Vec<u64> = (0..ka)
        .map(|i| table[i * kb..(i + 1) * kb].iter().sum())
        .collect();
    let cols: Vec<u64> = (0..kb)
        .map(|j| (0..ka).map(|i| table[i * kb + j]).sum())
        .collect();
    let (r, k) = (
        rows.iter().filter(|&&c| c > 0).count(),
        cols.iter().filter(|&&c| c > 0).count(),
    );
    if r < 2 || k < 2 {
        return None;
    }
    let nf = n as f64;
    let mut chi2 = 0.0;
    for i in 0..ka {
        for j in 0..kb {
            let expected = rows[i] as f64 * cols[j] as f64 / nf;
            if expected > 0.0 {
                let d = table[i * kb + j] as f64 - expected;
                chi2 += d * d / expected;
            }
        }
    }
    let (r, k) = (r as f64, k as f64);
    let phi2 = chi2 / nf;
    let phi2corr = (phi2 - (k - 1.0) * (r - 1.0) / (nf - 1.0)).max(0.0);
    let rcorr = r - (r - 1.0).powi(2) / (nf - 1.0);
    let kcorr = k - (k - 1.0).powi(2) / (nf - 1.0);
    let denom = (kcorr - 1.0).min(rcorr - 1.0);
    (denom > 0.0).then(|| (phi2corr / denom).sqrt().min(1.0))
}

/// Correlation ratio η between a coded categorical column and a numeric one (NaN = missing):
/// the share of the numeric variance explained by the categories, square-rooted.
pub fn correlation_ratio(codes: &[u32], k: usize, values: &[f64]) -> Option<f64> {
    let mut sums = vec![0.0; k];
    let mut counts = vec![0u64; k];
    let (mut total, mut n) = (0.0, 0u64);
    for (&c, &v) in codes.iter().zip(values) {
        if c != MISSING_CODE && !v.is_nan() {
            sums[c as usize] += v;
            counts[c as usize] += 1;
            total += v;
            n += 1;
        }
    }
    if n < 2 {
        return None;
    }
    let grand = total / n as f64;
    let between: f64 = sums
        .iter()
        .zip(&counts)
        .filter(|(_, &c)| c > 0)
        .map(|(s, &c)| c as f64 * (s / c as f64 - grand).powi(2))
        .sum();
    let total_ss: f64 = codes
        .iter()
        .zip(values)
        .filter(|(&c, v)| c != MISSING_CODE && !v.is_nan())
        .map(|(_, v)| (v - grand).powi(2))
        .sum();
    (total_ss > 0.0).then(|| (between / total_ss).sqrt().min(1.0))
}

/// 1 - normalised Shannon entropy of category counts: 0 for perfectly balanced, near 1 when one
/// category dominates (ydata-profiling's imbalance score).
pub fn imbalance(counts: &[u64]) -> Option<f64> {
    let present: Vec<f64> = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| c as f64)
        .collect();
    if present.len() < 2 {
        return None;
    }
    let n: f64 = present.iter().sum();
    let entropy: f64 = present.iter().map(|c| -(c / n) * (c / n).ln()).sum();
    Some(1.0 - entropy / (present.len() as f64).ln())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn moments_match_pandas() {
        // pandas: s = pd.Series([2, 4, 4, 4, 5, 5, 7, 9])
        let s = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let m = moments(&s).unwrap();
        assert!(close(m.mean, 5.0));
        // s.var() = 32/7, s.std() = 2.138089935299395
        assert!(close(m.variance.unwrap(), 32.0 / 7.0));
        assert!(close(m.variance.unwrap().sqrt(), 2.138_089_935_299_395));
        // s.skew() = 0.8184875533567997, s.kurt() = 0.940625
        assert!(
            close(m.skewness.unwrap(), 0.818_487_553_356_799_7),
            "{:?}",
            m.skewness
        );
        assert!(close(m.kurtosis.unwrap(), 0.940_625), "{:?}", m.kurtosis);
    }

    #[test]
    fn constant_and_tiny_inputs() {
        let m = moments(&[3.0, 3.0, 3.0, 3.0]).unwrap();
        assert_eq!(
            (m.variance, m.skewness, m.kurtosis),
            (Some(0.0), Some(0.0), Some(0.0))
        );
        let one = moments(&[1.0]).unwrap();
        assert_eq!((one.variance, one.skewness), (None, None));
        assert!(moments(&[]).is_none());
    }

    #[test]
    fn quantiles_interpolate_linearly() {
        let s = [1.0, 2.0, 3.0, 4.0];
        // pandas: [1,2,3,4] quantile .25 = 1.75, .5 = 2.5, .75 = 3.25, .05 = 1.15
        assert!(close(quantile_sorted(&s, 0.25).unwrap(), 1.75));
        assert!(close(quantile_sorted(&s, 0.5).unwrap(), 2.5));
        assert!(close(quantile_sorted(&s, 0.75).unwrap(), 3.25));
        assert!(close(quantile_sorted(&s, 0.05).unwrap(), 1.15));
        assert_eq!(quantile_sorted(&[], 0.5), None);
    }

    #[test]
    fn pearson_and_spearman() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.0, 5.0, 4.0, 5.0];
        // numpy.corrcoef(x, y)[0,1] = 0.7745966692414834
        assert!(close(pearson(&x, &y).unwrap(), 0.774_596_669_241_483_4));
        // scipy.stats.spearmanr(x, y) = 0.7378647873726218 (ties averaged)
        let rank = |v: &[f64]| {
            let mut order: Vec<u32> = (0..v.len() as u32).collect();
            order.sort_by(|&a, &b| v[a as usize].total_cmp(&v[b as usize]));
            ranks_from_order(&order, v)
        };
        assert_eq!(rank(&y), vec![1.0, 2.5, 4.5, 2.5, 4.5]);
        assert!(close(
            pearson(&rank(&x), &rank(&y)).unwrap(),
            0.737_864_787_372_621_8
        ));
        // missing values are skipped pairwise
        assert!(close(
            pearson(&[1.0, f64::NAN, 2.0, 3.0], &[1.0, 9.0, 2.0, 3.0]).unwrap(),
            1.0
        ));
        assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn cramers_v_perfect_and_none() {
        let a = [0, 0, 1, 1, 0, 1, 0, 1];
        assert!(close(cramers_v(&a, 2, &a, 2).unwrap(), 1.0));
        let b = [0, 1, 0, 1, 0, 1, 0, 1];
        let c = [0, 0, 1, 1, 0, 0, 1, 1];
        assert_eq!(cramers_v(&b, 2, &c, 2), Some(0.0));
    }

    #[test]
    fn histogram_bins_cover_all_values() {
        let s: Vec<f64> = (0..1000).map(f64::from).collect();
        let h = histogram(&s, 50, false);
        assert_eq!(h.iter().map(|b| b.count).sum::<u64>(), 1000);
        assert!(h.len() > 5 && h.len() <= 50, "{}", h.len());
        let small = histogram(&[1.0, 2.0, 2.0, 3.0], 50, true);
        assert_eq!(
            small.iter().map(|b| b.count).collect::<Vec<_>>(),
            vec![1, 2, 1]
        );
    }

    #[test]
    fn imbalance_and_eta() {
        assert!(close(imbalance(&[50, 50]).unwrap(), 0.0));
        assert!(imbalance(&[99, 1]).unwrap() > 0.9);
        let codes = [0, 0, 1, 1];
        assert!(close(
            correlation_ratio(&codes, 2, &[1.0, 1.0, 5.0, 5.0]).unwrap(),
            1.0
        ));
    }
}
