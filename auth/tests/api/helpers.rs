//! `spawn_app`: the real auth service on a free port, with a database, broker namespace and Redis
//! prefix of its own, all removed when the test ends; and a small client that keeps cookies.

use std::collections::HashMap;

use actix_web::http::header;
use auth::config::Config;
use auth::startup::Auth;
use serde_json::{Value, json};
pub use shared::testing::WAIT;
use shared::testing::{TEST_ORIGIN, TestInfra, TestService, spawn_service};

pub struct TestApp {
    pub service: TestService,
    // Dropped last, after the service has been told to stop.
    pub infra: TestInfra,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// With a chance to change the configuration first (throttle limits, a proxied broker).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let infra = TestInfra::new("auth").await;
    let service = spawn_service::<Auth>(&infra, |config| {
        config.bcrypt_cost = 4;
        adjust(config);
    })
    .await;
    TestApp { service, infra }
}

/// A response, read whole.
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: header::HeaderMap,
    pub set_cookies: Vec<String>,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    /// The `Set-Cookie` line for `name`.
    pub fn cookie_line(&self, name: &str) -> Option<&str> {
        self.set_cookies
            .iter()
            .map(String::as_str)
            .find(|c| c.starts_with(&format!("{name}=")))
    }
}

/// A browser-like client: one cookie jar, our origin.
#[derive(Default)]
pub struct Browser {
    pub cookies: HashMap<String, String>,
    pub origin: Option<String>,
    pub real_ip: Option<String>,
}

impl Browser {
    pub fn new() -> Self {
        Self {
            origin: Some(TEST_ORIGIN.to_owned()),
            ..Self::default()
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn request(&mut self, method: &str, url: &str, body: Option<Value>) -> Answer {
        let client = awc::Client::builder().timeout(WAIT).finish();
        let mut request = client.request(method.parse().unwrap(), url);
        if !self.cookies.is_empty() {
            request = request.insert_header((header::COOKIE, self.cookie_header()));
        }
        if let Some(origin) = &self.origin {
            request = request.insert_header((header::ORIGIN, origin.clone()));
        }
        if let Some(ip) = &self.real_ip {
            request = request.insert_header(("X-Real-IP", ip.clone()));
        }
        let mut response = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        }
        .expect("the request is answered");
        let bytes = response.body().limit(1 << 20).await.expect("a body");
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for line in &set_cookies {
            let pair = line.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let expired = line.contains("Max-Age=0") || value.is_empty();
                if expired {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        Answer {
            status: response.status().as_u16(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            headers: response.headers().clone(),
            set_cookies,
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        self.service.url(path)
    }

    pub async fn sign_up(&self, browser: &mut Browser, username: &str) -> Answer {
        browser
            .request(
                "POST",
                &self.url("/api/auth/signup"),
                Some(json!({"email": format!("{username}@example.com"), "username": username, "password": "correct horse"})),
            )
            .await
    }

    pub async fn sign_in(&self, browser: &mut Browser, body: Value) -> Answer {
        browser
            .request("POST", &self.url("/api/auth/signin"), Some(body))
            .await
    }

    pub async fn refresh(&self, browser: &mut Browser) -> Answer {
        browser
            .request("POST", &self.url("/api/auth/refresh"), None)
            .await
    }

    pub async fn sign_out(&self, browser: &mut Browser) -> Answer {
        browser
            .request("POST", &self.url("/api/auth/signout"), None)
            .await
    }

    pub async fn sign_out_everywhere(&self, browser: &mut Browser) -> Answer {
        browser
            .request("POST", &self.url("/api/auth/signout-all"), None)
            .await
    }

    pub async fn current_user(&self, browser: &mut Browser) -> Answer {
        browser
            .request("GET", &self.url("/api/auth/currentuser"), None)
            .await
    }

    /// A new user, signed up and signed in.
    pub async fn signed_up(&self, username: &str) -> (Browser, Value) {
        let mut browser = Browser::new();
        let answer = self.sign_up(&mut browser, username).await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        (browser, answer.body["user"].clone())
    }
}
