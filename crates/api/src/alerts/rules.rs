//! `/alerts`: alert rules (list, create, get, replace, delete), testing one now, its history,
//! and the alerting status. Handlers only translate: the rules live in the alerting crate.

use actix_web::{delete, get, post, put, web, HttpResponse};
use tessera_domain::PageRequest;

use crate::alerts::rules_dto::{
    EventsOut, RuleIn, RuleOut, RulesOut, RulesQuery, StatusOut, TestOut,
};
use crate::alerts::service;
use crate::auth::Caller;
use crate::common::{path_id, PageQuery};
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

/// The organisation's alert rules, by id; filters by state and enabled.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(RulesQuery),
    responses(
        (status = 200, description = "One page of rules", body = RulesOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown state, or a page outside its range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<RulesQuery>,
) -> ApiResult<web::Json<RulesOut>> {
    let filter = service::rule_filter(q.state.as_deref(), q.enabled)?;
    let page = PageRequest::new(q.page, q.limit)?;
    let rules = state.alerting.list(&caller.viewer(), filter, page).await?;
    Ok(web::Json(rules.into()))
}

/// Creates a rule (editors and admins). Its target is read once through the chart engine, so an
/// unknown metric, source or column is refused before anything is saved.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    request_body = RuleIn,
    responses(
        (status = 201, description = "The rule", body = RuleOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot create rules", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named: cron or time zone, metric, source or column, webhook URL, threshold, range, or an email channel without a mail server", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The target's source is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<RuleIn>,
) -> ApiResult<HttpResponse> {
    caller.require_editor("alert rules")?;
    let rule = state
        .alerting
        .create(&caller.viewer(), &body.into_inner().into())
        .await?;
    Ok(HttpResponse::Created().json(RuleOut::from(rule)))
}

/// What the alerting of the organisation looks like now: the scheduler, rules by state, next and
/// last evaluation, failed deliveries of the last 24 hours, open system alerts by severity.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The status", body = StatusOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/status")]
pub async fn status(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<StatusOut>> {
    Ok(web::Json(
        state.alerting.status(&caller.viewer()).await?.into(),
    ))
}

/// One rule with its state.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Rule id")),
    responses(
        (status = 200, description = "The rule", body = RuleOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<RuleOut>> {
    let id = path_id("alert rule", &id)?;
    Ok(web::Json(
        state.alerting.get(&caller.viewer(), id).await?.into(),
    ))
}

/// Replaces a rule's definition (editors and admins); a webhook channel sent without its secret
/// keeps the one it had. A changed target or condition starts the rule over as ok.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Rule id")),
    request_body = RuleIn,
    responses(
        (status = 200, description = "The rule", body = RuleOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot change rules", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The target's source is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<RuleIn>,
) -> ApiResult<web::Json<RuleOut>> {
    caller.require_editor("alert rules")?;
    let id = path_id("alert rule", &id)?;
    let rule = state
        .alerting
        .update(&caller.viewer(), id, &body.into_inner().into())
        .await?;
    Ok(web::Json(rule.into()))
}

/// Deletes a rule with its history (editors and admins).
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Rule id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers cannot delete rules", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require_editor("alert rules")?;
    let id = path_id("alert rule", &id)?;
    state.alerting.delete(&caller.viewer(), id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Evaluates a rule now and answers the value, the verdict and what each channel would send;
/// changes nothing and sends nothing.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Rule id")),
    responses(
        (status = 200, description = "What an evaluation now finds (a failed read is answered with its error)", body = TestOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/test")]
pub async fn test(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<web::Json<TestOut>> {
    let id = path_id("alert rule", &id)?;
    Ok(web::Json(
        state.alerting.test(&caller.viewer(), id).await?.into(),
    ))
}

/// A rule's history, newest first: every evaluation that changed its state and every error,
/// with each channel's delivery.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Rule id"), PageQuery),
    responses(
        (status = 200, description = "One page of events", body = EventsOut),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A page outside its range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/events")]
pub async fn events(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<web::Json<EventsOut>> {
    let id = path_id("alert rule", &id)?;
    let page = PageRequest::new(q.page, q.limit)?;
    Ok(web::Json(
        state
            .alerting
            .events(&caller.viewer(), id, page)
            .await?
            .into(),
    ))
}
