//! Prometheus instruments: requests by route and status, latency, app database pool.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};
use tessera_store::DbPool;

/// The registry and its instruments.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    front_requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    baselines: IntCounter,
}

impl Metrics {
    /// Registers the instruments.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "tessera_http_requests_total",
                "HTTP requests answered, by method, route pattern and status",
            ),
            &["method", "route", "status"],
        )?;
        let front_requests = IntCounterVec::new(
            Opts::new(
                "tessera_front_requests_total",
                "HTTP requests answered by compatibility fronts, by front, route pattern and status",
            ),
            &["front", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "tessera_http_request_duration_seconds",
                "Time to answer HTTP requests",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ]),
            &["method", "route"],
        )?;
        let pool_connections = IntGauge::new(
            "tessera_db_pool_connections",
            "Open connections in the app database pool",
        )?;
        let pool_idle = IntGauge::new(
            "tessera_db_pool_idle_connections",
            "Idle connections in the app database pool",
        )?;
        let pool_max = IntGauge::new(
            "tessera_db_pool_max_connections",
            "Maximum size of the app database pool",
        )?;
        let baselines = IntCounter::new(
            "tessera_commerce_baseline_computations_total",
            "Global amount baselines computed for fraud scoring (once per organisation, then in \
             the background every commerce.baseline_cache_secs)",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(baselines.clone()))?;
        registry.register(Box::new(front_requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_idle.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        Ok(Self {
            registry,
            requests,
            front_requests,
            latency,
            pool_connections,
            pool_idle,
            pool_max,
            baselines,
        })
    }

    /// Records one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    /// Records one request answered by the front `front`.
    pub fn observe_front(&self, front: &str, route: &str, status: u16) {
        self.front_requests
            .with_label_values(&[front, route, &status.to_string()])
            .inc();
    }

    /// Records one global amount baseline computed.
    pub fn baseline_computed(&self) {
        self.baselines.inc();
    }

    /// The Prometheus text exposition, with pool statistics read now.
    pub fn render(&self, pool: &DbPool) -> String {
        let state = pool.state();
        self.pool_connections.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle_connections));
        self.pool_max.set(i64::from(state.max_size));
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "encoding metrics");
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}
