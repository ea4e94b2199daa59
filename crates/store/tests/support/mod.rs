//! Per-test databases on each backend: a temp SQLite file always, a fresh PostgreSQL or MySQL
//! database when the server is reachable (required when `CI=true`), dropped afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection, PgConnection};
use tessera_store::{DbPool, PoolOptions};

/// The backends a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Sqlite,
    Postgres,
    Mysql,
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub pool: DbPool,
    kind: Kind,
    name: String,
    admin_url: String,
    _dir: Option<tempfile::TempDir>,
}

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map(|(b, q)| (b, format!("?{q}")))
        .unwrap_or((url, String::new()));
    let cut = base.rfind('/').unwrap();
    format!("{}/{}{}", &base[..cut], db, query)
}

/// Creates a fresh database of `kind`, or answers `None` when the server is unreachable outside CI.
pub fn fresh(kind: Kind) -> Option<TestDb> {
    let name = format!(
        "tessera_t_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let opts = PoolOptions {
        max_size: 4,
        ..PoolOptions::default()
    };
    let (admin_url, url, dir) = match kind {
        Kind::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/app.db", dir.path().display());
            (String::new(), url, Some(dir))
        }
        Kind::Postgres => {
            let admin = env_or(
                "TESSERA_TEST_POSTGRES_URL",
                "postgres://postgres@127.0.0.1:5432/test",
            );
            match PgConnection::establish(&admin) {
                Ok(mut c) => c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap(),
                Err(e) => return unreachable_server("PostgreSQL", &e.to_string()),
            }
            let url = with_database(&admin, &name);
            (admin, url, None)
        }
        Kind::Mysql => {
            let admin = env_or("TESSERA_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test");
            match MysqlConnection::establish(&admin) {
                Ok(mut c) => c
                    .batch_execute(&format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
                    .unwrap(),
                Err(e) => return unreachable_server("MySQL", &e.to_string()),
            }
            let url = with_database(&admin, &name);
            (admin, url, None)
        }
    };
    let pool = DbPool::connect(&url, &opts).unwrap();
    Some(TestDb {
        url,
        pool,
        kind,
        name,
        admin_url,
        _dir: dir,
    })
}

fn unreachable_server(what: &str, why: &str) -> Option<TestDb> {
    if std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
    {
        panic!("{what} must be reachable in CI: {why}");
    }
    eprintln!("skipping: {what} unreachable ({why})");
    None
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self.kind {
            Kind::Sqlite => {}
            Kind::Postgres => {
                if let Ok(mut c) = PgConnection::establish(&self.admin_url) {
                    let _ = c.batch_execute(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        self.name
                    ));
                }
            }
            Kind::Mysql => {
                if let Ok(mut c) = MysqlConnection::establish(&self.admin_url) {
                    let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {}", self.name));
                }
            }
        }
    }
}

/// Declares one test per backend from a body that takes `&TestDb`.
#[macro_export]
macro_rules! on_every_backend {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            fn run(kind: support::Kind) {
                if let Some(db) = support::fresh(kind) {
                    let f: fn(&support::TestDb) = $body;
                    f(&db);
                }
            }
            #[test]
            fn sqlite() {
                run(support::Kind::Sqlite)
            }
            #[test]
            fn postgres() {
                run(support::Kind::Postgres)
            }
            #[test]
            fn mysql() {
                run(support::Kind::Mysql)
            }
        }
    };
}
