//! The end-to-end suite as one test binary, a module per area, so polars, diesel and actix-web
//! are linked once. Each test boots the real server on a random port against a fresh database
//! (`tessera_e2e::spawn_app`); the PostgreSQL and MySQL cases need their servers under CI=true.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts;
mod attacks;
mod auth;
mod charts;
mod commerce;
mod contract;
mod dashboards;
mod datasets;
mod docs;
mod extracts;
mod fronts;
mod layering;
mod metrics;
mod problems;
mod report_browser;
mod reports;
mod retail;
mod retail_directory;
mod sources;
mod system;
