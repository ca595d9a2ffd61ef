//! `GET /api/notifications/push/key`: the VAPID application-server key, for
//! `pushManager.subscribe`.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use shared::auth::CurrentUser;

use crate::state::AppState;

/// `{publicKey}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Key<'a> {
    public_key: &'a str,
}

/// The public key in base64url (an uncompressed P-256 point). Signed-in callers only, like
/// every push route.
pub async fn push_key(_caller: CurrentUser, state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        // It changes only when the operator rotates the key.
        .insert_header(("Cache-Control", "private, no-cache"))
        .json(Key {
            public_key: state.push.vapid.public_key(),
        })
}
