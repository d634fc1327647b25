//! Authentication: from a request's credential to the caller it stands for,
//! one path for the admin API, the proxy and the gateway plugins.
//!
//! - [`credential`]: which credential a request carries, two refused;
//! - [`authenticate`](mod@authenticate): the authenticator (verify, then resolve from facts);
//! - [`caller`]: who is calling;
//! - [`denial`]: refusals and the one place that renders `WWW-Authenticate`;
//! - [`secret`]: secrets whose `Debug` is redacted.

pub mod authenticate;
pub mod caller;
pub mod credential;
pub mod denial;
pub mod secret;
pub mod throttle;

pub use authenticate::{authenticate, Authenticator, Blocked, Presentation, Presented};
pub use caller::Caller;
pub use credential::{extract, Credential, CredentialError};
pub use denial::{Challenge, Denial};
pub use secret::{Secret, SecretRef};
