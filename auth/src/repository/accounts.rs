//! Accounts: created at sign-up (a unique violation is a taken email or username), looked up by
//! email, username or id.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;
use shared::ids::UserId;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use crate::domain::{Email, Identifier, Username};

/// A stored account.
pub struct Account {
    /// Its id.
    pub id: UserId,
    /// Email as typed.
    pub email: String,
    /// Username as typed.
    pub username: String,
    /// bcrypt hash.
    pub password_hash: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// The contract's `user`: `{id, email, username, createdAt}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    id: UserId,
    email: String,
    username: String,
    created_at: DateTime<Utc>,
}

impl Account {
    /// What the account's owner may see of it.
    pub fn view(&self) -> UserView {
        UserView {
            id: self.id,
            email: self.email.clone(),
            username: self.username.clone(),
            created_at: self.created_at,
        }
    }

    fn from_row(row: &Row) -> Self {
        Self {
            id: row.get::<_, uuid::Uuid>("id").into(),
            email: row.get("email"),
            username: row.get("username"),
            password_hash: row.get("password_hash"),
            created_at: row.get("created_at"),
        }
    }
}

/// Which uniqueness rule an insert broke.
pub enum Taken {
    /// The username, ignoring case.
    Username,
    /// The email, ignoring case.
    Email,
}

/// Whether a username or email is already in use (checked before the costly hash; the unique
/// indexes still decide races).
pub async fn find_taken(
    client: &impl GenericClient,
    email: &Email,
    username: &Username,
) -> Result<Option<Taken>, tokio_postgres::Error> {
    let row = client
        .query_opt(
            "SELECT lower(username) = lower($2) AS username_taken
             FROM accounts WHERE lower(email) = lower($1) OR lower(username) = lower($2)
             ORDER BY 1 DESC LIMIT 1",
            &[&email.as_str(), &username.as_str()],
        )
        .await?;
    Ok(row.map(|r| {
        if r.get::<_, bool>(0) {
            Taken::Username
        } else {
            Taken::Email
        }
    }))
}

/// Inserts an account; `Ok(Err(Taken))` when a unique index refuses it.
pub async fn insert(
    client: &impl GenericClient,
    email: &Email,
    username: &Username,
    password_hash: &str,
) -> Result<Result<Account, Taken>, tokio_postgres::Error> {
    let result = client
        .query_one(
            "INSERT INTO accounts (id, email, username, password_hash) VALUES ($1, $2, $3, $4)
             RETURNING id, email, username, password_hash, created_at",
            &[
                &UserId::new().as_uuid(),
                &email.as_str(),
                &username.as_str(),
                &password_hash,
            ],
        )
        .await;
    match result {
        Ok(row) => Ok(Ok(Account::from_row(&row))),
        Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
            let on_username = e
                .as_db_error()
                .and_then(|db| db.constraint())
                .is_some_and(|c| c.contains("username"));
            Ok(Err(if on_username {
                Taken::Username
            } else {
                Taken::Email
            }))
        }
        Err(e) => Err(e),
    }
}

/// The account a sign-in names, if any.
pub async fn find_by_identifier(
    client: &impl GenericClient,
    identifier: &Identifier,
) -> Result<Option<Account>, tokio_postgres::Error> {
    let (sql, value) = match identifier {
        Identifier::Email(email) => (
            "SELECT * FROM accounts WHERE lower(email) = lower($1)",
            email,
        ),
        Identifier::Username(username) => (
            "SELECT * FROM accounts WHERE lower(username) = lower($1)",
            username,
        ),
    };
    Ok(client
        .query_opt(sql, &[value])
        .await?
        .map(|row| Account::from_row(&row)))
}

/// An account by id.
pub async fn find(
    client: &impl GenericClient,
    id: UserId,
) -> Result<Option<Account>, tokio_postgres::Error> {
    Ok(client
        .query_opt("SELECT * FROM accounts WHERE id = $1", &[&id.as_uuid()])
        .await?
        .map(|row| Account::from_row(&row)))
}
