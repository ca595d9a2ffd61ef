use crate::helpers::spawn_app;

#[actix_web::test]
async fn the_service_becomes_ready_and_names_itself() {
    let app = spawn_app().await;
    shared::testing::assert_ready_and_named(
        &app.service.address,
        Some("/api/users/version"),
        "users",
    )
    .await;
}
