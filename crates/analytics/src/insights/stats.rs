//! The statistics behind insights: least-squares slope with its p-value (Student's t), the
//! Mann-Kendall test for a monotonic trend, and robust z-scores on the median and the median
//! absolute deviation. Pure functions over slices.

/// ln Γ(x) for x > 0 (Lanczos, g = 7).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-14 {
            break;
        }
    }
    h
}

/// The regularised incomplete beta function I_x(a, b).
pub fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, 1.0 - x) / b
    }
}

/// The two-sided p-value of Student's t with `df` degrees of freedom.
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    if !t.is_finite() {
        return 0.0;
    }
    incomplete_beta(df / 2.0, 0.5, df / (df + t * t)).clamp(0.0, 1.0)
}

/// The complementary error function (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// The two-sided p-value of a standard normal `z`.
pub fn normal_two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0)
}

/// The median of `values` (none when empty).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// A least-squares line through `(i, values[i])`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// Change per step.
    pub slope: f64,
    /// Value at step 0.
    pub intercept: f64,
    /// Share of the variance the line explains.
    pub r2: f64,
    /// Two-sided p-value of the slope (t-test with n - 2 degrees of freedom).
    pub p_value: f64,
}

/// Fits a line through the values at steps 0, 1, 2, ...; none below 3 points.
pub fn least_squares(values: &[f64]) -> Option<Line> {
    let n = values.len();
    if n < 3 {
        return None;
    }
    let nf = n as f64;
    let mean_x = (nf - 1.0) / 2.0;
    let mean_y = values.iter().sum::<f64>() / nf;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (i, y) in values.iter().enumerate() {
        let dx = i as f64 - mean_x;
        let dy = y - mean_y;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let sse = (syy - slope * sxy).max(0.0);
    let r2 = if syy > 0.0 { 1.0 - sse / syy } else { 0.0 };
    let p_value = if syy == 0.0 {
        1.0
    } else if sse <= syy * 1e-15 {
        0.0
    } else {
        let se = (sse / (nf - 2.0) / sxx).sqrt();
        t_two_sided_p(slope / se, nf - 2.0)
    };
    Some(Line {
        slope,
        intercept,
        r2,
        p_value,
    })
}

/// The Mann-Kendall test of a monotonic trend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// Concordant minus discordant pairs.
    pub s: f64,
    /// Kendall's tau (S over the number of pairs).
    pub tau: f64,
    /// The normal approximation's z (with continuity correction and ties).
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// Runs the Mann-Kendall test; none below 4 points or above 20,000 (quadratic in n).
pub fn mann_kendall(values: &[f64]) -> Option<MannKendall> {
    let n = values.len();
    if !(4..=20_000).contains(&n) {
        return None;
    }
    let mut s = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            s += (values[j] - values[i]).signum() * f64::from(u8::from(values[j] != values[i]));
        }
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut run = 1.0;
    for w in sorted.windows(2) {
        if w[0] == w[1] {
            run += 1.0;
        } else {
            ties += run * (run - 1.0) * (2.0 * run + 5.0);
            run = 1.0;
        }
    }
    ties += run * (run - 1.0) * (2.0 * run + 5.0);
    let nf = n as f64;
    let var = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0;
    let z = if var <= 0.0 {
        0.0
    } else if s > 0.0 {
        (s - 1.0) / var.sqrt()
    } else if s < 0.0 {
        (s + 1.0) / var.sqrt()
    } else {
        0.0
    };
    Some(MannKendall {
        s,
        tau: s / (nf * (nf - 1.0) / 2.0),
        z,
        p_value: normal_two_sided_p(z),
    })
}

/// Robust z-scores: 0.6745 (x - median) / MAD; when the MAD is 0 (more than half the values
/// equal), the mean absolute deviation scaled to match stands in; all 0 when nothing varies.
pub fn robust_z(values: &[f64]) -> Vec<f64> {
    let Some(med) = median(values) else {
        return Vec::new();
    };
    let deviations: Vec<f64> = values.iter().map(|v| (v - med).abs()).collect();
    let mad = median(&deviations).unwrap_or(0.0);
    if mad > 0.0 {
        return values.iter().map(|v| 0.6745 * (v - med) / mad).collect();
    }
    let mean_ad = deviations.iter().sum::<f64>() / values.len() as f64;
    if mean_ad > 0.0 {
        values
            .iter()
            .map(|v| (v - med) / (1.253_314 * mean_ad))
            .collect()
    } else {
        vec![0.0; values.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distributions_match_known_values() {
        // t = 2.228 with 10 df is the 5% two-sided critical value
        assert!((t_two_sided_p(2.228, 10.0) - 0.05).abs() < 1e-3);
        assert!((t_two_sided_p(0.0, 5.0) - 1.0).abs() < 1e-9);
        // z = 1.96 is the 5% two-sided critical value
        assert!((normal_two_sided_p(1.96) - 0.05).abs() < 1e-3);
        assert!((incomplete_beta(2.0, 3.0, 0.4) - 0.5248).abs() < 1e-4);
    }

    #[test]
    fn a_line_is_found_with_its_sign_and_significance() {
        let up: Vec<f64> = (0..30)
            .map(|i| 10.0 + 2.0 * f64::from(i) + if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let l = least_squares(&up).unwrap();
        assert!((l.slope - 2.0).abs() < 0.1, "{l:?}");
        assert!(l.p_value < 1e-10 && l.r2 > 0.99);
        let mk = mann_kendall(&up).unwrap();
        assert!(mk.tau > 0.8 && mk.p_value < 1e-6, "{mk:?}");
        let down: Vec<f64> = up.iter().rev().copied().collect();
        assert!(least_squares(&down).unwrap().slope < 0.0);
        assert!(mann_kendall(&down).unwrap().z < 0.0);
        let flat = [5.0; 10];
        assert_eq!(least_squares(&flat).unwrap().p_value, 1.0);
        assert_eq!(mann_kendall(&flat).unwrap().z, 0.0);
    }

    #[test]
    fn robust_scores_flag_the_outlier_only() {
        let mut v: Vec<f64> = (0..40).map(|i| 100.0 + f64::from(i % 7)).collect();
        v[20] = 400.0;
        let z = robust_z(&v);
        assert!(z[20] > 10.0);
        assert!(z
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 20)
            .all(|(_, z)| z.abs() < 3.5));
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), Some(2.5));
    }
}
