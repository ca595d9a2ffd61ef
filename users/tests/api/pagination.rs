//! Keyset pagination: `limit` and the opaque `nextCursor`.

use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, usernames};

const PEOPLE: &[(&str, bool)] = &[
    ("amy", true),
    ("Ben", false),
    ("cleo", true),
    ("Dan", false),
    ("eli", true),
    ("Fay", false),
    ("gus", false),
];

/// Follows `nextCursor` from the first page to the last, returning each page's usernames.
async fn walk(app: &TestApp, query: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{query}&limit=2");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let answer = app.list(&app.observer, &url).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let page = usernames(&answer.body);
        assert!(page.len() <= 2);
        pages.push(page);
        match &answer.body["nextCursor"] {
            Value::Null => return pages,
            Value::String(next) => cursor = Some(next.clone()),
            other => panic!("nextCursor is {other}"),
        }
        assert!(pages.len() <= PEOPLE.len(), "the walk does not end");
    }
}

#[actix_web::test]
async fn following_the_cursor_visits_every_user_exactly_once_in_every_order() {
    let app = spawn_app().await;
    app.seed(PEOPLE).await;

    for query in [
        "sort=status&direction=asc",
        "sort=status&direction=desc",
        "sort=username&direction=asc",
        "sort=username&direction=desc",
        "sort=status&q=e",
    ] {
        let whole = app
            .usernames(&app.observer, &format!("{query}&limit=100"))
            .await;
        let pages = walk(&app, query).await;
        let walked: Vec<String> = pages.iter().flatten().cloned().collect();
        assert_eq!(walked, whole, "{query}: {pages:?}");
        let distinct: HashSet<&String> = walked.iter().collect();
        assert_eq!(distinct.len(), walked.len(), "{query}: {pages:?}");
        // Full pages until the last, which is not empty.
        let (last, full) = pages.split_last().unwrap();
        assert!(
            full.iter().all(|page| page.len() == 2),
            "{query}: {pages:?}"
        );
        assert!(!last.is_empty() || whole.is_empty(), "{query}: {pages:?}");
    }
    assert_eq!(walk(&app, "sort=status").await.concat().len(), PEOPLE.len());
}

#[actix_web::test]
async fn the_last_page_has_no_next_cursor() {
    let app = spawn_app().await;
    app.seed(&[("amy", false), ("ben", false)]).await;

    let exact = app.list(&app.observer, "limit=2").await;
    assert_eq!(usernames(&exact.body), ["amy", "ben"]);
    assert_eq!(exact.body["nextCursor"], Value::Null);

    let first = app.list(&app.observer, "limit=1").await;
    let cursor = first.body["nextCursor"].as_str().unwrap().to_owned();
    let second = app
        .list(&app.observer, &format!("limit=1&cursor={cursor}"))
        .await;
    assert_eq!(usernames(&second.body), ["ben"]);
    assert_eq!(second.body["nextCursor"], Value::Null);
}

#[actix_web::test]
async fn a_page_holds_fifty_users_unless_told_otherwise() {
    let app = spawn_app().await;
    let names: Vec<String> = (0..55).map(|i| format!("user{i:02}")).collect();
    let people: Vec<(&str, bool)> = names.iter().map(|name| (name.as_str(), false)).collect();
    app.seed(&people).await;

    let first = app.list(&app.observer, "").await;
    assert_eq!(usernames(&first.body).len(), 50);
    let cursor = first.body["nextCursor"].as_str().unwrap().to_owned();
    let rest = app.list(&app.observer, &format!("cursor={cursor}")).await;
    assert_eq!(usernames(&rest.body), names[50..]);
    assert_eq!(rest.body["nextCursor"], Value::Null);
}

#[actix_web::test]
async fn forged_truncated_oversized_and_foreign_cursors_are_a_400_never_a_500() {
    let app = spawn_app().await;
    app.seed(PEOPLE).await;
    let cookie = app.observer.cookie();
    for query in ["/api/users?", "/api/users?sort=status&direction=desc&"] {
        app.service
            .assert_refuses_forged_cursors(query, "users", &cookie)
            .await;
    }
}
