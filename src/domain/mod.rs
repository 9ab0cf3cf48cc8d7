//! Validated value types: once constructed, an `E164`, `Email`, `TimeZone` or
//! `ClientId` is known to be well formed, so code past the edge never re-checks.

mod email;
mod ids;
mod phone;
mod timezone;

pub use email::Email;
pub use ids::{ClientId, UserId};
pub use phone::E164;
pub use timezone::TimeZone;
