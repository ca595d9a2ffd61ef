//! The `users` table: the directory of public profiles and their presence.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use shared::ids::UserId;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::domain::{Direction, ListQuery, Position, SortKey, Status, UserProfile};
use crate::error::UsersError;

/// Adds an account from `user.registered`. If a presence event created the row first, only the
/// registration is recorded (its username is the authoritative spelling) and the presence kept.
/// Returns whether anything changed.
pub async fn record_registration(
    client: &impl GenericClient,
    id: UserId,
    username: &str,
    registered_at: DateTime<Utc>,
) -> Result<bool, UsersError> {
    let changed = client
        .execute(
            "INSERT INTO users (id, username, registered_at) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE
                SET username = EXCLUDED.username, registered_at = EXCLUDED.registered_at
              WHERE users.registered_at IS NULL",
            &[&id.as_uuid(), &username, &registered_at],
        )
        .await?;
    Ok(changed == 1)
}

/// Applies a presence transition that happened `at`, creating the row if `user.registered` has
/// not arrived yet. Going offline sets `lastSeenAt`; going online keeps the previous one.
///
/// Online and offline events travel on different queues, so they can arrive out of order: a
/// transition older than the last one applied is ignored. Two at the same instant resolve to
/// offline, so a user can never be stuck online. Returns whether it was applied.
pub async fn apply_presence(
    client: &impl GenericClient,
    id: UserId,
    username: &str,
    status: Status,
    at: DateTime<Utc>,
) -> Result<bool, UsersError> {
    let last_seen_at = (status == Status::Offline).then_some(at);
    let applied = client
        .execute(
            "INSERT INTO users (id, username, status, last_seen_at, presence_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE
                SET status = EXCLUDED.status,
                    last_seen_at = COALESCE(EXCLUDED.last_seen_at, users.last_seen_at),
                    presence_at = EXCLUDED.presence_at
              WHERE users.presence_at IS NULL
                 OR users.presence_at < EXCLUDED.presence_at
                 OR (users.presence_at = EXCLUDED.presence_at AND EXCLUDED.status = 'offline')",
            &[
                &id.as_uuid(),
                &username,
                &status.as_str(),
                &last_seen_at,
                &at,
            ],
        )
        .await?;
    Ok(applied == 1)
}

/// One user by id.
pub async fn find(
    client: &impl GenericClient,
    id: UserId,
) -> Result<Option<UserProfile>, UsersError> {
    let row = client
        .query_opt(
            "SELECT id, username, status, last_seen_at FROM users WHERE id = $1",
            &[&id.as_uuid()],
        )
        .await?;
    row.as_ref().map(profile).transpose()
}

/// A user in a listing, with its place in the order (for the next page's cursor).
#[derive(Clone, Debug)]
pub struct ListedUser {
    /// What the client sees.
    pub profile: UserProfile,
    /// Where it sorts.
    pub position: Position,
}

/// One page of a listing.
#[derive(Clone, Debug)]
pub struct ListedPage {
    /// At most `query.limit` users, in order.
    pub users: Vec<ListedUser>,
    /// Whether more follow the last one.
    pub more: bool,
}

/// Everyone but `caller` matching `query`, one page in its order, after its cursor.
///
/// Keyset pagination: each order is a total order on `(key, username_lower, id)` and the next
/// page starts strictly after the previous page's last row, compared as a row value, which the
/// indexes of `V2__directory.sql` serve directly (no OFFSET, so a page costs the same wherever
/// it is). One extra row is read to learn whether another page follows.
///
/// The statement is assembled from fixed fragments chosen by the parsed query; every value is
/// a bound parameter.
pub async fn list(
    client: &impl GenericClient,
    caller: UserId,
    query: &ListQuery,
) -> Result<ListedPage, UsersError> {
    let caller = caller.as_uuid();
    let limit = usize::from(query.limit.get());
    let fetch = i64::from(query.limit.get()) + 1;
    let pattern = query.prefix.as_ref().map(|prefix| prefix.like_pattern());
    let after = query.cursor.as_ref().map(|cursor| {
        let rank = status_rank(cursor.after.status);
        let key = match query.direction {
            Direction::Asc => rank,
            Direction::Desc => -rank,
        };
        (
            key,
            cursor.after.username_lower.as_str(),
            cursor.after.id.as_uuid(),
        )
    });

    let (order_by, status_key, after_op) = match (query.sort, query.direction) {
        (SortKey::Status, Direction::Asc) => {
            ("status_rank, username_lower, id", Some("status_rank"), ">")
        }
        (SortKey::Status, Direction::Desc) => (
            "-status_rank, username_lower, id",
            Some("-status_rank"),
            ">",
        ),
        (SortKey::Username, Direction::Asc) => ("username_lower, id", None, ">"),
        (SortKey::Username, Direction::Desc) => ("username_lower DESC, id DESC", None, "<"),
    };

    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&caller, &fetch];
    let mut sql = String::from(
        "SELECT id, username, status, last_seen_at, username_lower FROM users WHERE id <> $1",
    );
    if let Some(pattern) = &pattern {
        params.push(pattern);
        sql.push_str(&format!(
            " AND username_lower LIKE lower(${}) ESCAPE '\\'",
            params.len()
        ));
    }
    if let Some((key, username_lower, id)) = &after {
        params.push(username_lower);
        let name = params.len();
        params.push(id);
        let id = params.len();
        match status_key {
            Some(status_key) => {
                params.push(key);
                sql.push_str(&format!(
                    " AND ({status_key}, username_lower, id) {after_op} (${}::smallint, ${name}::text, ${id}::uuid)",
                    params.len()
                ));
            }
            None => sql.push_str(&format!(
                " AND (username_lower, id) {after_op} (${name}::text, ${id}::uuid)"
            )),
        }
    }
    sql.push_str(&format!(" ORDER BY {order_by} LIMIT $2"));

    let rows = client.query(sql.as_str(), &params).await?;
    let more = rows.len() > limit;
    let users = rows
        .iter()
        .take(limit)
        .map(|row| {
            let profile = profile(row)?;
            let position = Position {
                status: profile.status,
                username_lower: row.try_get("username_lower")?,
                id: profile.id,
            };
            Ok(ListedUser { profile, position })
        })
        .collect::<Result<_, UsersError>>()?;
    Ok(ListedPage { users, more })
}

/// The stored rank: 0 sorts first.
fn status_rank(status: Status) -> i16 {
    match status {
        Status::Online => 0,
        Status::Offline => 1,
    }
}

fn profile(row: &Row) -> Result<UserProfile, UsersError> {
    let status: &str = row.try_get("status")?;
    Ok(UserProfile {
        id: UserId::from(row.try_get::<_, Uuid>("id")?),
        username: row.try_get("username")?,
        status: Status::parse(status)
            .ok_or_else(|| anyhow::anyhow!("unknown status {status:?} in the users table"))?,
        last_seen_at: row.try_get("last_seen_at")?,
    })
}
