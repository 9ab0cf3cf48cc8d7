//! `page`/`limit` query parameters, checked once, and the `pagination` object
//! the list routes answer with (the original's field names).

use crate::error::AppError;
use serde_json::{Value, json};

/// Highest page number accepted (beyond it the offset means nothing).
const MAX_PAGE: i64 = 1_000_000;

#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub page: i64,
    pub limit: i64,
}

impl Page {
    /// Page from 1, limit from 1 to `max_limit` (default `default_limit`).
    pub fn new(
        page: Option<i64>,
        limit: Option<i64>,
        default_limit: i64,
        max_limit: i64,
    ) -> Result<Self, AppError> {
        let page = page.unwrap_or(1);
        let limit = limit.unwrap_or(default_limit);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(AppError::validation(
                "page",
                format!("page must be a whole number from 1 to {MAX_PAGE}"),
            ));
        }
        if !(1..=max_limit).contains(&limit) {
            return Err(AppError::validation(
                "limit",
                format!("limit must be a whole number from 1 to {max_limit}"),
            ));
        }
        Ok(Self { page, limit })
    }

    pub fn offset(self) -> i64 {
        (self.page - 1) * self.limit
    }

    /// `{currentPage, totalPages, <total_field>, hasNext, hasPrev, limit}`.
    pub fn meta(self, total: i64, total_field: &str) -> Value {
        let total_pages = (total + self.limit - 1) / self.limit;
        let mut v = json!({
            "currentPage": self.page,
            "totalPages": total_pages,
            "hasNext": self.page < total_pages,
            "hasPrev": self.page > 1,
            "limit": self.limit,
        });
        v[total_field] = json!(total);
        v
    }
}
