//! Authentication attacks, one test each: forged, replayed and stale tokens, stolen refresh
//! tokens, cookie flags, cross-site requests on every state-changing route, user enumeration by
//! message and by work done, brute force.

use base64::Engine as _;
use serde_json::{Value, json};
use shared::auth::{Claims, TokenSigner};
use shared::ids::{SessionId, UserId};
use shared::testing::TestUser;

use crate::helpers::{Browser, TestApp, spawn_app, spawn_app_with};

/// An Ed25519 key that is not the deployment's: what an attacker could sign with.
const FOREIGN_PRIVATE_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIMjwyLBIiFWH8aBjQ/VQ665SDLdHE6yv0Sn7vq+qO9qs
-----END PRIVATE KEY-----
";

const DEV_PUBLIC_KEY: &str = include_str!("../../../shared/keys/dev-jwt-public.pem");

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

/// The three parts of a JWT, the first two decoded.
fn split(token: &str) -> (Value, Value, String) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts");
    let decode = |part: &str| serde_json::from_slice(&b64().decode(part).unwrap()).unwrap();
    (decode(parts[0]), decode(parts[1]), parts[2].to_owned())
}

fn encode(value: &Value) -> String {
    b64().encode(serde_json::to_vec(value).unwrap())
}

/// The claims of a genuine token, as the typed struct.
fn claims_of(token: &str) -> Claims {
    serde_json::from_value(split(token).1).unwrap()
}

/// A signed-up user and their genuine `auth` token; the token works.
async fn victim(app: &TestApp, name: &str) -> (Browser, String) {
    let (mut browser, _) = app.signed_up(name).await;
    assert_eq!(app.current_user(&mut browser).await.status, 200);
    let token = browser.cookies["auth"].clone();
    (browser, token)
}

/// Asserts that `token`, presented as the `auth` cookie, is refused with 401 on the signed-in
/// routes of auth.
async fn assert_refused(app: &TestApp, token: &str) {
    let mut browser = Browser::new();
    browser.cookies.insert("auth".into(), token.to_owned());
    let answer = app.current_user(&mut browser).await;
    assert_eq!(answer.status, 401, "{token}: {}", answer.body);
    assert_eq!(answer.code(), "unauthenticated");
    assert_eq!(app.sign_out_everywhere(&mut browser).await.status, 401);
}

#[actix_web::test]
async fn a_token_with_a_tampered_payload_is_refused() {
    let app = spawn_app().await;
    let (_, token) = victim(&app, "tampered").await;
    let (_, other) = app.signed_up("someone-else").await;
    let (header, mut payload, signature) = split(&token);
    for (claim, value) in [
        ("sub", other["id"].clone()),
        ("username", json!("admin")),
        ("exp", json!(payload["exp"].as_i64().unwrap() + 86_400)),
    ] {
        let original = payload[claim].clone();
        payload[claim] = value;
        assert_refused(
            &app,
            &format!("{}.{}.{signature}", encode(&header), encode(&payload)),
        )
        .await;
        payload[claim] = original;
    }
    // A flipped signature bit is as bad.
    let mut bytes = b64().decode(&signature).unwrap();
    bytes[0] ^= 1;
    assert_refused(
        &app,
        &format!(
            "{}.{}.{}",
            encode(&header),
            encode(&payload),
            b64().encode(bytes)
        ),
    )
    .await;
}

#[actix_web::test]
async fn a_token_signed_with_another_key_is_refused() {
    let app = spawn_app().await;
    let (_, token) = victim(&app, "wrongkey").await;
    // The very claims of the live session, but signed by someone who is not auth.
    let forger = TokenSigner::from_pem(FOREIGN_PRIVATE_KEY).unwrap();
    assert_refused(&app, &forger.sign(&claims_of(&token)).unwrap()).await;
}

#[actix_web::test]
async fn a_token_with_alg_none_is_refused() {
    let app = spawn_app().await;
    let (_, token) = victim(&app, "algnone").await;
    let (_, payload, signature) = split(&token);
    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "typ": "JWT"});
        assert_refused(&app, &format!("{}.{}.", encode(&header), encode(&payload))).await;
        assert_refused(
            &app,
            &format!("{}.{}.{signature}", encode(&header), encode(&payload)),
        )
        .await;
    }
}

#[actix_web::test]
async fn a_token_signed_with_hs256_using_the_public_key_as_secret_is_refused() {
    let app = spawn_app().await;
    let (_, token) = victim(&app, "confused").await;
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims_of(&token),
        &jsonwebtoken::EncodingKey::from_secret(DEV_PUBLIC_KEY.as_bytes()),
    )
    .unwrap();
    assert_refused(&app, &forged).await;
}

#[actix_web::test]
async fn an_expired_token_of_a_live_session_is_refused() {
    let app = spawn_app().await;
    let (_, token) = victim(&app, "expired").await;
    let mut claims = claims_of(&token);
    claims.iat -= 3600;
    claims.exp = claims.iat + 900;
    // Genuinely signed, for the live session: only its age is wrong.
    assert_refused(&app, &TestUser::from_claims(claims).token).await;
}

#[actix_web::test]
async fn a_token_of_a_signed_out_session_is_refused() {
    let app = spawn_app().await;
    let (mut browser, token) = victim(&app, "signedout").await;
    assert_eq!(app.sign_out(&mut browser).await.status, 204);
    assert_refused(&app, &token).await;
}

#[actix_web::test]
async fn a_token_of_a_session_ended_everywhere_is_refused() {
    let app = spawn_app().await;
    let (mut laptop, laptop_token) = victim(&app, "everywhere").await;
    let mut phone = Browser::new();
    app.sign_in(
        &mut phone,
        json!({"username": "everywhere", "password": "correct horse"}),
    )
    .await;
    let phone_token = phone.cookies["auth"].clone();
    assert_eq!(app.sign_out_everywhere(&mut laptop).await.status, 204);
    assert_refused(&app, &laptop_token).await;
    assert_refused(&app, &phone_token).await;
}

#[actix_web::test]
async fn a_token_of_a_deleted_session_or_account_is_refused() {
    let app = spawn_app().await;
    let (_, session_token) = victim(&app, "deletedsession").await;
    let (_, account_token) = victim(&app, "deletedaccount").await;
    let db = app.infra.db().await;
    let session = claims_of(&session_token).sid;
    db.execute("DELETE FROM sessions WHERE id = $1", &[&session.as_uuid()])
        .await
        .unwrap();
    let account = claims_of(&account_token).sub;
    db.execute("DELETE FROM accounts WHERE id = $1", &[&account.as_uuid()])
        .await
        .unwrap();
    let mut browser = Browser::new();
    for token in [session_token, account_token] {
        browser.cookies.insert("auth".into(), token.clone());
        let answer = app.current_user(&mut browser).await;
        assert_eq!(answer.status, 401, "{}", answer.body);
    }
    // And a genuinely signed token for a session auth never started.
    let never = Claims::issue(UserId::new(), "ghost", SessionId::new());
    browser
        .cookies
        .insert("auth".into(), TestUser::from_claims(never).token);
    assert_eq!(app.current_user(&mut browser).await.status, 401);
}

#[actix_web::test]
async fn a_reused_refresh_token_revokes_the_whole_session() {
    let app = spawn_app().await;
    let (mut owner, _) = app.signed_up("stolen").await;
    let mut thief = Browser::new();
    thief.cookies.insert(
        "refresh".into(),
        owner.cookies.get("refresh").cloned().unwrap(),
    );
    // The owner refreshes first; the thief's copy is now a rotated token.
    assert_eq!(app.refresh(&mut owner).await.status, 200);
    let replay = app.refresh(&mut thief).await;
    assert_eq!(replay.status, 401);
    assert!(thief.cookies.is_empty(), "the replay's cookies are cleared");
    // Both ends are out: neither the owner's new tokens nor the thief's work any more.
    assert_eq!(app.refresh(&mut owner).await.status, 401);
    assert_eq!(app.current_user(&mut owner).await.status, 401);
    // Replaying again changes nothing and still fails.
    thief.cookies = owner.cookies.clone();
    assert_eq!(app.refresh(&mut thief).await.status, 401);
}

/// The attributes of a `Set-Cookie` line, lower-cased, without the pair.
fn attributes(line: &str) -> Vec<String> {
    line.split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

fn assert_flags(line: &str, same_site: &str, path: &str, secure: bool) {
    let attributes = attributes(line);
    assert!(attributes.contains(&"httponly".to_owned()), "{line}");
    assert!(
        attributes.contains(&format!("samesite={same_site}")),
        "{line}"
    );
    assert!(attributes.contains(&format!("path={path}")), "{line}");
    assert_eq!(attributes.contains(&"secure".to_owned()), secure, "{line}");
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain=")),
        "host-only: {line}"
    );
}

#[actix_web::test]
async fn every_cookie_auth_sets_is_httponly_samesite_and_secure_behind_https() {
    for secure in [true, false] {
        let app = spawn_app_with(|c| c.common.cookie_secure = secure).await;
        let mut browser = Browser::new();
        let mut answers = vec![app.sign_up(&mut browser, "flags").await];
        answers.push(
            app.sign_in(
                &mut Browser::new(),
                json!({"username": "flags", "password": "correct horse"}),
            )
            .await,
        );
        answers.push(app.refresh(&mut browser).await);
        answers.push(app.sign_out(&mut browser).await);
        for answer in &answers {
            assert!(answer.status < 300, "{}", answer.body);
            let auth = answer.cookie_line("auth").expect("an auth cookie");
            assert_flags(auth, "lax", "/", secure);
            let refresh = answer.cookie_line("refresh").expect("a refresh cookie");
            assert_flags(refresh, "strict", "/api/auth", secure);
        }
    }
}

/// Every state-changing route of auth, with a body where it needs one.
fn state_changing_routes() -> [(&'static str, Option<Value>); 5] {
    [
        (
            "/api/auth/signup",
            Some(
                json!({"email": "csrf@example.com", "username": "csrfvictim", "password": "correct horse"}),
            ),
        ),
        (
            "/api/auth/signin",
            Some(json!({"username": "csrf", "password": "correct horse"})),
        ),
        ("/api/auth/refresh", None),
        ("/api/auth/signout", None),
        ("/api/auth/signout-all", None),
    ]
}

#[actix_web::test]
async fn every_state_changing_route_refuses_a_foreign_origin_or_referer() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_up("csrf").await;
    let foreign: [(Option<&str>, Option<&str>); 4] = [
        (Some("https://evil.example"), None),
        (Some("http://localhost:8080.evil.example"), None),
        (Some("null"), None),
        (None, Some("https://evil.example/attack.html")),
    ];
    let client = awc::Client::default();
    for (path, body) in state_changing_routes() {
        for (origin, referer) in foreign {
            let mut request = client
                .post(app.url(path))
                .insert_header(("Cookie", browser.cookie_header()));
            if let Some(origin) = origin {
                request = request.insert_header(("Origin", origin));
            }
            if let Some(referer) = referer {
                request = request.insert_header(("Referer", referer));
            }
            let mut response = match &body {
                Some(body) => request.send_json(body).await,
                None => request.send().await,
            }
            .unwrap();
            assert_eq!(response.status(), 403, "{path} {origin:?} {referer:?}");
            assert!(response.headers().get("set-cookie").is_none());
            let answer: Value = response.json().await.unwrap();
            assert_eq!(answer["error"]["code"], "forbidden_origin");
        }
    }
    // Nothing happened: no account was created, the session is intact.
    let mut browser = browser;
    assert_eq!(app.current_user(&mut browser).await.status, 200);
    let taken = app
        .sign_in(
            &mut Browser::new(),
            json!({"username": "csrfvictim", "password": "correct horse"}),
        )
        .await;
    assert_eq!(taken.status, 401, "the forged sign-up created nothing");
}

#[actix_web::test]
async fn without_origin_or_referer_a_request_is_not_a_cross_site_one_and_passes() {
    // Browsers send Origin on every cross-site POST; a request with neither header comes from
    // a script or a server, which holds no victim's cookies. As designed, it passes.
    let app = spawn_app().await;
    let mut script = Browser::new();
    script.origin = None;
    let answer = app.sign_up(&mut script, "scripted").await;
    assert_eq!(answer.status, 201);
    assert_eq!(app.refresh(&mut script).await.status, 200);
    assert_eq!(app.sign_out(&mut script).await.status, 204);
}

#[actix_web::test]
async fn an_unknown_account_and_a_wrong_password_get_byte_identical_answers() {
    let app = spawn_app().await;
    app.signed_up("known").await;
    let attempts = [
        json!({"username": "known", "password": "wrong password"}),
        json!({"username": "unknown", "password": "wrong password"}),
        json!({"email": "known@example.com", "password": "wrong password"}),
        json!({"email": "unknown@example.com", "password": "wrong password"}),
    ];
    let mut answers = Vec::new();
    for body in attempts {
        answers.push(app.sign_in(&mut Browser::new(), body).await);
    }
    for answer in &answers {
        assert_eq!(answer.status, 401);
        assert_eq!(answer.body, answers[0].body);
        assert!(answer.set_cookies.is_empty());
        let mut names: Vec<&str> = answer.headers.keys().map(|k| k.as_str()).collect();
        names.sort_unstable();
        let mut first: Vec<&str> = answers[0].headers.keys().map(|k| k.as_str()).collect();
        first.sort_unstable();
        assert_eq!(names, first, "the same headers");
    }
}

#[test]
fn an_unknown_account_is_checked_against_a_decoy_hash_of_the_same_cost() {
    // Timing cannot be asserted reliably on a shared machine, so this checks the design that
    // makes both paths equally slow: one bcrypt verification each, at the configured cost.
    for cost in [4, 6] {
        let decoy = auth::credentials::decoy_hash(cost).unwrap();
        let account = bcrypt::hash("correct horse", cost).unwrap();
        assert_eq!(bcrypt_cost(&decoy), cost);
        assert_eq!(bcrypt_cost(&decoy), bcrypt_cost(&account));
        assert!(!bcrypt::verify("correct horse", &decoy).unwrap());
        assert_eq!(
            auth::credentials::hash_to_check(None, &decoy),
            decoy,
            "no account: the decoy is checked"
        );
        assert_eq!(
            auth::credentials::hash_to_check(Some(&account), &decoy),
            account
        );
    }
}

fn bcrypt_cost(hash: &str) -> u32 {
    hash.split('$').nth(2).unwrap().parse().unwrap()
}

#[actix_web::test]
async fn brute_force_on_one_account_is_throttled_with_429_and_retry_after() {
    let app = spawn_app_with(|c| c.throttle.per_account_address = 5).await;
    app.signed_up("target").await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let answer = app
            .sign_in(
                &mut Browser::new(),
                json!({"username": "target", "password": format!("guess {i}")}),
            )
            .await;
        statuses.push(answer.status);
        if answer.status == 429 {
            assert_eq!(answer.code(), "rate_limited");
            assert!(answer.headers.contains_key("retry-after"));
        }
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
    // Even the right password is refused while throttled: guessing cannot confirm a hit.
    let right = app
        .sign_in(
            &mut Browser::new(),
            json!({"username": "target", "password": "correct horse"}),
        )
        .await;
    assert_eq!(right.status, 429);
}

#[actix_web::test]
async fn sql_injection_in_every_body_field_and_cookie_is_refused_never_a_500() {
    use shared::testing::hostile::SQL_INJECTION;
    let app = spawn_app_with(|c| {
        c.throttle.per_account = 100_000;
        c.throttle.per_account_address = 100_000;
        c.throttle.per_address = 100_000;
    })
    .await;
    let (mut owner, _) = app.signed_up("intact").await;
    let mut tried = 0;
    for (i, value) in SQL_INJECTION.iter().enumerate() {
        let bodies = [
            json!({"email": value, "username": "newbie", "password": "correct horse"}),
            json!({"email": "n@example.com", "username": value, "password": "correct horse"}),
        ];
        for body in bodies {
            let answer = Browser::new()
                .request("POST", &app.url("/api/auth/signup"), Some(body.clone()))
                .await;
            tried += 1;
            assert_eq!(answer.status, 400, "{body} → {}", answer.body);
        }
        // As a password it is just a (valid) password: stored hashed, and it signs in.
        let name = format!("pw{i}");
        let password = format!("{value} padding");
        let body =
            json!({"email": format!("{name}@example.com"), "username": name, "password": password});
        let answer = Browser::new()
            .request("POST", &app.url("/api/auth/signup"), Some(body.clone()))
            .await;
        tried += 1;
        assert_eq!(answer.status, 201, "{body} → {}", answer.body);
        let signed_in = app
            .sign_in(
                &mut Browser::new(),
                json!({"username": name, "password": password}),
            )
            .await;
        assert_eq!(signed_in.status, 200);
        for body in [
            json!({"email": value, "password": "correct horse"}),
            json!({"username": value, "password": "correct horse"}),
            json!({"username": "intact", "password": value}),
        ] {
            let answer = app.sign_in(&mut Browser::new(), body.clone()).await;
            tried += 1;
            assert_eq!(answer.status, 401, "{body} → {}", answer.body);
            assert!(answer.set_cookies.is_empty(), "{body} signed someone in");
        }
        for (cookie, path) in [
            ("auth", "/api/auth/currentuser"),
            ("auth", "/api/auth/signout"),
            ("auth", "/api/auth/signout-all"),
            ("refresh", "/api/auth/refresh"),
            ("refresh", "/api/auth/signout"),
        ] {
            let mut browser = Browser::new();
            browser.cookies.insert(cookie.into(), (*value).to_owned());
            let method = if path.ends_with("currentuser") {
                "GET"
            } else {
                "POST"
            };
            let answer = browser.request(method, &app.url(path), None).await;
            tried += 1;
            assert_eq!(answer.status, 401, "{cookie}={value} on {path}");
        }
    }
    println!("auth SQL injection: {tried} requests, none a 5xx, none signed anyone in");
    assert_eq!(app.current_user(&mut owner).await.status, 200, "intact");
}
