//! The app store on a fresh database of each engine (see tessera-testkit).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use tessera_store::{DbPool, PoolOptions};
pub use tessera_testkit::{Engine, TestDatabase};

/// A fresh database with an app-store pool on it.
pub struct TestDb {
    pub pool: DbPool,
    _db: TestDatabase,
}

/// Declares one test per engine from a body that takes `&TestDb`.
#[macro_export]
macro_rules! on_every_backend {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            fn run(engine: support::Engine) {
                if let Some(db) = support::TestDatabase::create(engine) {
                    let pool =
                        tessera_store::DbPool::connect(&db.url, &support::options()).unwrap();
                    let t = support::TestDb::new(pool, db);
                    let f: fn(&support::TestDb) = $body;
                    f(&t);
                }
            }
            #[test]
            fn sqlite() {
                run(support::Engine::Sqlite)
            }
            #[test]
            fn postgres() {
                run(support::Engine::Postgres)
            }
            #[test]
            fn mysql() {
                run(support::Engine::Mysql)
            }
        }
    };
}

impl TestDb {
    /// Wraps a pool and keeps its database alive.
    pub fn new(pool: DbPool, db: TestDatabase) -> Self {
        Self { pool, _db: db }
    }
}

/// Small pools for tests.
pub fn options() -> PoolOptions {
    PoolOptions {
        max_size: 4,
        ..PoolOptions::default()
    }
}
