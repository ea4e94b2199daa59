//! The profile of a small dataset checked against values computed by hand (and with pandas:
//! `df.describe()`, `df.skew()`, `df.kurt()`, `df.corr()`, `df.corr('spearman')`).

use polars::prelude::*;

use super::*;

fn known() -> DataFrame {
    df!(
        "x" => [Some(1.0), Some(2.0), Some(3.0), Some(4.0), Some(5.0), None],
        "y" => [Some(2i64), Some(4), Some(5), Some(4), Some(5), Some(0)],
        "colour" => [Some("red"), Some("blue"), Some("red"), None, Some("red"), Some("blue")],
        "flag" => [true, false, true, true, true, false]
    )
    .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

fn column<'a>(p: &'a Profile, name: &str) -> &'a ColumnProfile {
    p.columns.iter().find(|c| c.name == name).unwrap()
}

#[test]
fn numeric_statistics_match_hand_computed_values() {
    let p = profile(&known(), &ProfileOptions::default()).unwrap();
    let x = column(&p, "x");
    assert_eq!((x.count, x.missing, x.distinct), (5, 1, 5));
    let n = x.numeric.as_ref().unwrap();
    assert!(close(n.mean.unwrap(), 3.0));
    // sum of squared deviations 10, ddof = 1: var 2.5, std 1.5811388300841898
    assert!(close(n.variance.unwrap(), 2.5));
    assert!(close(n.std.unwrap(), 1.581_138_830_084_189_8));
    let q = n.quantiles.as_ref().unwrap();
    assert_eq!(
        (q.p5, q.p25, q.p50, q.p75, q.p95),
        (1.2, 2.0, 3.0, 4.0, 4.8)
    );
    assert!(close(n.iqr.unwrap(), 2.0));
    assert_eq!(n.skewness, Some(0.0));
    // pandas: pd.Series([1,2,3,4,5]).kurt() = -1.2
    assert!(close(n.kurtosis.unwrap(), -1.2));

    let y = column(&p, "y").numeric.as_ref().unwrap();
    // [2,4,5,4,5,0]: mean 10/3, squared deviations sum to 58/3, var = 58/15, zeros 1;
    // pandas y.std() = 1.9663841605003503
    assert!(close(y.mean.unwrap(), 10.0 / 3.0));
    assert!(close(y.std.unwrap(), 1.966_384_160_500_350_3));
    assert_eq!((y.zeros, y.negatives), (1, 0));
    // q1 = 2.5, q3 = 4.75, IQR 2.25: fences -0.875 and 8.125, so no outliers
    assert_eq!(y.outliers, 0);
}

#[test]
fn correlations_match_pandas() {
    let p = profile(&known(), &ProfileOptions::default()).unwrap();
    let c = p.correlations.as_ref().unwrap();
    let pearson = c.pearson.as_ref().unwrap();
    assert_eq!(pearson.columns, vec!["x", "y"]);
    // rows 0..5 (x missing in the last): x=[1..5], y=[2,4,5,4,5] -> r = 0.7745966692414834
    assert!(close(
        pearson.values[0][1].unwrap(),
        0.774_596_669_241_483_4
    ));
    // pandas re-ranks over the pairwise complete rows: df.corr('spearman') = 0.7378647873726218
    let spearman = c.spearman.as_ref().unwrap().values[0][1].unwrap();
    assert!(close(spearman, 0.737_864_787_372_621_8), "{spearman}");
    let v = c.cramers_v.as_ref().unwrap();
    assert_eq!(v.columns, vec!["colour", "flag"]);
    // colour red <-> flag true exactly on the five rows where colour is present
    assert!(v.values[0][1].unwrap() > 0.5);
}

#[test]
fn categorical_boolean_and_overview() {
    let p = profile(&known(), &ProfileOptions::default()).unwrap();
    let colour = column(&p, "colour");
    assert_eq!(colour.kind, ColumnKind::Categorical);
    let top = colour
        .categorical
        .as_ref()
        .unwrap()
        .top_values
        .as_ref()
        .unwrap();
    assert_eq!((top[0].value.as_str(), top[0].count), ("red", 3));
    assert!(close(top[0].pct, 60.0));
    let flag = column(&p, "flag").boolean.as_ref().unwrap();
    assert_eq!((flag.true_count, flag.false_count), (4, 2));
    assert_eq!(p.overview.missing_cells, 2);
    assert!(close(p.overview.missing_cells_pct, 2.0 * 100.0 / 24.0));
    assert_eq!(p.overview.duplicate_rows, 0);
    assert_eq!(p.overview.types.get("numeric"), Some(&2));
}

#[test]
fn duplicates_constant_and_warnings() {
    let df = df!("a" => [1i64, 1, 1, 2], "c" => ["k", "k", "k", "k"]).unwrap();
    let p = profile(&df, &ProfileOptions::default()).unwrap();
    assert_eq!(p.overview.duplicate_rows, 2);
    let kinds: Vec<WarningKind> = p.warnings.iter().map(|w| w.kind).collect();
    assert!(kinds.contains(&WarningKind::Duplicates), "{kinds:?}");
    assert!(kinds.contains(&WarningKind::Constant), "{kinds:?}");
}

#[test]
fn duplicate_rows_count_missing_and_nan_as_equal_values() {
    let df = df!(
        "x" => [None, None, Some(f64::NAN), Some(f64::NAN), Some(1.0), Some(1.0), Some(1.0)],
        "s" => [Some("x"), Some("x"), Some("y"), Some("y"), None, Some("z"), None],
    )
    .unwrap();
    let p = profile(&df, &ProfileOptions::default()).unwrap();
    // (null, x) twice, (NaN, y) twice, (1, null) twice: three repeats; (1, z) is new
    assert_eq!(p.overview.duplicate_rows, 3);
    let mut stacked = df.clone();
    stacked.vstack_mut(&df).unwrap();
    let p = profile(&stacked, &ProfileOptions::default()).unwrap();
    assert_eq!(p.overview.duplicate_rows, 3 + 7);
}

#[test]
fn quick_mode_skips_detail_and_sample_is_seeded() {
    let df = df!("v" => (0..1000).map(f64::from).collect::<Vec<_>>(), "s" => (0..1000).map(|i| format!("k{}", i % 7)).collect::<Vec<_>>()).unwrap();
    let quick = profile(
        &df,
        &ProfileOptions {
            mode: AnalysisMode::Quick,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(quick.correlations.is_none());
    assert!(quick.columns[0]
        .numeric
        .as_ref()
        .unwrap()
        .histogram
        .is_none());
    assert!(quick.columns[1]
        .categorical
        .as_ref()
        .unwrap()
        .top_values
        .is_none());
    let opts = ProfileOptions {
        sample_size: Some(100),
        ..Default::default()
    };
    let a = profile(&df, &opts).unwrap();
    let b = profile(&df, &opts).unwrap();
    assert_eq!(a.sample.method, "random");
    assert_eq!(a.overview.rows, 100);
    assert_eq!(
        a.columns[0].numeric.as_ref().unwrap().mean,
        b.columns[0].numeric.as_ref().unwrap().mean
    );
    assert!(matches!(
        profile(
            &df,
            &ProfileOptions {
                sample_size: Some(0),
                ..Default::default()
            }
        ),
        Err(AnalyticsError::InvalidRequest(_))
    ));
}

#[test]
fn target_analysis() {
    let df = df!(
        "label" => [0i64, 0, 1, 1, 0, 1, 0, 1],
        "score" => [1.0, 1.5, 8.0, 9.0, 2.0, 7.5, 1.0, 8.5],
        "noise" => [5.0, 1.0, 4.0, 2.0, 3.0, 5.0, 2.0, 1.0]
    )
    .unwrap();
    let p = profile(
        &df,
        &ProfileOptions {
            target_column: Some("label".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let t = p.target.unwrap();
    assert_eq!(t.task, "classification");
    assert_eq!(t.classes.as_ref().unwrap().len(), 2);
    assert_eq!(t.associations[0].column, "score");
    assert!(t.associations[0].value > 0.9);
    let missing = profile(
        &df,
        &ProfileOptions {
            target_column: Some("nope".into()),
            ..Default::default()
        },
    );
    assert!(matches!(missing, Err(AnalyticsError::InvalidRequest(_))));
}

#[test]
fn large_parquet_is_streamed_under_the_memory_limit() {
    let n = 20_000;
    let mut df = df!("v" => (0..n).map(f64::from).collect::<Vec<_>>(), "s" => (0..n).map(|i| format!("k{}", i % 5)).collect::<Vec<_>>()).unwrap();
    let f = tempfile::Builder::new()
        .suffix(".parquet")
        .tempfile()
        .unwrap();
    crate::ingest::write_parquet(&mut df, f.path()).unwrap();
    let whole = profile_parquet(f.path(), &ProfileOptions::default(), 1 << 30, &|_| {}).unwrap();
    assert_eq!(whole.sample.method, "none");
    assert_eq!(whole.overview.rows, n as u64);
    let streamed =
        profile_parquet(f.path(), &ProfileOptions::default(), 64 * 1024, &|_| {}).unwrap();
    assert_eq!(streamed.sample.method, "systematic");
    assert_eq!(streamed.sample.population_rows, n as u64);
    assert!(
        streamed.overview.rows < n as u64 / 2,
        "{}",
        streamed.overview.rows
    );
    assert!(streamed
        .sample
        .reason
        .as_deref()
        .unwrap()
        .contains("memory limit"));
    // the row cap samples too, whatever the memory
    let capped = ProfileOptions {
        max_rows: Some(1000),
        ..ProfileOptions::default()
    };
    let sampled = profile_parquet(f.path(), &capped, 1 << 30, &|_| {}).unwrap();
    assert_eq!(sampled.sample.method, "systematic");
    assert!(sampled.overview.rows <= 1000, "{}", sampled.overview.rows);
}

#[test]
fn profiling_stops_at_its_deadline() {
    let df = df!("v" => [1.0, 2.0, 3.0]).unwrap();
    let late = ProfileOptions {
        deadline: Some(std::time::Instant::now()),
        ..ProfileOptions::default()
    };
    assert!(matches!(
        profile(&df, &late),
        Err(AnalyticsError::TimedOut(_))
    ));
}
