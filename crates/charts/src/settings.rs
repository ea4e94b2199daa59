//! The engine's settings: users' databases (`[sources]`), chart answers (`[charts]`) and
//! columnar extracts (`[extracts]`).

use serde::{Deserialize, Serialize};

/// Connections to users' databases (`[sources]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SourcesSettings {
    /// SQLite sources must be files under this directory.
    pub sqlite_dir: std::path::PathBuf,
    /// When non-empty, network sources must use one of these hosts.
    pub allowed_hosts: Vec<String>,
    /// Most open connections per source.
    pub max_connections: u32,
    /// Seconds to wait when connecting; also the most a URL's `connect_timeout` may ask for.
    pub connect_timeout_secs: u64,
    /// Seconds a statement may run.
    pub statement_timeout_secs: u64,
    /// Most rows one SQL lab page may hold.
    pub max_rows: u32,
    /// Seconds an introspected schema is reused.
    pub schema_cache_secs: u64,
    /// An answer stops (marked truncated) once its cells hold this many bytes; no single row or
    /// value may be larger.
    pub max_answer_bytes: usize,
    /// A longer text or binary cell is cut to this many bytes.
    pub max_cell_bytes: usize,
    /// Threads running work on users' databases (apart from the app database's).
    pub worker_threads: usize,
    /// Jobs one organisation may run on its data sources at once.
    pub max_concurrent_per_org: usize,
    /// Seconds a request waits for its turn before a 429 or 503.
    pub queue_timeout_secs: u64,
    /// Connection tests an organisation may start per minute.
    pub tests_per_minute: u32,
}

impl Default for SourcesSettings {
    fn default() -> Self {
        Self {
            sqlite_dir: "./data/sources".into(),
            allowed_hosts: vec![],
            max_connections: 4,
            connect_timeout_secs: 5,
            statement_timeout_secs: 30,
            max_rows: 10_000,
            schema_cache_secs: 300,
            max_answer_bytes: 32 * 1024 * 1024,
            max_cell_bytes: 1024 * 1024,
            worker_threads: 16,
            max_concurrent_per_org: 4,
            queue_timeout_secs: 10,
            tests_per_minute: 10,
        }
    }
}

/// Chart answers (`[charts]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ChartSettings {
    /// Seconds identical chart queries are answered from the cache (0: no cache).
    pub cache_ttl_secs: u64,
    /// Seconds realtime metrics are cached (0: no cache).
    pub realtime_ttl_secs: u64,
    /// Most cached answers.
    pub cache_max_entries: u64,
    /// Log every generated SQL statement with its duration.
    pub sql_debug: bool,
    /// Named metrics added to (or replacing, by name) the default catalogue.
    pub metrics: Vec<crate::catalog::MetricDef>,
    /// Milliseconds between polls for changes made by other processes on the same database.
    pub sync_interval_ms: u64,
    /// Segment metrics: an entity spending at least this much in the period is Premium.
    pub segment_premium: f64,
    /// ... at least this much (and less than Premium) Regular; the rest Basic.
    pub segment_regular: f64,
}

impl Default for ChartSettings {
    fn default() -> Self {
        Self {
            cache_ttl_secs: 300,
            realtime_ttl_secs: 5,
            cache_max_entries: 10_000,
            sql_debug: false,
            metrics: vec![],
            sync_interval_ms: 100,
            segment_premium: 1000.0,
            segment_regular: 100.0,
        }
    }
}

/// Columnar extracts (`[extracts]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtractSettings {
    /// Where extracts' Parquet copies live, a directory per organisation; with several
    /// processes, a volume they all mount at the same path.
    pub dir: std::path::PathBuf,
    /// The bytes one organisation's extracts may take on disk; creation and refreshes past it
    /// are refused.
    pub max_bytes_per_org: u64,
    /// Most extracts one organisation may define.
    pub max_per_org: i64,
    /// Rows a refresh reads and writes at a time (memory holds one page).
    pub page_rows: usize,
    /// Seconds one refresh may take.
    pub refresh_timeout_secs: u64,
    /// Bytes of cells one refresh may read from its source.
    pub max_read_bytes: u64,
    /// The maximum staleness of an extract that does not give one.
    pub default_max_staleness_secs: u64,
    /// Whether this process queues scheduled refreshes (any number of processes may; each due
    /// refresh is queued once).
    pub scheduler: bool,
    /// Seconds between looks for due refreshes.
    pub poll_interval_secs: u64,
    /// Part files an incremental refresh may add up to before the next one rebuilds the copy.
    pub max_parts: usize,
    /// Bytes of extracts' copies each process holds in memory (the most recently used; a copy
    /// estimated at more than half of it is always read from its files). 0: none.
    pub memory_bytes: u64,
}

impl Default for ExtractSettings {
    fn default() -> Self {
        Self {
            dir: "./data/extracts".into(),
            max_bytes_per_org: 10 * 1024 * 1024 * 1024,
            max_per_org: 100,
            page_rows: 65_536,
            refresh_timeout_secs: 600,
            max_read_bytes: 64 * 1024 * 1024 * 1024,
            default_max_staleness_secs: 86_400,
            scheduler: true,
            poll_interval_secs: 5,
            max_parts: 32,
            memory_bytes: 1024 * 1024 * 1024,
        }
    }
}
