use std::time::Duration;

use crate::helpers::spawn_stack;

#[actix_web::test]
async fn the_service_becomes_ready_once_its_dependencies_answer() {
    let stack = spawn_stack(1).await;
    let client = awc::Client::default();
    let status = shared::testing::eventually("readiness", Duration::from_secs(20), || async {
        let response = client
            .get(format!("{}/readyz", stack.nodes[0].address))
            .send()
            .await
            .ok()?;
        response.status().is_success().then_some(response.status())
    })
    .await;
    assert_eq!(status, 200);
}
