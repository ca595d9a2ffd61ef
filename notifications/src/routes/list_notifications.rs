//! `GET /api/notifications`: a page of the caller's notifications and their unread count.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use deadpool_postgres::tokio_postgres::IsolationLevel;
use serde::Serialize;
use shared::auth::CurrentUser;
use shared::http::cursor;

use crate::domain::{ListParams, ListQuery, Notification};
use crate::error::NotificationsError;
use crate::repository::notifications;
use crate::state::AppState;

/// `{notifications, nextCursor, unreadCount}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listing {
    notifications: Vec<Notification>,
    next_cursor: Option<String>,
    unread_count: i64,
}

/// `?unread=true|false&limit=&cursor=` → the caller's notifications, newest first, with
/// `nextCursor` (null on the last page) and the caller's total `unreadCount`. Changes nothing.
#[tracing::instrument(skip_all, fields(caller = %caller.id))]
pub async fn list_notifications(
    caller: CurrentUser,
    params: web::Query<ListParams>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, NotificationsError> {
    let query = ListQuery::parse(&params).map_err(NotificationsError::InvalidFields)?;
    let mut client = state.db.get().await?;
    // One snapshot, so that the count agrees with the page.
    let transaction = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let page = notifications::list(&transaction, caller.id, &query).await?;
    let unread_count = notifications::unread_count(&transaction, caller.id).await?;
    transaction.commit().await?;
    Ok(HttpResponse::Ok()
        // Per caller, and stale as soon as a message arrives.
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(Listing {
            notifications: page.notifications,
            next_cursor: page.next.as_ref().map(cursor::encode),
            unread_count,
        }))
}
