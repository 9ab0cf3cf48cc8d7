//! Field checks shared by the API routes: each returns a validation error that
//! names the field and says what to change.

use crate::domain::{E164, Email};
use crate::error::AppError;

pub fn text(field: &str, v: Option<String>, max: usize) -> Result<Option<String>, AppError> {
    let Some(v) = v else { return Ok(None) };
    let v = v.trim().to_string();
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > max {
        return Err(AppError::validation(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(AppError::validation(
            field,
            format!("{field} cannot contain control characters"),
        ));
    }
    Ok(Some(v))
}

pub fn required(field: &str, v: String, max: usize) -> Result<String, AppError> {
    text(field, Some(v), max)?
        .ok_or_else(|| AppError::validation(field, format!("{field} is required")))
}

pub fn email(field: &str, v: &str) -> Result<Email, AppError> {
    Email::parse(v).map_err(|m| AppError::validation(field, m))
}

pub fn phone(field: &str, v: &str) -> Result<E164, AppError> {
    E164::parse(v).map_err(|m| AppError::validation(field, m))
}

pub fn website(v: Option<String>) -> Result<Option<String>, AppError> {
    let Some(v) = text("websiteUrl", v, 500)? else {
        return Ok(None);
    };
    let with_scheme = if v.starts_with("http://") || v.starts_with("https://") {
        v
    } else {
        format!("https://{v}")
    };
    let host = with_scheme
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split('/')
        .next()
        .unwrap_or("");
    if host.is_empty() || !host.contains('.') || with_scheme.contains(char::is_whitespace) {
        return Err(AppError::validation(
            "websiteUrl",
            "websiteUrl must be a web address such as https://example.com",
        ));
    }
    Ok(Some(with_scheme))
}

pub fn language(v: Option<String>) -> Result<Option<String>, AppError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some("en") | Some("es") => Ok(v.map(|s| s.trim().to_string())),
        Some(_) => Err(AppError::validation(
            "language",
            "language must be en or es",
        )),
    }
}

/// Free text that may span lines (notes): newlines and tabs allowed, other control characters not.
pub fn multiline(field: &str, v: Option<String>, max: usize) -> Result<Option<String>, AppError> {
    let Some(v) = v else { return Ok(None) };
    let v = v.trim().to_string();
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > max {
        return Err(AppError::validation(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::validation(
            field,
            format!("{field} cannot contain control characters"),
        ));
    }
    Ok(Some(v))
}

/// A value that must be one of a fixed set.
pub fn one_of(field: &str, v: &str, allowed: &[&str]) -> Result<String, AppError> {
    let v = v.trim();
    if allowed.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(AppError::validation(
            field,
            format!("{field} must be one of: {}", allowed.join(", ")),
        ))
    }
}
