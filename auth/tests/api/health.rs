use crate::helpers::spawn_app;

#[actix_web::test]
async fn the_service_becomes_ready_and_names_itself() {
    let app = spawn_app().await;
    shared::testing::assert_ready_and_named(
        &app.service.address,
        Some("/api/auth/version"),
        "auth",
    )
    .await;
}

#[actix_web::test]
async fn the_openapi_document_is_served() {
    let app = spawn_app().await;
    let mut response = awc::Client::default()
        .get(format!("{}/api/auth/openapi.yaml", app.service.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.body().await.unwrap();
    assert!(String::from_utf8_lossy(&body).starts_with("openapi: 3.1.0"));
}
