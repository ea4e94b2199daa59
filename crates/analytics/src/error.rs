//! The errors of crate analytics: bad files (the client's fault) apart from internal failures.

/// What went wrong reading, profiling or aggregating.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// The file has no data rows at all.
    #[error("the file is empty")]
    Empty,
    /// The file has a header but no data rows.
    #[error("the file has a header row but no data rows")]
    HeaderOnly,
    /// The content is not a supported format (or not the one its name claims).
    #[error("{0}")]
    UnsupportedType(String),
    /// The content is in a supported format but cannot be read.
    #[error("{0}")]
    Malformed(String),
    /// The file is within the upload size but holds (or would unpack to) more than the limits.
    #[error("{0}")]
    TooLarge(String),
    /// The work ran past its time limit.
    #[error("{0}")]
    TimedOut(String),
    /// A request named something the data does not have, or asked for something impossible.
    #[error("{0}")]
    InvalidRequest(String),
    /// Reading or writing a file failed.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// polars failed on data that had passed validation.
    #[error("polars: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

impl AnalyticsError {
    /// True when the error describes the client's input rather than a server fault.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            Self::Empty
                | Self::HeaderOnly
                | Self::UnsupportedType(_)
                | Self::Malformed(_)
                | Self::TooLarge(_)
                | Self::TimedOut(_)
                | Self::InvalidRequest(_)
        )
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = AnalyticsError> = std::result::Result<T, E>;
