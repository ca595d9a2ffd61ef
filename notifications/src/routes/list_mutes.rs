//! `GET /api/notifications/mutes`: the caller's muted conversations.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use shared::auth::CurrentUser;

use crate::error::NotificationsError;
use crate::repository::mutes::{self, Mute};
use crate::state::AppState;

/// `{mutes: [{conversationId, until}]}`.
#[derive(Serialize)]
struct Listing {
    mutes: Vec<Mute>,
}

/// The mutes in force (ended ones are left out), those ending soonest first, then the ones
/// until unmuted.
#[tracing::instrument(skip_all, fields(caller = %caller.id))]
pub async fn list_mutes(
    caller: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, NotificationsError> {
    let client = state.db.get().await?;
    let mutes = mutes::list(&client, caller.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "private, no-store"))
        .json(Listing { mutes }))
}
