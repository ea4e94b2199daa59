//! The auth flow, refresh rotation, role checks and tenant isolation, over HTTP.

use serde_json::{json, Value};
use tessera_e2e::{assert_problem, spawn_app, ADMIN_EMAIL, ADMIN_PASSWORD};

#[tokio::test]
async fn register_login_and_session_flow() {
    let app = spawn_app().await;
    let email = app.register("flow", Some("Flow Org")).await;

    let form = app
        .client
        .post(app.url("/auth/login"))
        .form(&[
            ("username", email.as_str()),
            ("password", "correct-horse-9"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let pair: Value = form.json().await.unwrap();
    assert_eq!(pair["token_type"], "bearer");
    assert!(pair["expires_in"].as_i64().unwrap() > 0);

    let tokens = app.login(&email, "correct-horse-9").await;
    let me: Value = app
        .get("/users/me", Some(&tokens.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], email.as_str());
    assert_eq!(me["role"], "admin");

    let session: Value = app
        .get("/auth/session", Some(&tokens.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["organization"]["name"], "Flow Org");
    assert_eq!(session["user"]["id"], me["id"]);

    let renamed: Value = app
        .put("/users/me", json!({"full_name": "Renamed"}), &tokens.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["full_name"], "Renamed");
}

#[tokio::test]
async fn registering_without_an_organisation_name_names_it_after_the_user() {
    let app = spawn_app().await;
    let (_, tokens) = app.register_and_login("solo", None).await;
    let session: Value = app
        .get("/auth/session", Some(&tokens.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["organization"]["name"], "solo user's organisation");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_are_401() {
    let app = spawn_app().await;
    let email = app.register("wrong", None).await;
    assert_problem(
        app.post(
            "/auth/login/json",
            json!({"email": email, "password": "not-the-password"}),
            None,
        )
        .await,
        401,
    )
    .await;
    assert_problem(
        app.post(
            "/auth/login/json",
            json!({"email": "nobody@example.org", "password": "whatever-123"}),
            None,
        )
        .await,
        401,
    )
    .await;
}

#[tokio::test]
async fn duplicate_registration_is_409() {
    let app = spawn_app().await;
    let email = app.register("dup", None).await;
    let again = app
        .post(
            "/auth/register",
            json!({"email": email, "password": "another-pass-1", "full_name": "Dup"}),
            None,
        )
        .await;
    assert_problem(again, 409).await;
}

#[tokio::test]
async fn refresh_rotates_the_token() {
    let app = spawn_app().await;
    let (_, tokens) = app.register_and_login("rot", None).await;
    let r = app
        .post(
            "/auth/refresh",
            json!({"refresh_token": tokens.refresh}),
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    let next: Value = r.json().await.unwrap();
    assert_ne!(next["refresh_token"].as_str().unwrap(), tokens.refresh);
    let me = app.get("/users/me", next["access_token"].as_str()).await;
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn refresh_token_reuse_revokes_family() {
    let app = spawn_app().await;
    let (_, tokens) = app.register_and_login("reuse", None).await;
    let next: Value = app
        .post(
            "/auth/refresh",
            json!({"refresh_token": tokens.refresh}),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let successor = next["refresh_token"].as_str().unwrap().to_owned();

    assert_problem(
        app.post(
            "/auth/refresh",
            json!({"refresh_token": tokens.refresh}),
            None,
        )
        .await,
        401,
    )
    .await;
    // the stolen token's reuse also killed the legitimate successor
    assert_problem(
        app.post("/auth/refresh", json!({"refresh_token": successor}), None)
            .await,
        401,
    )
    .await;
}

#[tokio::test]
async fn logout_revokes_the_refresh_family() {
    let app = spawn_app().await;
    let (_, tokens) = app.register_and_login("bye", None).await;
    let r = app
        .post(
            "/auth/logout",
            json!({"refresh_token": tokens.refresh}),
            Some(&tokens.access),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_problem(
        app.post(
            "/auth/refresh",
            json!({"refresh_token": tokens.refresh}),
            None,
        )
        .await,
        401,
    )
    .await;
    // logout needs the bearer token
    assert_problem(
        app.post(
            "/auth/logout",
            json!({"refresh_token": tokens.refresh}),
            None,
        )
        .await,
        401,
    )
    .await;
}

#[tokio::test]
async fn password_change_needs_the_current_password_and_ends_other_sessions() {
    let app = spawn_app().await;
    let (email, tokens) = app.register_and_login("pw", None).await;
    let wrong = app
        .put(
            "/users/me",
            json!({"password": "brand-new-pass-1", "current_password": "nope-nope-1"}),
            &tokens.access,
        )
        .await;
    assert_problem(wrong, 422).await;
    let ok = app
        .put(
            "/users/me",
            json!({"password": "brand-new-pass-1", "current_password": "correct-horse-9"}),
            &tokens.access,
        )
        .await;
    assert_eq!(ok.status(), 200);
    assert_problem(
        app.post(
            "/auth/refresh",
            json!({"refresh_token": tokens.refresh}),
            None,
        )
        .await,
        401,
    )
    .await;
    app.login(&email, "brand-new-pass-1").await;
}

#[tokio::test]
async fn demo_admin_uses_the_configured_password() {
    let app = spawn_app().await;
    let tokens = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let me: Value = app
        .get("/users/me", Some(&tokens.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");
    let session: Value = app
        .get("/auth/session", Some(&tokens.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["organization"]["name"], "Demo");
}

#[tokio::test]
async fn only_admins_create_users() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, editor) = app.member(&admin, "editor").await;
    let (_, viewer) = app.member(&admin, "viewer").await;
    let body = json!({"email": "new@example.org", "password": "long-enough-1", "full_name": "N", "role": "viewer"});
    assert_problem(
        app.post("/users", body.clone(), Some(&editor.access)).await,
        403,
    )
    .await;
    assert_problem(
        app.post("/users", body.clone(), Some(&viewer.access)).await,
        403,
    )
    .await;
    assert_eq!(
        app.post("/users", body, Some(&admin.access)).await.status(),
        201
    );
}

#[tokio::test]
async fn users_list_filters_by_role_and_pages() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for _ in 0..3 {
        app.member(&admin, "editor").await;
    }
    app.member(&admin, "store_manager").await;
    let page: Value = app
        .get("/users?role=editor&page=2&limit=2", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3);
    assert_eq!(page["page"], 2);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let by_role: Value = app
        .get("/users/role/store_manager", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_role["total"], 1);
    assert_eq!(by_role["items"][0]["role"], "store_manager");
    let bad = assert_problem(
        app.get("/users/role/overlord", Some(&admin.access)).await,
        422,
    )
    .await;
    assert!(
        bad["detail"].as_str().unwrap().contains("regional_manager"),
        "names the allowed roles: {bad}"
    );
}

#[tokio::test]
async fn a_user_of_one_organisation_cannot_see_another_organisations_users() {
    let app = spawn_app().await;
    let (_, a) = app.register_and_login("orga", Some("Org A")).await;
    let (email_b, b) = app.register_and_login("orgb", Some("Org B")).await;
    let b_me: Value = app
        .get("/users/me", Some(&b.access))
        .await
        .json()
        .await
        .unwrap();
    let b_id = b_me["id"].as_str().unwrap();

    assert_problem(
        app.get(&format!("/users/{b_id}"), Some(&a.access)).await,
        404,
    )
    .await;
    let list: Value = app
        .get("/users?limit=200", Some(&a.access))
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["email"] != email_b.as_str()));
    assert_eq!(list["total"], 1);
    let by_role: Value = app
        .get("/users/role/admin", Some(&a.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_role["total"], 1);
    // B can read itself
    assert_eq!(
        app.get(&format!("/users/{b_id}"), Some(&b.access))
            .await
            .status(),
        200
    );
}
