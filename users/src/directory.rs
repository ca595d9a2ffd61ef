//! The directory as the HTTP routes see it: listings through the cache, single users from
//! Postgres. This is users's one application-state struct.

use deadpool_postgres::Pool;
use shared::http::cursor;
use shared::ids::UserId;

use crate::cache::ListCache;
use crate::domain::{Cursor, ListQuery, UserProfile, UsersPage};
use crate::error::UsersError;
use crate::repository;

/// What the handlers need; registered as `web::Data<Directory>`.
#[derive(Clone)]
pub struct Directory {
    /// The service's own database, the source of every answer.
    pub db: Pool,
    /// Pages already computed for the current directory version.
    pub list_cache: ListCache,
}

impl Directory {
    /// Over the given database and cache.
    pub fn new(db: Pool, list_cache: ListCache) -> Self {
        Self { db, list_cache }
    }

    /// One page of everyone but `caller`, as the JSON body of the response. Served from the
    /// cache when the directory has not changed since it was computed; from Postgres otherwise,
    /// and whenever Redis is unavailable.
    pub async fn list(&self, caller: UserId, query: &ListQuery) -> Result<Vec<u8>, UsersError> {
        // The version is read before Postgres: see `crate::cache`.
        let version = self.list_cache.version().await;
        if let Some(body) = self.list_cache.get(version, caller, query).await {
            tracing::debug!("user list served from the cache");
            return Ok(body);
        }
        let client = self.db.get().await?;
        let listed = repository::users::list(&client, caller, query).await?;
        // The next page starts after this one's last row, in the same order.
        let next_cursor = listed.users.last().filter(|_| listed.more).map(|last| {
            cursor::encode(&Cursor {
                sort: query.sort,
                direction: query.direction,
                after: last.position.clone(),
            })
        });
        let page = UsersPage {
            users: listed.users.into_iter().map(|user| user.profile).collect(),
            next_cursor,
        };
        let body = serde_json::to_vec(&page).map_err(anyhow::Error::from)?;
        self.list_cache.put(version, caller, query, &body).await;
        Ok(body)
    }

    /// One user, or [`UsersError::NotFound`].
    pub async fn get(&self, id: UserId) -> Result<UserProfile, UsersError> {
        let client = self.db.get().await?;
        repository::users::find(&client, id)
            .await?
            .ok_or(UsersError::NotFound)
    }
}
