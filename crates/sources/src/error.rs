//! The sources crate's error type.

/// What can go wrong with a user's database.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The connection settings are invalid (bad URL, forbidden path or host).
    #[error("{0}")]
    InvalidSpec(String),
    /// The statement is not a single read-only query, or does not parse.
    #[error("{message}")]
    NotReadOnly {
        /// Why.
        message: String,
        /// 1-based line of a syntax error.
        line: Option<u64>,
        /// 1-based column of a syntax error.
        column: Option<u64>,
    },
    /// A name in a chart query is not in the source's schema, or a value does not fit.
    #[error("{0}")]
    InvalidQuery(String),
    /// The source cannot be reached.
    #[error("source '{source_name}' is unavailable: {reason}")]
    Unavailable {
        /// The source's name.
        source_name: String,
        /// Why (credentials redacted).
        reason: String,
    },
    /// The database refused or failed the statement.
    #[error("the database refused the statement: {0}")]
    Database(String),
    /// The statement ran longer than the configured timeout.
    #[error("the statement exceeded the {0} ms timeout")]
    Timeout(u64),
    /// Stored credentials could not be decrypted (the secret key changed?).
    #[error("credentials: {0}")]
    Crypto(String),
    /// Converting rows into a DataFrame failed.
    #[error("dataframe: {0}")]
    Frame(String),
}

impl SourceError {
    /// A refusal without a position.
    pub fn not_read_only(message: impl Into<String>) -> Self {
        SourceError::NotReadOnly {
            message: message.into(),
            line: None,
            column: None,
        }
    }
}
