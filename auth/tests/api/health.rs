use std::time::Duration;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn the_service_becomes_ready_once_its_dependencies_answer() {
    let app = spawn_app().await;
    let client = awc::Client::default();
    let status = shared::testing::eventually("readiness", Duration::from_secs(20), || async {
        let response = client
            .get(format!("{}/readyz", app.address))
            .send()
            .await
            .ok()?;
        response.status().is_success().then_some(response.status())
    })
    .await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn the_version_route_names_the_service() {
    let app = spawn_app().await;
    let mut response = awc::Client::default()
        .get(format!("{}/api/auth/version", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["service"], "auth");
}

#[actix_web::test]
async fn the_openapi_document_is_served() {
    let app = spawn_app().await;
    let mut response = awc::Client::default()
        .get(format!("{}/api/auth/openapi.yaml", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.body().await.unwrap();
    assert!(String::from_utf8_lossy(&body).starts_with("openapi: 3.1.0"));
}
