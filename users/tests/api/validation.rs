//! Bad query parameters: 400 `invalid_field`, naming each bad field.

use crate::helpers::{assert_error, spawn_app};

#[actix_web::test]
async fn a_limit_outside_one_to_one_hundred_is_refused() {
    let app = spawn_app().await;
    for limit in ["0", "101", "-1", "ten", "2.5"] {
        let answer = app.list(&app.observer, &format!("limit={limit}")).await;
        assert_error(&answer, 400, "invalid_field");
        assert!(
            answer.body["error"]["fields"]["limit"].is_string(),
            "limit={limit}: {}",
            answer.body
        );
    }
    for limit in ["1", "100"] {
        let answer = app.list(&app.observer, &format!("limit={limit}")).await;
        assert_eq!(answer.status, 200, "limit={limit}");
    }
}

#[actix_web::test]
async fn an_unknown_sort_or_direction_is_refused() {
    let app = spawn_app().await;
    for (query, field) in [
        ("sort=age", "sort"),
        ("sort=STATUS", "sort"),
        ("direction=up", "direction"),
        ("sort=username&direction=descending", "direction"),
    ] {
        let answer = app.list(&app.observer, query).await;
        assert_error(&answer, 400, "invalid_field");
        assert!(
            answer.body["error"]["fields"][field].is_string(),
            "{query}: {}",
            answer.body
        );
    }
}

#[actix_web::test]
async fn a_garbage_cursor_is_refused() {
    let app = spawn_app().await;
    for cursor in ["garbage", "eyJ9", "%00", "bm90IGpzb24"] {
        let answer = app.list(&app.observer, &format!("cursor={cursor}")).await;
        assert_error(&answer, 400, "invalid_field");
        assert!(
            answer.body["error"]["fields"]["cursor"].is_string(),
            "cursor={cursor}: {}",
            answer.body
        );
    }
}

#[actix_web::test]
async fn a_cursor_from_another_order_is_refused() {
    let app = spawn_app().await;
    app.seed(&[("amy", false), ("ben", false)]).await;
    let first = app.list(&app.observer, "sort=username&limit=1").await;
    let cursor = first.body["nextCursor"].as_str().unwrap().to_owned();

    let answer = app
        .list(
            &app.observer,
            &format!("sort=status&limit=1&cursor={cursor}"),
        )
        .await;
    assert_error(&answer, 400, "invalid_field");
    assert!(answer.body["error"]["fields"]["cursor"].is_string());
}

#[actix_web::test]
async fn every_bad_field_is_named_at_once() {
    let app = spawn_app().await;
    let answer = app
        .list(&app.observer, "sort=x&direction=y&limit=0&cursor=z")
        .await;
    assert_error(&answer, 400, "invalid_field");
    let mut fields: Vec<_> = answer.body["error"]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    fields.sort();
    assert_eq!(fields, ["cursor", "direction", "limit", "sort"]);
}

#[actix_web::test]
async fn an_overlong_prefix_is_refused() {
    let app = spawn_app().await;
    let answer = app
        .list(&app.observer, &format!("q={}", "a".repeat(65)))
        .await;
    assert_error(&answer, 400, "invalid_field");
    assert!(answer.body["error"]["fields"]["q"].is_string());
}
