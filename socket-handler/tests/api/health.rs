use crate::helpers::spawn_stack;

#[actix_web::test]
async fn the_service_becomes_ready() {
    let stack = spawn_stack(1).await;
    shared::testing::assert_ready_and_named(&stack.nodes[0].address, None, "socket-handler").await;
}
