//! Email addresses are normalised (NFKC, IDNA for the domain) before they are stored or looked
//! up, and addresses that hide or imitate characters are refused, so that one address cannot be
//! registered twice in two spellings, nor one account be made to look like another's.

use serde_json::{Value, json};

use crate::helpers::{Answer, Browser, TestApp, spawn_app};

async fn sign_up(app: &TestApp, email: &str, username: &str) -> Answer {
    Browser::new()
        .request(
            "POST",
            &app.url("/api/auth/signup"),
            Some(json!({"email": email, "username": username, "password": "correct horse"})),
        )
        .await
}

fn email_field(answer: &Answer) -> &Value {
    &answer.body["error"]["fields"]["email"]
}

#[actix_web::test]
async fn addresses_with_invisible_or_direction_characters_are_refused() {
    let app = spawn_app().await;
    for (i, email) in [
        "x\u{200b}@example.com",
        "x@exa\u{200b}mple.com",
        "x\u{202e}moc.elpmaxe@example.com",
        "\u{2067}x@example.com",
        "\u{feff}x@example.com",
        "x\u{200d}@example.com",
        "\u{3164}@example.com",
    ]
    .into_iter()
    .enumerate()
    {
        let answer = sign_up(&app, email, &format!("hidden{i}")).await;
        assert_eq!(answer.status, 400, "{email:?}: {}", answer.body);
        assert_eq!(answer.code(), "invalid_field");
        assert!(
            email_field(&answer).is_string(),
            "{email:?}: {}",
            answer.body
        );
    }
}

#[actix_web::test]
async fn mixed_script_and_look_alike_addresses_are_refused() {
    let app = spawn_app().await;
    for (i, email) in [
        // A Cyrillic а in the domain, and in the local part.
        "x@ex\u{430}mple.com",
        "\u{430}lice@example.com",
        // All-Cyrillic `аррӏе`, in Unicode and in punycode.
        "x@\u{430}\u{440}\u{440}\u{4cf}\u{435}.com",
        "x@xn--80ak6aa92e.com",
    ]
    .into_iter()
    .enumerate()
    {
        let answer = sign_up(&app, email, &format!("lookalike{i}")).await;
        assert_eq!(answer.status, 400, "{email:?}: {}", answer.body);
        assert!(
            email_field(&answer).is_string(),
            "{email:?}: {}",
            answer.body
        );
    }
}

#[actix_web::test]
async fn a_fullwidth_or_upper_case_spelling_is_the_same_address() {
    let app = spawn_app().await;
    let first = sign_up(&app, "xavier@Example.com", "xavier").await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["user"]["email"], "xavier@example.com");
    for (i, email) in [
        "ｘａｖｉｅｒ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        "xavier@EXAMPLE.COM",
        "XAVIER@example.com",
    ]
    .into_iter()
    .enumerate()
    {
        let answer = sign_up(&app, email, &format!("second{i}")).await;
        assert_eq!(answer.status, 409, "{email}: {}", answer.body);
        assert_eq!(answer.code(), "email_taken");
        // And a sign-in by that spelling finds the account.
        let signed_in = app
            .sign_in(
                &mut Browser::new(),
                json!({"email": email, "password": "correct horse"}),
            )
            .await;
        assert_eq!(signed_in.status, 200, "{email}: {}", signed_in.body);
        assert_eq!(signed_in.body["user"]["username"], "xavier");
    }
}

#[actix_web::test]
async fn an_internationalised_domain_is_one_account_in_unicode_or_punycode() {
    let app = spawn_app().await;
    let first = sign_up(&app, "anna@MÜNCHEN.de", "anna").await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["user"]["email"], "anna@münchen.de");
    let again = sign_up(&app, "anna@xn--mnchen-3ya.de", "anna2").await;
    assert_eq!(again.status, 409);
    let signed_in = app
        .sign_in(
            &mut Browser::new(),
            json!({"email": "anna@xn--mnchen-3ya.de", "password": "correct horse"}),
        )
        .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
}

#[actix_web::test]
async fn a_sign_in_by_a_refused_address_is_wrong_credentials() {
    let app = spawn_app().await;
    let (_, user) = app.signed_up("quinn").await;
    assert_eq!(user["email"], "quinn@example.com");
    let wrong = app
        .sign_in(
            &mut Browser::new(),
            json!({"email": "quinn@example.com", "password": "wrong password"}),
        )
        .await;
    for email in ["quinn\u{200b}@example.com", "quinn@ex\u{430}mple.com"] {
        let answer = app
            .sign_in(
                &mut Browser::new(),
                json!({"email": email, "password": "correct horse"}),
            )
            .await;
        assert_eq!(answer.status, 401, "{email:?}");
        assert_eq!(answer.body, wrong.body);
    }
}
