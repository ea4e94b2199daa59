//! The parts of the configuration the HTTP layer reads (loaded and validated by the server).

use serde::{Deserialize, Serialize};

/// Token and password settings (`[auth]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// HMAC key signing access tokens and sealing credentials; empty means generated and kept
    /// in `secret_key_file`; production refuses a missing or default one.
    #[serde(skip_serializing)]
    pub secret_key: tessera_domain::Secret,
    /// Where a generated secret key is kept.
    pub secret_key_file: std::path::PathBuf,
    /// Access token lifetime.
    pub access_token_expire_minutes: u64,
    /// Refresh token lifetime.
    pub refresh_token_expire_days: u64,
    /// bcrypt work factor (4..=31; 12 in production, 4 in tests).
    pub bcrypt_cost: u32,
    /// The `iss` claim of access tokens.
    pub issuer: String,
    /// Seconds a member's role and active flag are reused before the database is asked again;
    /// removing, deactivating or demoting a member takes effect within this time on other
    /// processes (at once on the process that made the change).
    pub member_cache_secs: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            secret_key: tessera_domain::Secret::default(),
            secret_key_file: "./data/secret.key".into(),
            access_token_expire_minutes: 30,
            refresh_token_expire_days: 14,
            bcrypt_cost: 12,
            issuer: "tessera".into(),
            member_cache_secs: 5,
        }
    }
}

/// HTTP behaviour (`[http]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Origins allowed by CORS; `*` allows any.
    pub cors_origins: Vec<String>,
    /// Largest JSON body accepted, in bytes.
    pub json_limit_bytes: usize,
    /// Largest form body accepted, in bytes.
    pub form_limit_bytes: usize,
    /// Send `Strict-Transport-Security` (only behind TLS).
    pub hsts: bool,
    /// Rate limits.
    pub rate_limit: RateLimitSettings,
    /// `GET /metrics` needs `Authorization: Bearer <this>`; when empty, it answers only clients
    /// on this machine that did not come through a proxy.
    #[serde(skip_serializing)]
    pub metrics_token: tessera_domain::Secret,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            cors_origins: vec![
                "http://localhost:3000".into(),
                "http://127.0.0.1:3000".into(),
            ],
            json_limit_bytes: 1024 * 1024,
            form_limit_bytes: 64 * 1024,
            hsts: false,
            rate_limit: RateLimitSettings::default(),
            metrics_token: tessera_domain::Secret::default(),
        }
    }
}

/// Per-client-address token buckets (`[http.rate_limit]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Limit every route.
    pub enabled: bool,
    /// Sustained requests per second per address, all routes.
    pub per_second: u64,
    /// Requests an address may send at once, all routes.
    pub burst: u32,
    /// Sustained requests per minute per address on `/auth/*` (login, register, refresh).
    pub auth_per_minute: u64,
    /// Requests an address may send at once on `/auth/*`.
    pub auth_burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            per_second: 200,
            burst: 400,
            auth_per_minute: 30,
            auth_burst: 50,
        }
    }
}

pub use tessera_charts::settings::{ChartSettings, ExtractSettings, SourcesSettings};

/// Uploaded datasets (`[datasets]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DatasetSettings {
    /// Where Parquet files are stored, one subdirectory per organisation. Env: UPLOAD_DIR
    pub upload_dir: std::path::PathBuf,
    /// Largest upload accepted, in bytes. Env: MAX_FILE_SIZE
    pub max_file_size: u64,
    /// Most rows one preview page may hold.
    pub preview_max_rows: u32,
    /// Most data rows an upload may hold.
    pub max_rows: u64,
    /// Most columns an upload may hold.
    pub max_columns: u64,
    /// Most cells a workbook sheet may span (rows x columns of its used range).
    pub max_cells: u64,
    /// MiB a workbook's ZIP container may inflate to, and a Parquet file decode to.
    pub max_decompressed_mb: u64,
    /// Deepest nesting of JSON arrays and objects.
    pub max_json_depth: usize,
    /// Threads reading uploads.
    pub ingest_threads: usize,
    /// Stack of each reading thread, in MiB.
    pub ingest_stack_mb: u64,
    /// MiB of memory all uploads being read may take together.
    pub ingest_memory_mb: u64,
    /// Seconds an upload waits for its share of the memory before a 503.
    pub ingest_queue_timeout_secs: u64,
}

impl DatasetSettings {
    /// The caps every upload is checked against before it is read.
    pub fn ingest_limits(&self) -> tessera_analytics::ingest::IngestLimits {
        tessera_analytics::ingest::IngestLimits {
            max_rows: self.max_rows.max(1),
            max_columns: self.max_columns.max(1),
            max_cells: self.max_cells.max(1),
            max_decompressed_bytes: self.max_decompressed_mb.max(1).saturating_mul(1 << 20),
            max_json_depth: self.max_json_depth.max(2),
        }
    }
}

impl Default for DatasetSettings {
    fn default() -> Self {
        Self {
            upload_dir: "./data/uploads".into(),
            max_file_size: 100 * 1024 * 1024,
            preview_max_rows: 1000,
            max_rows: 10_000_000,
            max_columns: 2_000,
            max_cells: 10_000_000,
            max_decompressed_mb: 1024,
            max_json_depth: 16,
            ingest_threads: 2,
            ingest_stack_mb: 16,
            ingest_memory_mb: 2048,
            ingest_queue_timeout_secs: 30,
        }
    }
}

/// EDA reports and their background jobs (`[reports]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportSettings {
    /// Where report HTML and JSON files are stored. Env: REPORTS_DIR
    pub dir: std::path::PathBuf,
    /// Worker threads profiling datasets in this process (0: none; other processes may work).
    pub workers: usize,
    /// Seconds a claimed job stays with its worker without a heartbeat before others may take it.
    pub lease_secs: u64,
    /// Milliseconds between polls for queued jobs (new jobs of this process wake a worker at once).
    pub poll_interval_ms: u64,
    /// Data estimated above this many MiB in memory is profiled from a streamed systematic sample.
    pub memory_limit_mb: u64,
    /// Claims of one job before it is failed for good.
    pub max_attempts: i32,
    /// Jobs of one organisation running at once (in all processes together).
    pub max_running_per_org: i64,
    /// Jobs one organisation may have queued or running; more are refused with 429.
    pub max_queued_per_org: i64,
    /// Seconds a job may run before it is failed.
    pub job_timeout_secs: u64,
    /// Rows profiled at most; larger datasets are sampled systematically.
    pub max_rows_profiled: u64,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            dir: "./data/reports".into(),
            workers: 2,
            lease_secs: 60,
            poll_interval_ms: 1000,
            memory_limit_mb: 2048,
            max_attempts: 3,
            max_running_per_org: 1,
            max_queued_per_org: 10,
            job_timeout_secs: 600,
            max_rows_profiled: 5_000_000,
        }
    }
}

/// The retail area (`[retail]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RetailSettings {
    /// An inventory row with at most this many cases available is low on stock.
    pub low_stock_threshold: i64,
    /// Days of shipments the inventory turnover is measured over.
    pub turnover_window_days: i64,
}

impl Default for RetailSettings {
    fn default() -> Self {
        Self {
            low_stock_threshold: 50,
            turnover_window_days: 30,
        }
    }
}

impl RetailSettings {
    /// Refuses a negative threshold and a window outside 1..=365 days.
    pub fn check(&self) -> Result<(), String> {
        if self.low_stock_threshold < 0 {
            return Err("retail.low_stock_threshold must be at least 0".into());
        }
        if !(1..=365).contains(&self.turnover_window_days) {
            return Err("retail.turnover_window_days must be between 1 and 365".into());
        }
        Ok(())
    }
}

/// The commerce area (`[commerce]`, fraud rules under `[commerce.fraud]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CommerceSettings {
    /// A product with at most this many units in stock is low on stock.
    pub low_stock_threshold: i64,
    /// A customer whose risk score is at least this counts as high risk.
    pub high_risk_threshold: f64,
    /// Seconds the global amount baseline (every customer's amounts, the comparison for a
    /// customer with little history) is reused before it is read again.
    pub baseline_cache_secs: u64,
    /// The fraud rules scoring every posted transaction.
    pub fraud: tessera_analytics::commerce::fraud::FraudRules,
}

impl CommerceSettings {
    /// How long a global amount baseline is served before it is recomputed in the background.
    pub fn baseline_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.baseline_cache_secs.max(1))
    }
}

impl Default for CommerceSettings {
    fn default() -> Self {
        Self {
            low_stock_threshold: 10,
            high_risk_threshold: 0.7,
            baseline_cache_secs: 30,
            fraud: Default::default(),
        }
    }
}

/// `[ai]`: the language model that proposes generated dashboards. Without a key, the heuristic
/// generator is used; with one, the model's proposal is checked against the schema and the
/// heuristic is still the fallback.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AiSettings {
    /// `anthropic` or `openai` (an OpenAI-compatible chat completions API); empty: whichever
    /// has a key, Anthropic first.
    pub provider: String,
    /// Base URL (default `https://api.anthropic.com` or `https://api.openai.com`).
    pub base_url: String,
    /// Model name (default `claude-sonnet-4-5` or `gpt-4o-mini`).
    pub model: String,
    /// Anthropic key (env: ANTHROPIC_API_KEY).
    #[serde(skip_serializing)]
    pub anthropic_api_key: tessera_domain::Secret,
    /// OpenAI key (env: OPENAI_API_KEY).
    #[serde(skip_serializing)]
    pub openai_api_key: tessera_domain::Secret,
    /// Seconds a proposal may take before the heuristic is used instead.
    pub timeout_secs: u64,
}

impl Default for AiSettings {
    fn default() -> Self {
        Self {
            provider: String::new(),
            base_url: String::new(),
            model: String::new(),
            anthropic_api_key: tessera_domain::Secret::default(),
            openai_api_key: tessera_domain::Secret::default(),
            timeout_secs: 30,
        }
    }
}

/// A configured language model provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiProvider {
    /// `anthropic` or `openai`.
    pub kind: String,
    /// Base URL without a trailing slash.
    pub base_url: String,
    /// Model.
    pub model: String,
    /// Key.
    pub key: String,
}

impl AiSettings {
    /// The provider to ask, if one is configured with a key.
    pub fn provider(&self) -> Option<AiProvider> {
        let anthropic = self.anthropic_api_key.expose().trim();
        let openai = self.openai_api_key.expose().trim();
        let kind = match self.provider.trim() {
            "anthropic" if !anthropic.is_empty() => "anthropic",
            "openai" if !openai.is_empty() => "openai",
            "" if !anthropic.is_empty() => "anthropic",
            "" if !openai.is_empty() => "openai",
            _ => return None,
        };
        let (default_url, default_model, key) = match kind {
            "anthropic" => ("https://api.anthropic.com", "claude-sonnet-4-5", anthropic),
            _ => ("https://api.openai.com", "gpt-4o-mini", openai),
        };
        let pick = |v: &str, d: &str| {
            let v = v.trim().trim_end_matches('/');
            if v.is_empty() {
                d.to_owned()
            } else {
                v.to_owned()
            }
        };
        Some(AiProvider {
            kind: kind.to_owned(),
            base_url: pick(&self.base_url, default_url),
            model: pick(&self.model, default_model),
            key: key.to_owned(),
        })
    }

    /// Refuses an unknown provider or a timeout outside 1..=300 seconds.
    pub fn check(&self) -> Result<(), String> {
        if !["", "anthropic", "openai"].contains(&self.provider.trim()) {
            return Err("ai.provider must be anthropic or openai".into());
        }
        if !(1..=300).contains(&self.timeout_secs) {
            return Err("ai.timeout_secs must be between 1 and 300".into());
        }
        Ok(())
    }
}
