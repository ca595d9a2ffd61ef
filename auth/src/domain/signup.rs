//! The sign-up request, parsed field by field.

use serde::Deserialize;
use shared::http::FieldErrors;

use super::{Email, Password, PasswordRules, Username};

/// The sign-up body as sent. Missing fields are reported per field, like invalid ones.
#[derive(Debug, Default, Deserialize)]
pub struct SignUpRequest {
    /// The email.
    #[serde(default)]
    pub email: Option<String>,
    /// The username.
    #[serde(default)]
    pub username: Option<String>,
    /// The password.
    #[serde(default)]
    pub password: Option<String>,
}

/// A sign-up whose every field is valid.
#[derive(Debug)]
pub struct NewAccount {
    /// Email.
    pub email: Email,
    /// Username.
    pub username: Username,
    /// Password.
    pub password: Password,
}

impl SignUpRequest {
    /// Every field checked; all problems reported at once.
    pub fn parse(self, rules: PasswordRules) -> Result<NewAccount, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = Email::parse(self.email.as_deref().unwrap_or_default())
            .map_err(|e| errors.insert("email".into(), e.into()))
            .ok();
        let username = Username::parse(self.username.as_deref().unwrap_or_default())
            .map_err(|e| errors.insert("username".into(), e.into()))
            .ok();
        let password = Password::parse(self.password.as_deref().unwrap_or_default(), rules)
            .map_err(|e| errors.insert("password".into(), e))
            .ok();
        match (email, username, password) {
            (Some(email), Some(username), Some(password)) => Ok(NewAccount {
                email,
                username,
                password,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: PasswordRules = PasswordRules {
        min_bytes: 8,
        max_bytes: 72,
    };

    #[test]
    fn every_invalid_field_is_reported_together() {
        let errors = SignUpRequest {
            email: Some("nope".into()),
            username: Some("x".into()),
            password: None,
        }
        .parse(RULES)
        .unwrap_err();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            vec!["email", "password", "username"]
        );
    }
}
