//! Paging of lists: `page` (from 1) and `limit`, answered as `{items, total, page, limit}`.

use serde::Serialize;

use crate::DomainError;

/// A valid page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    limit: u32,
}

impl PageRequest {
    /// The largest page a client may ask for.
    pub const MAX_LIMIT: u32 = 200;
    /// The page size when none is given.
    pub const DEFAULT_LIMIT: u32 = 20;

    /// Validates `page >= 1` and `1 <= limit <= MAX_LIMIT`; missing values take defaults.
    pub fn new(page: Option<i64>, limit: Option<i64>) -> Result<Self, DomainError> {
        let page = page.unwrap_or(1);
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT as i64);
        let mut errors = Vec::new();
        if page < 1 || page > i64::from(u32::MAX) {
            errors.push(crate::FieldError::new("page", "must be 1 or more"));
        }
        if limit < 1 || limit > i64::from(Self::MAX_LIMIT) {
            errors.push(crate::FieldError::new(
                "limit",
                format!("must be between 1 and {}", Self::MAX_LIMIT),
            ));
        }
        if !errors.is_empty() {
            return Err(DomainError::Validation(errors));
        }
        Ok(Self {
            page: page as u32,
            limit: limit as u32,
        })
    }

    /// The page number, from 1.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// The page size.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Rows to skip, as the SQL OFFSET.
    pub fn sql_offset(&self) -> i64 {
        i64::try_from(self.offset()).unwrap_or(i64::MAX)
    }

    /// This page of a list of `total` rows (a negative count, which no database gives, is 0).
    pub fn page_of<T>(&self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            total: total.max(0) as u64,
            page: self.page,
            limit: self.limit,
        }
    }

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.limit)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            limit: Self::DEFAULT_LIMIT,
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Rows in the whole list.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u32,
    /// The page size.
    pub limit: u32,
}

impl<T> Page<T> {
    /// Maps the items, keeping the paging.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            limit: self.limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_offsets() {
        let p = PageRequest::new(None, None).ok();
        assert_eq!(p, Some(PageRequest::default()));
        let p = PageRequest::new(Some(3), Some(10)).ok().map(|p| p.offset());
        assert_eq!(p, Some(20));
    }

    #[test]
    fn refuses_out_of_range_values() {
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(-1), Some(10)).is_err());
        assert!(PageRequest::new(None, Some(0)).is_err());
        assert!(PageRequest::new(None, Some(201)).is_err());
    }
}
