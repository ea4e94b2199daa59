//! The OpenAPI document's frame: info, tags, shared schemas and the bearer security scheme.
//! Paths are added by the route registration in [`crate::routes`].

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{Problem, ProblemField};

/// The document's frame.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera",
        description = "Self-hostable analytics backend: data sources, charts, dashboards, EDA reports, insights and alerts. \
                       Errors are RFC 9457 problem documents (application/problem+json).",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    components(schemas(Problem, ProblemField)),
    modifiers(&BearerScheme),
    tags(
        (name = "system", description = "Health and metrics"),
        (name = "auth", description = "Registration, login, token refresh and logout"),
        (name = "users", description = "The caller and their organisation's members"),
        (name = "data-sources", description = "Users' databases: registration, tests, tables and schema"),
        (name = "queries", description = "SQL lab: read-only statements with paging and CSV"),
        (name = "charts", description = "Chart data aggregated in the source, cached"),
        (name = "datamarts", description = "Saved virtual tables: a read-only query over a source"),
        (name = "datasets", description = "Uploaded files (CSV, Excel, JSON, NDJSON, Parquet) stored as Parquet"),
        (name = "reports", description = "EDA reports computed in the background, their HTML and JSON, share links"),
        (name = "commerce", description = "TechMart commerce: customers, products, transactions scored for fraud as they arrive, overview, behaviour and sales analytics, system alerts"),
        (name = "retail", description = "Brickhouse retail: stock-transfer orders between stores, approved (reserving stock) and fulfilled (moving it) in the same transaction as the status change"),
        (name = "alerts", description = "Alert rules on cron schedules over any metric, chart query or SQL, evaluated once across servers, notifying by email and signed webhooks, with history and status; and the system alerts feed: one open alert per condition (low stock, suspicious transactions) until it is resolved"),
        (name = "insights", description = "Trends, anomalies, top and bottom performers and period changes of a chart, a dashboard's chart or a dataset's column, in sentences"),
        (name = "dashboards", description = "Dashboards in nested folders: charts (chart queries or named metrics) on a grid answered all at once, versions that keep two editors from overwriting each other"),
        (name = "extracts", description = "Columnar extracts: a source's table or datamart copied as Parquet, refreshed on a schedule (incrementally past a growing column), answering chart queries on that table instead of the database while fresh; and the tables whose charts were slowest"),

    )
)]
pub struct ApiDoc;

/// Adds the `bearer` JWT security scheme, and the static token of `GET /metrics`.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("`http.metrics_token`, for GET /metrics"))
                    .build(),
            ),
        );
    }
}

/// Documents the answers every operation can give besides its own: 429 (rate limits) and 503
/// (database unavailable) everywhere; 400, 413 and 415 wherever a body is read.
pub fn add_common_errors(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                crate::error::PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    for item in spec.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in operations.into_iter().flatten() {
            let has_body = op.request_body.is_some();
            let responses = &mut op.responses.responses;
            let mut add = |code: &str, description: &str| {
                responses
                    .entry(code.to_owned())
                    .or_insert_with(|| problem(description).into());
            };
            add(
                "429",
                "Too many requests from this address; see Retry-After",
            );
            add(
                "503",
                "The database is unavailable or busy; see Retry-After",
            );
            if has_body {
                add("400", "Malformed body");
                add("413", "Body larger than allowed");
                add("415", "Unsupported content type");
            }
        }
    }
}

/// Makes every operationId unique and readable by prefixing its tag: `users_list`,
/// `data_sources_list`, ... (handlers in different modules share names like `list`).
pub fn prefix_operation_ids(spec: &mut utoipa::openapi::OpenApi) {
    for item in spec.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in operations.into_iter().flatten() {
            let tag = op
                .tags
                .as_ref()
                .and_then(|t| t.first())
                .map(|t| t.replace('-', "_"));
            if let (Some(tag), Some(id)) = (tag, op.operation_id.as_mut()) {
                if !id.starts_with(&format!("{tag}_")) {
                    *id = format!("{tag}_{id}");
                }
            }
        }
    }
}
