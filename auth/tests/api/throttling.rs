//! The sign-in throttle under concurrency and against lock-outs: attempts are reserved before
//! bcrypt, so however many run at once no more than the limits are verified (every 401 below is
//! one bcrypt verification, every 429 none); an account is counted by id whether it is named by
//! email or by username; and an attacker's failures from their addresses do not lock the owner
//! out of their own.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{Answer, Browser, TestApp, spawn_app_with};

/// `body` sent `count` times at once from `address`.
async fn at_once(app: &TestApp, address: &str, body: Value, count: usize) -> Vec<Answer> {
    join_all((0..count).map(|_| {
        let body = body.clone();
        async move {
            let mut browser = from(address);
            app.sign_in(&mut browser, body).await
        }
    }))
    .await
}

fn from(address: &str) -> Browser {
    let mut browser = Browser::new();
    browser.real_ip = Some(address.to_owned());
    browser
}

fn count(answers: &[Answer], status: u16) -> usize {
    answers.iter().filter(|a| a.status == status).count()
}

/// Every 429 says when to come back, within the window.
fn assert_retry_after(answers: &[Answer], window_secs: u64) {
    for answer in answers.iter().filter(|a| a.status == 429) {
        assert_eq!(answer.code(), "rate_limited");
        let retry_after: u64 = answer
            .headers
            .get("retry-after")
            .expect("a Retry-After")
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=window_secs).contains(&retry_after), "{retry_after}");
    }
}

/// 20 wrong guesses by email from one address and 20 by the upper-cased username from another,
/// all at once.
async fn concurrent_guesses(app: &TestApp) -> Vec<Answer> {
    let by_email = at_once(
        app,
        "203.0.113.1",
        json!({"email": "target@example.com", "password": "wrong guess"}),
        20,
    );
    let by_username = at_once(
        app,
        "203.0.113.2",
        json!({"username": "TARGET", "password": "wrong guess"}),
        20,
    );
    let (mut answers, more) = futures_util::join!(by_email, by_username);
    answers.extend(more);
    for answer in &answers {
        assert!([401, 429].contains(&answer.status), "{}", answer.body);
    }
    answers
}

#[actix_web::test]
async fn concurrent_guesses_from_two_addresses_reach_bcrypt_no_more_than_the_account_address_limits_allow()
 {
    let app = spawn_app_with(|c| c.throttle.per_account_address = 5).await;
    app.signed_up("target").await;
    let answers = concurrent_guesses(&app).await;
    // By email and by username count as the same account: 5 from each address, not 5 per
    // spelling per address, and not 40.
    assert_eq!(count(&answers, 401), 10);
    assert_eq!(count(&answers, 429), 30);
    assert_retry_after(&answers, 900);
}

#[actix_web::test]
async fn concurrent_guesses_from_two_addresses_reach_bcrypt_no_more_than_the_account_limit_allows()
{
    let app = spawn_app_with(|c| {
        c.throttle.per_account_address = 5;
        c.throttle.per_account = 7;
    })
    .await;
    app.signed_up("target").await;
    let answers = concurrent_guesses(&app).await;
    assert_eq!(
        count(&answers, 401),
        7,
        "the account's limit across both addresses"
    );
    assert_eq!(count(&answers, 429), 33);
    assert_retry_after(&answers, 900);
}

#[actix_web::test]
async fn an_unknown_account_is_throttled_like_a_known_one_under_concurrency() {
    let app = spawn_app_with(|c| c.throttle.per_account_address = 5).await;
    let answers = at_once(
        &app,
        "203.0.113.1",
        json!({"email": "nobody@example.com", "password": "wrong guess"}),
        20,
    )
    .await;
    assert_eq!(count(&answers, 401), 5);
    assert_eq!(count(&answers, 429), 15);
    // The normalised address is the key: another spelling of it is already over.
    let again = app
        .sign_in(
            &mut from("203.0.113.1"),
            json!({"email": " NOBODY@EXAMPLE.COM", "password": "wrong guess"}),
        )
        .await;
    assert_eq!(again.status, 429);
}

#[actix_web::test]
async fn the_owner_signs_in_from_a_third_address_after_an_attacker_used_up_two_others() {
    let app = spawn_app_with(|c| c.throttle.per_account_address = 5).await;
    app.signed_up("target").await;
    concurrent_guesses(&app).await;
    // The attacker is refused even with the right password, so guessing cannot confirm a hit…
    for address in ["203.0.113.1", "203.0.113.2"] {
        let right = app
            .sign_in(
                &mut from(address),
                json!({"username": "target", "password": "correct horse"}),
            )
            .await;
        assert_eq!(right.status, 429, "from {address}");
    }
    // …while the owner, elsewhere, is not.
    let owner = app
        .sign_in(
            &mut from("198.51.100.7"),
            json!({"email": "target@example.com", "password": "correct horse"}),
        )
        .await;
    assert_eq!(owner.status, 200, "{}", owner.body);
}

#[actix_web::test]
async fn once_the_accounts_limit_is_reached_only_addresses_it_signed_in_from_still_get_in() {
    let app = spawn_app_with(|c| {
        c.throttle.per_account_address = 5;
        c.throttle.per_account = 7;
    })
    .await;
    // The owner signs up at home and later signs in at work.
    let mut home = from("198.51.100.1");
    app.sign_up(&mut home, "target").await;
    let at_work = app
        .sign_in(
            &mut from("198.51.100.2"),
            json!({"username": "target", "password": "correct horse"}),
        )
        .await;
    assert_eq!(at_work.status, 200);

    concurrent_guesses(&app).await;

    for known in ["198.51.100.1", "198.51.100.2"] {
        let owner = app
            .sign_in(
                &mut from(known),
                json!({"username": "Target", "password": "correct horse"}),
            )
            .await;
        assert_eq!(owner.status, 200, "from {known}: {}", owner.body);
    }
    // A new address is refused until the window ends, with the right password too.
    let elsewhere = app
        .sign_in(
            &mut from("192.0.2.50"),
            json!({"username": "target", "password": "correct horse"}),
        )
        .await;
    assert_eq!(elsewhere.status, 429);
    assert_retry_after(std::slice::from_ref(&elsewhere), 900);
    // An owner mistyping at home is still held to the (account, address) limit.
    let typos = at_once(
        &app,
        "198.51.100.1",
        json!({"username": "target", "password": "typo typo"}),
        8,
    )
    .await;
    assert_eq!(count(&typos, 401), 5);
    assert_eq!(count(&typos, 429), 3);
}

#[actix_web::test]
async fn successful_sign_ins_do_not_use_up_the_limits() {
    let app = spawn_app_with(|c| {
        c.throttle.per_account_address = 2;
        c.throttle.per_address = 3;
        c.throttle.per_account = 3;
    })
    .await;
    app.signed_up("busy").await;
    app.signed_up("office").await;
    // Many people behind one address sign in, many times: each success gives its place back.
    for round in 0..6 {
        for name in ["busy", "office"] {
            let answer = app
                .sign_in(
                    &mut from("192.0.2.1"),
                    json!({"username": name, "password": "correct horse"}),
                )
                .await;
            assert_eq!(answer.status, 200, "{name}, round {round}");
        }
    }
    // Failures still count: two for one account use up its (account, address) limit.
    for _ in 0..2 {
        let wrong = app
            .sign_in(
                &mut from("192.0.2.1"),
                json!({"username": "busy", "password": "wrong guess"}),
            )
            .await;
        assert_eq!(wrong.status, 401);
    }
    let busy = app
        .sign_in(
            &mut from("192.0.2.1"),
            json!({"username": "busy", "password": "correct horse"}),
        )
        .await;
    assert_eq!(busy.status, 429);
}
