//! `q`: a username prefix, without regard to case, where `%`, `_` and `\` are plain characters.

use crate::helpers::spawn_app;

#[actix_web::test]
async fn a_prefix_matches_usernames_that_start_with_it_whatever_the_case() {
    let app = spawn_app().await;
    app.seed(&[
        ("Alice", false),
        ("ALBERT", true),
        ("malory", false),
        ("bob", false),
    ])
    .await;

    for q in ["al", "AL", "aL"] {
        assert_eq!(
            app.usernames(&app.observer, &format!("q={q}")).await,
            ["ALBERT", "Alice"],
            "q={q}"
        );
    }
    assert_eq!(
        app.usernames(&app.observer, "q=ali&sort=username").await,
        ["Alice"]
    );
    assert!(app.usernames(&app.observer, "q=zed").await.is_empty());
}

#[actix_web::test]
async fn like_wildcards_in_the_prefix_match_only_themselves() {
    let app = spawn_app().await;
    app.seed(&[
        ("al_ice", false),
        ("alxice", false),
        ("al%pha", false),
        ("also", false),
        ("a\\b", false),
        ("axb", false),
    ])
    .await;

    // `_` is not "any one character" and `%` is not "anything".
    assert_eq!(app.usernames(&app.observer, "q=al_").await, ["al_ice"]);
    assert_eq!(app.usernames(&app.observer, "q=al%25").await, ["al%pha"]);
    assert!(app.usernames(&app.observer, "q=%25").await.is_empty());
    assert!(app.usernames(&app.observer, "q=_").await.is_empty());
    // A backslash is not an escape either.
    assert_eq!(app.usernames(&app.observer, "q=a%5C").await, ["a\\b"]);
    assert!(app.usernames(&app.observer, "q=%5C").await.is_empty());
}

#[actix_web::test]
async fn a_prefix_combines_with_every_order() {
    let app = spawn_app().await;
    app.seed(&[("sam", false), ("Sara", true), ("sue", true), ("tom", true)])
        .await;

    assert_eq!(
        app.usernames(&app.observer, "q=s").await,
        ["Sara", "sue", "sam"]
    );
    assert_eq!(
        app.usernames(&app.observer, "q=S&sort=username&direction=desc")
            .await,
        ["sue", "Sara", "sam"]
    );
    assert_eq!(
        app.usernames(&app.observer, "q=s&sort=status&direction=desc")
            .await,
        ["sam", "Sara", "sue"]
    );
}
