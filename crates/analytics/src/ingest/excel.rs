//! Workbooks (.xlsx, .xls, .ods) through calamine: the first row is the header, each column
//! becomes the narrowest type that holds all its cells.

use std::path::Path;

use calamine::{open_workbook_auto, Data, DataType as _, Reader};
use polars::prelude::*;

use crate::error::{AnalyticsError, Result};

/// Reads one sheet (the named one, or the first) into a frame.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<DataFrame> {
    let unreadable =
        |e: calamine::Error| AnalyticsError::Malformed(format!("the workbook cannot be read: {e}"));
    let mut book = open_workbook_auto(path).map_err(unreadable)?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                AnalyticsError::InvalidRequest(format!(
                    "the workbook has no sheet '{wanted}'; it has: {}",
                    names.join(", ")
                ))
            })?,
        None => names.first().cloned().ok_or(AnalyticsError::Empty)?,
    };
    let range = book.worksheet_range(&name).map_err(unreadable)?;
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(AnalyticsError::Empty);
    };
    let body: Vec<&[Data]> = rows.collect();
    if body.is_empty() {
        return Err(AnalyticsError::HeaderOnly);
    }
    let mut seen = std::collections::HashSet::new();
    let mut columns = Vec::with_capacity(header.len());
    for (i, cell) in header.iter().enumerate() {
        let mut title = cell_text(cell).unwrap_or_default().trim().to_owned();
        if title.is_empty() {
            title = format!("column_{}", i + 1);
        }
        if !seen.insert(title.clone()) {
            return Err(AnalyticsError::Malformed(format!(
                "the header names column '{title}' twice"
            )));
        }
        let cells: Vec<&Data> = body
            .iter()
            .map(|r| r.get(i).unwrap_or(&Data::Empty))
            .collect();
        columns.push(Column::from(column(&title, &cells)?));
    }
    Ok(DataFrame::new(body.len(), columns)?)
}

fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) => Some(f.to_string()),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|d| d.to_string())
            .or_else(|| Some(d.as_f64().to_string())),
        Data::Error(e) => Some(format!("#{e:?}")),
    }
}

fn column(name: &str, cells: &[&Data]) -> Result<Series> {
    let filled = || cells.iter().filter(|c| !matches!(c, Data::Empty));
    let name = PlSmallStr::from(name);
    if filled().all(|c| matches!(c, Data::Int(_))) {
        let v: Vec<Option<i64>> = cells
            .iter()
            .map(|c| if let Data::Int(i) = c { Some(*i) } else { None })
            .collect();
        return Ok(Series::new(name, v));
    }
    if filled().all(|c| matches!(c, Data::Int(_) | Data::Float(_))) {
        let v: Vec<Option<f64>> = cells
            .iter()
            .map(|c| c.get_float().or_else(|| c.get_int().map(|i| i as f64)))
            .collect();
        // whole numbers stored as floats (Excel's only number type) become integers
        if v.iter()
            .flatten()
            .all(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
        {
            let ints: Vec<Option<i64>> = v.iter().map(|f| f.map(|f| f as i64)).collect();
            return Ok(Series::new(name, ints));
        }
        return Ok(Series::new(name, v));
    }
    if filled().all(|c| matches!(c, Data::Bool(_))) {
        let v: Vec<Option<bool>> = cells.iter().map(|c| c.get_bool()).collect();
        return Ok(Series::new(name, v));
    }
    if filled().all(|c| matches!(c, Data::DateTime(_))) {
        let v: Vec<Option<i64>> = cells
            .iter()
            .map(|c| match c {
                Data::DateTime(d) => d.as_datetime().map(|d| d.and_utc().timestamp_millis()),
                _ => None,
            })
            .collect();
        return Ok(Series::new(name, v).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?);
    }
    let v: Vec<Option<String>> = cells.iter().map(|c| cell_text(c)).collect();
    Ok(Series::new(name, v))
}
