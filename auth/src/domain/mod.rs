//! Parsed, valid values. A `Username` or `Email` that exists has passed its rules, so nothing
//! past the edge re-checks them.

mod email;
mod password;
mod refresh_token;
mod signin;
mod signup;
mod username;

pub use email::Email;
pub use password::{Password, PasswordRules};
pub use refresh_token::RefreshToken;
pub use signin::{Identifier, SignInForm, SignInRequest};
pub use signup::{NewAccount, SignUpRequest};
pub use username::Username;
