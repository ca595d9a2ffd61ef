//! The sign-in request and the identifier it names an account by.

use serde::Deserialize;
use shared::http::FieldErrors;

use super::Email;

/// The sign-in body as sent: `{email, password}` or `{username, password}`.
#[derive(Default, Deserialize)]
pub struct SignInRequest {
    /// Either this…
    #[serde(default)]
    pub email: Option<String>,
    /// …or this.
    #[serde(default)]
    pub username: Option<String>,
    /// The password.
    #[serde(default)]
    pub password: Option<String>,
}

/// Which account a sign-in names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identifier {
    /// By email, normalised as at sign-up so that lookups agree (compared without case).
    Email(String),
    /// By username (compared without case).
    Username(String),
}

impl Identifier {
    /// The key attempts are counted under when the identifier names no account (an existing
    /// account's attempts are counted under its id, see `throttle::AccountKey`).
    pub fn throttle_key(&self) -> String {
        match self {
            Self::Email(e) => format!("email:{}", e.to_lowercase()),
            Self::Username(u) => format!("username:{}", u.to_lowercase()),
        }
    }
}

/// A well-formed sign-in attempt. Neither the email's format nor the password is checked against
/// any rule here: an address no account can have, or a password no account can have (one over
/// bcrypt's 72 bytes, see `credentials`), is simply wrong credentials.
pub struct SignInForm {
    /// Who.
    pub identifier: Identifier,
    /// The attempt.
    pub password: String,
}

impl SignInRequest {
    /// Needs exactly one of email and username, and a password.
    pub fn parse(self) -> Result<SignInForm, FieldErrors> {
        let mut errors = FieldErrors::new();
        let fields = [
            ("email", &self.email),
            ("username", &self.username),
            ("password", &self.password),
        ];
        for (name, value) in fields {
            if has_nul(value.as_ref()) {
                errors.insert(name.into(), "NUL characters are not allowed.".into());
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let identifier = match (non_empty(self.email), non_empty(self.username)) {
            (Some(email), None) => Some(Identifier::Email(Email::lookup_form(&email))),
            (None, Some(username)) => Some(Identifier::Username(username)),
            (Some(_), Some(_)) => {
                errors.insert(
                    "username".into(),
                    "Send an email or a username, not both.".into(),
                );
                None
            }
            (None, None) => {
                errors.insert("email".into(), "Enter your email or username.".into());
                None
            }
        };
        let password = self.password.filter(|p| !p.is_empty());
        if password.is_none() {
            errors.insert("password".into(), "Enter your password.".into());
        }
        match (identifier, password) {
            (Some(identifier), Some(password)) if errors.is_empty() => Ok(SignInForm {
                identifier,
                password,
            }),
            _ => Err(errors),
        }
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// No account name or password can contain NUL, and no database column could compare one.
fn has_nul(value: Option<&String>) -> bool {
    value.is_some_and(|v| v.contains('\0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_or_a_username_names_the_account() {
        let by_email = SignInRequest {
            email: Some(" A@B.co ".into()),
            password: Some("pw".into()),
            ..Default::default()
        };
        assert_eq!(
            by_email.parse().ok().unwrap().identifier,
            Identifier::Email("A@b.co".into())
        );
        let by_name = SignInRequest {
            username: Some("Alice".into()),
            password: Some("pw".into()),
            ..Default::default()
        };
        assert_eq!(
            by_name.parse().ok().unwrap().identifier.throttle_key(),
            "username:alice"
        );
    }

    #[test]
    fn neither_or_both_is_a_field_error() {
        assert!(SignInRequest::default().parse().is_err());
        let both = SignInRequest {
            email: Some("a@b.co".into()),
            username: Some("alice".into()),
            password: Some("pw".into()),
        };
        assert!(both.parse().is_err());
    }
}
