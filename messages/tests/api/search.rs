//! Message search (contract section 9) and opening a conversation around a message.

use messages::repository::search::NEWEST_BUDGET;
use serde_json::Value;
use shared::chat::{ChatCommand, Content, DeleteCommand, EditCommand};
use shared::testing::hostile::{Lcg, percent_encode};
use shared::testing::{TestUser, eventually};

use crate::helpers::{TestApp, WAIT, seqs, spawn_app};

/// `GET /api/messages/search?q=…` plus `extra` query parameters, as `user`.
async fn search(app: &TestApp, user: &TestUser, q: &str, extra: &str) -> (u16, Value) {
    app.get(
        Some(user),
        &format!("/api/messages/search?q={}{extra}", percent_encode(q)),
    )
    .await
}

/// The contents of the results, in the order returned; asserts a 200.
async fn found(app: &TestApp, user: &TestUser, q: &str) -> Vec<String> {
    let (status, body) = search(app, user, q, "").await;
    assert_eq!(status, 200, "{q}: {body}");
    contents(&body)
}

fn contents(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"]["content"].as_str().unwrap().to_owned())
        .collect()
}

/// The id of the message holding exactly `content`.
async fn id_of(app: &TestApp, content: &str) -> uuid::Uuid {
    app.infra
        .db()
        .await
        .query_one("SELECT id FROM messages WHERE content = $1", &[&content])
        .await
        .unwrap()
        .get(0)
}

/// Publishes `command` as `user` and waits until `done` finds a row.
async fn apply(app: &TestApp, user: &TestUser, command: ChatCommand, done: &str, arg: uuid::Uuid) {
    app.publisher
        .publish_all(&[app.command(uuid::Uuid::now_v7(), user, command)], WAIT)
        .await
        .unwrap();
    let db = app.infra.db().await;
    eventually("the command to be applied", WAIT, || async {
        db.query_opt(done, &[&arg]).await.ok().flatten()
    })
    .await;
}

#[actix_web::test]
async fn words_match_by_stem_phrase_prefix_substring_and_sender() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let group = app.group(&ann, "plans", &[&bob]).await;
    let id = group["id"].as_str().unwrap();
    for (who, text) in [
        (&ann, "I run every morning"),
        (&bob, "The meeting is next Friday at noon"),
        (&ann, "pizza and pasta tonight"),
        (&bob, "pasta without pizza"),
        (&ann, "The configuration is broken"),
    ] {
        app.send_into(who, id, text).await;
    }

    assert_eq!(found(&app, &bob, "running").await, ["I run every morning"]);
    let (_, body) = search(&app, &bob, "running", "").await;
    let hit = &body["results"][0];
    assert_eq!(hit["highlights"], serde_json::json!([[2, 5]]));
    assert_eq!(hit["conversation"]["id"], id);
    assert_eq!(hit["conversation"]["kind"], "group");
    assert_eq!(hit["conversation"]["name"], "plans");
    assert!(hit["conversation"]["peer"].is_null());
    assert_eq!(
        hit["message"]["seq"].as_i64(),
        Some(2),
        "after the creation"
    );
    assert!(
        hit["message"]["reactions"].is_array(),
        "a message as history shows it"
    );

    assert_eq!(
        found(&app, &ann, r#""next friday""#).await,
        ["The meeting is next Friday at noon"]
    );
    assert!(found(&app, &ann, r#""friday next""#).await.is_empty());
    assert_eq!(
        found(&app, &ann, "pasta -tonight").await,
        ["pasta without pizza"]
    );
    assert_eq!(
        found(&app, &ann, "pasta pizza").await,
        ["pasta without pizza", "pizza and pasta tonight"],
        "newest first"
    );
    // The last word is a prefix ("mo" of "morning"); an earlier one is not.
    assert_eq!(found(&app, &ann, "every mo").await, ["I run every morning"]);
    assert!(found(&app, &ann, "mo every").await.is_empty());
    // Three characters inside a word.
    assert_eq!(
        found(&app, &ann, "fig").await,
        ["The configuration is broken"]
    );
    let (_, body) = search(&app, &ann, "figur", "").await;
    assert_eq!(
        body["results"][0]["highlights"],
        serde_json::json!([[7, 12]])
    );
    assert_eq!(
        found(&app, &ann, "from:BOB pasta").await,
        ["pasta without pizza"]
    );
    assert_eq!(found(&app, &ann, "from:bob").await.len(), 2);
    assert!(found(&app, &ann, "from:nobody pasta").await.is_empty());
    // Stop words alone in a short word are ignored, not unmatched.
    assert_eq!(found(&app, &ann, "a pasta to").await.len(), 2);
}

#[actix_web::test]
async fn chinese_and_japanese_are_found_without_spaces() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let group = app.group(&ann, "旅行", &[&bob]).await;
    let id = group["id"].as_str().unwrap();
    app.send_into(&ann, id, "我们明天去北京吃烤鸭").await;
    app.send_into(&bob, id, "明日の会議は10時からです").await;
    app.send_into(&bob, id, "😀 会議室").await;

    assert_eq!(found(&app, &bob, "北京").await, ["我们明天去北京吃烤鸭"]);
    assert_eq!(found(&app, &bob, "吃烤鸭").await, ["我们明天去北京吃烤鸭"]);
    assert!(found(&app, &bob, "上海").await.is_empty());
    let (_, body) = search(&app, &ann, "会議", "").await;
    assert_eq!(contents(&body), ["😀 会議室", "明日の会議は10時からです"]);
    // Offsets count UTF-16 code units: the emoji is two.
    assert_eq!(
        body["results"][0]["highlights"],
        serde_json::json!([[3, 5]])
    );
    assert_eq!(
        body["results"][1]["highlights"],
        serde_json::json!([[3, 5]])
    );
    assert_eq!(
        found(&app, &ann, "会議 -会議室").await,
        ["明日の会議は10時からです"]
    );
}

#[actix_web::test]
async fn only_members_now_find_and_only_what_messages_say_now() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    let group = app.group(&ann, "secret", &[&bob, &carol]).await;
    let id = group["id"].as_str().unwrap();
    app.send_into(&ann, id, "the treasure is buried").await;
    app.send_into(&ann, id, "a draft that will change").await;
    app.send_into(&ann, id, "a regrettable remark").await;

    assert_eq!(found(&app, &carol, "treasure").await.len(), 1);
    assert!(
        found(&app, &dave, "treasure").await.is_empty(),
        "never a member"
    );
    let (status, _) = search(&app, &dave, "treasure", &format!("&conversationId={id}")).await;
    assert_eq!(status, 404, "someone else's conversation is not found");
    let (status, body) = search(&app, &bob, "treasure", &format!("&conversationId={id}")).await;
    assert_eq!((status, contents(&body).len()), (200, 1));

    let removed = app
        .call(
            &ann,
            "DELETE",
            &format!("/api/messages/conversations/{id}/members/{}", carol.id),
            None,
        )
        .await;
    assert_eq!(removed.status, 204);
    assert!(
        found(&app, &carol, "treasure").await.is_empty(),
        "a removed member no longer finds the group's messages"
    );

    let draft = id_of(&app, "a draft that will change").await;
    let edit = ChatCommand::Edit(EditCommand {
        message_id: draft.into(),
        content: Content::parse("the final wording").unwrap(),
    });
    let edited = "SELECT 1 FROM messages WHERE id = $1 AND edited_at IS NOT NULL";
    apply(&app, &ann, edit, edited, draft).await;
    assert!(found(&app, &bob, "draft").await.is_empty());
    assert_eq!(found(&app, &bob, "wording").await, ["the final wording"]);

    let remark = id_of(&app, "a regrettable remark").await;
    let delete = ChatCommand::Delete(DeleteCommand {
        message_id: remark.into(),
    });
    let deleted = "SELECT 1 FROM messages WHERE id = $1 AND deleted_at IS NOT NULL";
    apply(&app, &ann, delete, deleted, remark).await;
    assert!(found(&app, &bob, "regrettable").await.is_empty());
    assert!(found(&app, &bob, "remark").await.is_empty());
}

#[actix_web::test]
async fn pages_of_results_are_newest_first_without_repeats() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let group = app.group(&ann, "log", &[&bob]).await;
    let id = group["id"].as_str().unwrap();
    for i in 0..7 {
        app.send_into(&ann, id, &format!("status report {i}")).await;
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) =
            search(&app, &bob, "report", &format!("&limit=3&cursor={cursor}")).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(contents(&page));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).rev().map(|i| format!("status report {i}")).collect();
    assert_eq!(seen, expected);
    app.service
        .assert_refuses_forged_cursors("/api/messages/search?q=report&", "search", &bob.cookie())
        .await;
}

/// More messages than the newest-first reading takes ([`NEWEST_BUDGET`]): a word in many of them
/// (found among the newest), one in a few (found through the text indexes after the newest held
/// no page) and one in two (one among the newest, one older) are all found newest first,
/// also page after page.
#[actix_web::test]
async fn few_or_many_matches_beyond_the_newest_are_found_in_order() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let group = app.group(&ann, "archive", &[&bob]).await;
    let id: uuid::Uuid = group["id"].as_str().unwrap().parse().unwrap();
    let count = i64::try_from(NEWEST_BUDGET).unwrap() + 400;
    let content = |i: i64| {
        let mut words = vec![format!("line {i}")];
        if i % 3 == 0 {
            words.push("often".to_owned());
        }
        if i % 150 == 0 {
            words.push("sometimes".to_owned());
        }
        if i == 5 || i == count - 10 {
            words.push("seldom".to_owned());
        }
        words.join(" ")
    };
    // Written with SQL (thousands of sends would be slow), one a second, the newest now.
    app.infra
        .db()
        .await
        .execute(
            "INSERT INTO messages (id, conversation_id, seq, sender_id, client_msg_id, content,
                                   created_at)
             SELECT gen_random_uuid(), $1, 1000 + i, $2, 'bulk-' || i,
                    concat_ws(' ', 'line ' || i,
                              CASE WHEN i % 3 = 0 THEN 'often' END,
                              CASE WHEN i % 150 = 0 THEN 'sometimes' END,
                              CASE WHEN i IN (5, $3 - 10) THEN 'seldom' END),
                    now() - make_interval(secs => ($3 - i)::double precision)
             FROM generate_series(1, $3::bigint) i",
            &[&id, &ann.id.as_uuid(), &count],
        )
        .await
        .unwrap();
    let newest_first = |every: i64| -> Vec<String> {
        (1..=count)
            .rev()
            .filter(|i| i % every == 0)
            .map(content)
            .collect()
    };
    assert_eq!(
        found(&app, &bob, "seldom").await,
        [content(count - 10), content(5)]
    );
    assert_eq!(found(&app, &bob, "sometimes").await, newest_first(150));

    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) =
            search(&app, &bob, "often", &format!("&limit=100&cursor={cursor}")).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(contents(&page));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, newest_first(3));
}

#[actix_web::test]
async fn hostile_queries_are_a_400_or_an_answer_never_a_500() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let group = app.group(&ann, "x", &[&bob]).await;
    app.send_into(
        &ann,
        group["id"].as_str().unwrap(),
        "100% of the a_b\\c 'quoted' text",
    )
    .await;

    for q in [
        "",
        "   ",
        &"x".repeat(201),
        "-",
        "- -",
        "\"\"",
        "from:",
        &"a OR ".repeat(300),
    ] {
        let (status, body) = search(&app, &ann, q, "").await;
        assert_eq!(status, 400, "{q:.40}: {body}");
        assert!(body["error"]["fields"]["q"].is_string(), "{body}");
    }
    // (10,000 ORs make a URL no client sends and nginx refuses; the parser's unit tests take them.)
    let (status, _) = app.get(Some(&ann), "/api/messages/search").await;
    assert_eq!(status, 400, "no q at all");
    for q in [
        "\"unbalanced",
        "unbalanced\"",
        "'; DROP TABLE messages; --",
        "text' OR '1'='1",
        "100%",
        "a_b",
        "\\c",
        "%%%",
        "___",
        "!(&|:*)",
        "quoted:*",
        "(text | quoted) & !x",
        "<-> <2> text",
        &"é".repeat(200),
        &"a OR ".repeat(6),
        "\u{0}text",
        "\"te\u{0}xt\" -\"\u{0}\" from:\u{0}",
        "from:'; --",
    ] {
        let (status, body) = search(&app, &ann, q, "").await;
        assert!(status == 200 || status == 400, "{q}: {status} {body}");
    }
    // Random queries from the characters that mean something to tsquery, LIKE or SQL.
    let pieces = [
        "\"", "-", ":", "*", "&", "|", "!", "(", ")", "<->", "\\", "%", "_", "'", ";", " ", " ",
        "or", "OR", "from:", "text", "quo", "会議", "😀", "\u{0}", "\t", "é", "2",
    ];
    let mut rng = Lcg(16);
    for _ in 0..200 {
        let q: String = (0..1 + rng.draw() % 40)
            .map(|_| *rng.pick(&pieces))
            .collect();
        let (status, body) = search(&app, &ann, &q, "").await;
        assert!(status == 200 || status == 400, "{q:?}: {status} {body}");
    }
    assert_eq!(found(&app, &ann, "100%").await.len(), 1);
    assert_eq!(found(&app, &ann, "a_b").await.len(), 1);
    for extra in [
        "&limit=0",
        "&limit=x",
        "&conversationId=nope",
        "&cursor=%25",
    ] {
        let (status, body) = search(&app, &ann, "text", extra).await;
        assert_eq!(status, 400, "{extra}: {body}");
    }
}

#[actix_web::test]
async fn a_conversation_opens_around_a_message() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    app.send(&ann, &bob, 30).await;
    let (_, newest) = app
        .get(
            Some(&ann),
            &format!("/api/messages/with/{}?limit=1", bob.id),
        )
        .await;
    let id = newest["messages"][0]["conversationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let around = |seq: i64, limit: i64| {
        format!("/api/messages/conversations/{id}/messages?around={seq}&limit={limit}")
    };

    let (status, page) = app.get(Some(&bob), &around(15, 10)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(seqs(&page), (10..=19).collect::<Vec<_>>());
    assert_eq!(page["hasMoreBefore"], true);
    assert_eq!(page["hasMoreAfter"], true);
    assert_eq!(page["hasMore"], true);

    let (_, start) = app.get(Some(&bob), &around(2, 10)).await;
    assert_eq!(seqs(&start), (1..=6).collect::<Vec<_>>());
    assert_eq!(start["hasMoreBefore"], false);
    assert_eq!(start["hasMore"], false);
    assert_eq!(start["hasMoreAfter"], true);

    let (_, end) = app.get(Some(&bob), &around(30, 10)).await;
    assert_eq!(seqs(&end), (25..=30).collect::<Vec<_>>());
    assert_eq!(end["hasMoreBefore"], true);
    assert_eq!(end["hasMoreAfter"], false);

    let (_, one) = app.get(Some(&bob), &around(7, 1)).await;
    assert_eq!(seqs(&one), vec![7]);
    assert_eq!(
        (
            one["hasMoreBefore"].as_bool(),
            one["hasMoreAfter"].as_bool()
        ),
        (Some(true), Some(true))
    );

    for bad in [
        "before=3&around=5",
        "after=3&around=5",
        "around=-1",
        "around=x",
    ] {
        let (status, body) = app
            .get(
                Some(&bob),
                &format!("/api/messages/conversations/{id}/messages?{bad}"),
            )
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let carol = app.user("carol").await;
    let (status, _) = app.get(Some(&carol), &around(15, 10)).await;
    assert_eq!(status, 404, "not a member");
}
