//! Web Push test support: a push-service stand-in, browsers subscribed to it, a notifications
//! service configured to accept the stand-in, and helpers for the push and mute routes.
//!
//! The stand-in is what the tests allow explicitly (`PUSH_ALLOW_INSECURE_LOCALHOST`): an HTTP
//! server on 127.0.0.1 that checks each push like a real push service would (the VAPID token's
//! ES256 signature, its audience and lifetime, the headers) and decrypts the body with the
//! subscription's private key, exactly as the browser would. Each endpoint answers from a
//! script (201, 404, 410, 429 with `Retry-After`, 500, or never), then 201.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use notifications::config::Config;
use notifications::startup::Notifications;
use serde_json::{Value, json};
use shared::ids::{ConversationId, MessageId, SessionId};
use shared::testing::{TestInfra, TestService, TestUser, eventually, spawn_service};
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256PublicKey};
use web_push_native::jwt_simple::claims::NoCustomClaims;
use web_push_native::jwt_simple::common::VerificationOptions;
use web_push_native::p256::SecretKey;
use web_push_native::p256::elliptic_curve::rand_core::{OsRng, RngCore};
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;

use crate::helpers::{Answer, TestApp, WAIT, spawn_app_with};

/// What an endpoint of the stand-in answers, in order; after the script, 201.
#[derive(Clone, Copy, Debug)]
pub enum Reply {
    /// This status.
    Status(u16),
    /// This status with `Retry-After: seconds`.
    RetryAfter(u16, u64),
    /// No answer at all, ever.
    Hang,
}

/// One push the stand-in received.
#[derive(Clone, Debug)]
pub struct Received {
    /// The endpoint's token (the last path segment).
    pub token: String,
    /// When it arrived.
    pub at: Instant,
    /// The `TTL`, `Urgency`, `Topic`, `Content-Encoding` and `Content-Type` headers.
    pub headers: HashMap<&'static str, String>,
    /// The VAPID key (`k=`) whose signature checked out, or why the token was refused.
    pub vapid: Result<String, String>,
    /// The decrypted body, parsed, or why it could not be.
    pub payload: Result<Value, String>,
    /// The status answered; `None` while (or if) it hangs.
    pub answered: Option<u16>,
}

#[derive(Default)]
struct Recorded {
    scripts: HashMap<String, VecDeque<Reply>>,
    keys: HashMap<String, (SecretKey, Vec<u8>)>,
    received: Vec<Received>,
    in_flight: usize,
    most_in_flight: usize,
}

/// The push-service stand-in.
pub struct StandIn {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    state: Arc<Mutex<Recorded>>,
    server: actix_web::dev::ServerHandle,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let server = self.server.clone();
        actix_web::rt::spawn(async move { server.stop(false).await });
    }
}

/// A browser's subscription on the stand-in: what `pushManager.subscribe` would return.
#[derive(Clone, Debug)]
pub struct Browser {
    /// The push resource.
    pub endpoint: String,
    /// Its token on the stand-in.
    pub token: String,
    /// `{endpoint, keys: {p256dh, auth}}`, as `PushSubscription.toJSON()` gives it.
    pub subscription: Value,
}

impl StandIn {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(Recorded::default()));
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(1 << 20))
                .route("/push/{token}", web::post().to(receive))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("the stand-in binds");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self {
            origin: format!("http://127.0.0.1:{port}"),
            state,
            server: handle,
        }
    }

    /// A new browser subscription whose endpoint answers `script`, then 201.
    pub fn browser(&self, script: &[Reply]) -> Browser {
        let secret = SecretKey::random(&mut OsRng);
        let mut auth = vec![0u8; 16];
        OsRng.fill_bytes(&mut auth);
        let token = uuid::Uuid::new_v4().simple().to_string();
        let endpoint = format!("{}/push/{token}", self.origin);
        let public = secret.public_key().to_encoded_point(false);
        let subscription = json!({
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(public.as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(&auth),
            }
        });
        let mut state = self.state.lock().expect("not poisoned");
        state.keys.insert(token.clone(), (secret, auth));
        state
            .scripts
            .insert(token.clone(), script.iter().copied().collect());
        Browser {
            endpoint,
            token,
            subscription,
        }
    }

    /// Everything received so far for `browser`.
    pub fn received(&self, browser: &Browser) -> Vec<Received> {
        self.state
            .lock()
            .expect("not poisoned")
            .received
            .iter()
            .filter(|r| r.token == browser.token)
            .cloned()
            .collect()
    }

    /// The pushes `browser` took (answered 2xx), decrypted.
    pub fn delivered(&self, browser: &Browser) -> Vec<Value> {
        self.received(browser)
            .into_iter()
            .filter(|r| r.answered.is_some_and(|s| (200..300).contains(&s)))
            .map(|r| r.payload.expect("a push the stand-in took decrypts"))
            .collect()
    }

    /// Waits until `browser` has taken a push of `message`; returns its payload.
    pub async fn wait_for_push(&self, browser: &Browser, message: MessageId) -> Value {
        eventually(&format!("a push of {message}"), WAIT, || async {
            self.delivered(browser)
                .into_iter()
                .find(|p| p["notification"]["messageId"] == message.to_string())
        })
        .await
    }

    /// Waits until `browser` has received `count` requests (answered or not).
    pub async fn wait_for_requests(&self, browser: &Browser, count: usize) -> Vec<Received> {
        eventually(&format!("{count} requests"), WAIT, || async {
            let received = self.received(browser);
            (received.len() >= count).then_some(received)
        })
        .await
    }

    /// Requests being answered (or hanging) right now, and the most there ever were at once.
    pub fn in_flight(&self) -> (usize, usize) {
        let state = self.state.lock().expect("not poisoned");
        (state.in_flight, state.most_in_flight)
    }

    /// Every request received, all endpoints.
    pub fn total_received(&self) -> usize {
        self.state.lock().expect("not poisoned").received.len()
    }
}

async fn receive(
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
    state: web::Data<Mutex<Recorded>>,
) -> HttpResponse {
    let origin = format!(
        "http://{}",
        req.headers()
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
    );
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let headers = HashMap::from([
        ("ttl", header("ttl")),
        ("urgency", header("urgency")),
        ("topic", header("topic")),
        ("content-encoding", header("content-encoding")),
        ("content-type", header("content-type")),
    ]);
    let vapid = check_vapid(&header("authorization"), &origin);
    let (reply, index) = {
        let mut state = state.lock().expect("not poisoned");
        let keys = state.keys.get(token.as_str()).cloned();
        let payload = match keys {
            Some((secret, auth)) => decrypt(&body, &secret, &auth),
            None => Err("an unknown endpoint".to_owned()),
        };
        let reply = state
            .scripts
            .get_mut(token.as_str())
            .and_then(VecDeque::pop_front)
            .unwrap_or(Reply::Status(201));
        state.received.push(Received {
            token: token.clone(),
            at: Instant::now(),
            headers,
            vapid,
            payload,
            answered: None,
        });
        state.in_flight += 1;
        state.most_in_flight = state.most_in_flight.max(state.in_flight);
        (reply, state.received.len() - 1)
    };
    let response = match reply {
        Reply::Status(status) => HttpResponse::build(status_code(status)).finish(),
        Reply::RetryAfter(status, seconds) => HttpResponse::build(status_code(status))
            .insert_header(("Retry-After", seconds.to_string()))
            .finish(),
        Reply::Hang => {
            // Counted in flight until the client gives up and the server drops this future.
            let _leaving = InFlight(state.clone());
            return std::future::pending().await;
        }
    };
    let mut state = state.lock().expect("not poisoned");
    state.in_flight -= 1;
    state.received[index].answered = Some(response.status().as_u16());
    response
}

struct InFlight(web::Data<Mutex<Recorded>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut state) = self.0.lock() {
            state.in_flight -= 1;
        }
    }
}

fn status_code(status: u16) -> actix_web::http::StatusCode {
    actix_web::http::StatusCode::from_u16(status).expect("a valid status")
}

/// Checks `vapid t=<JWT>, k=<key>` as a push service does (RFC 8292): an ES256 token signed by
/// `k`, for this push resource's origin, expiring within 24 hours, with a subject.
fn check_vapid(authorization: &str, origin: &str) -> Result<String, String> {
    let (token, key) = authorization
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .ok_or("not a vapid authorization")?;
    let public =
        ES256PublicKey::from_bytes(&URL_SAFE_NO_PAD.decode(key).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let options = VerificationOptions {
        allowed_audiences: Some([origin.to_owned()].into()),
        ..VerificationOptions::default()
    };
    let claims = public
        .verify_token::<NoCustomClaims>(token, Some(options))
        .map_err(|e| e.to_string())?;
    let expires = claims.expires_at.ok_or("no exp")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    if expires.as_secs() > now.as_secs() + 24 * 60 * 60 {
        return Err("exp more than 24 hours away".into());
    }
    let subject = claims.subject.ok_or("no sub")?;
    if !(subject.starts_with("mailto:") || subject.starts_with("https:")) {
        return Err(format!("a subject that is no contact: {subject}"));
    }
    Ok(key.to_owned())
}

fn decrypt(body: &[u8], secret: &SecretKey, auth: &[u8]) -> Result<Value, String> {
    let mut secret_auth = web_push_native::Auth::default();
    secret_auth.copy_from_slice(auth);
    let plain = web_push_native::decrypt(body.to_vec(), secret, &secret_auth)
        .map_err(|e| format!("cannot decrypt: {e}"))?;
    if plain.len() > 3993 {
        return Err(format!("{} bytes of payload", plain.len()));
    }
    serde_json::from_slice(&plain).map_err(|e| e.to_string())
}

/// Test settings for push: the stand-in allowed, short pauses, few attempts.
pub fn push_settings(config: &mut Config) {
    config.push.policy.allow_insecure_localhost = true;
    config.push.retry_base = Duration::from_millis(50);
    config.push.max_attempts = 3;
    config.push.max_retry_delay = Duration::from_secs(5);
    config.push.request_timeout = Duration::from_secs(60);
}

/// notifications with [`push_settings`], then `adjust`.
pub async fn spawn_push_app(adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with(|config| {
        push_settings(config);
        adjust(config);
    })
    .await
}

/// Another notifications process on an existing test's resources (a restart).
pub async fn start_instance(infra: &TestInfra, adjust: impl FnOnce(&mut Config)) -> TestService {
    spawn_service::<Notifications>(infra, adjust).await
}

/// A second session of `user`.
pub fn other_session(user: &TestUser) -> TestUser {
    TestUser::from_claims(shared::auth::Claims::issue(
        user.id,
        &user.username,
        SessionId::new(),
    ))
}

impl TestApp {
    /// `method path` with a JSON body (or none) as `user`, from our origin.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        user: Option<&TestUser>,
        body: Option<&Value>,
    ) -> Answer {
        let cookie = user.map(TestUser::cookie);
        self.service
            .request(method, path, cookie.as_deref(), body)
            .await
    }

    pub async fn push_key(&self, user: &TestUser) -> String {
        let answer = self
            .send("GET", "/api/notifications/push/key", Some(user), None)
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["publicKey"]
            .as_str()
            .expect("a publicKey")
            .to_owned()
    }

    pub async fn subscribe_raw(&self, user: &TestUser, body: &Value) -> Answer {
        self.send(
            "POST",
            "/api/notifications/push/subscriptions",
            Some(user),
            Some(body),
        )
        .await
    }

    /// Subscribes `browser` for `user`, asserting it is stored; its id.
    pub async fn subscribe(&self, user: &TestUser, browser: &Browser) -> String {
        let answer = self.subscribe_raw(user, &browser.subscription).await;
        assert!(
            answer.status == 201 || answer.status == 200,
            "{}: {}",
            answer.status,
            answer.body
        );
        answer.body["subscription"]["id"]
            .as_str()
            .expect("an id")
            .to_owned()
    }

    /// `user`'s subscriptions.
    pub async fn subscriptions(&self, user: &TestUser) -> Vec<Value> {
        let answer = self
            .send(
                "GET",
                "/api/notifications/push/subscriptions",
                Some(user),
                None,
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["subscriptions"]
            .as_array()
            .expect("an array")
            .clone()
    }

    pub async fn mute(
        &self,
        user: &TestUser,
        conversation: ConversationId,
        until: Option<&str>,
    ) -> Answer {
        self.send(
            "PUT",
            &format!("/api/notifications/mutes/{conversation}"),
            Some(user),
            Some(&json!({ "until": until })),
        )
        .await
    }

    pub async fn mutes(&self, user: &TestUser) -> Vec<Value> {
        let answer = self
            .send("GET", "/api/notifications/mutes", Some(user), None)
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["mutes"].as_array().expect("an array").clone()
    }

    /// Waits until the service has recorded how pushing `message`'s notification to
    /// `subscription` ended; the outcome.
    pub async fn wait_for_outcome(&self, message: MessageId, subscription: &str) -> String {
        let db = self.infra.db().await;
        let subscription = uuid::Uuid::parse_str(subscription).expect("a subscription id");
        eventually("a push outcome", WAIT, || async {
            let row = db
                .query_opt(
                    "SELECT d.outcome FROM push_deliveries d
                       JOIN notifications n ON n.id = d.notification_id
                      WHERE n.message_id = $1 AND d.subscription_id = $2",
                    &[&message.as_uuid(), &subscription],
                )
                .await
                .ok()??;
            Some(row.get::<_, String>(0))
        })
        .await
    }

    /// Waits until `user` has no subscription with `id`.
    pub async fn wait_until_unsubscribed(&self, user: &TestUser, id: &str) {
        eventually(&format!("subscription {id} to go"), WAIT, || async {
            let listed = self.subscriptions(user).await;
            (!listed.iter().any(|s| s["id"] == id)).then_some(())
        })
        .await;
    }
}
