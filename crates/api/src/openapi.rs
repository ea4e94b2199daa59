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
    )
)]
pub struct ApiDoc;

/// Adds the `bearer` JWT security scheme.
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
    }
}
