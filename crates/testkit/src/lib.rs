//! Test support shared by the crates' integration tests: a database that exists for one test.
//! SQLite is a temp file; PostgreSQL and MySQL get a fresh database on the server named by
//! `TESSERA_TEST_POSTGRES_URL` / `TESSERA_TEST_MYSQL_URL` (local defaults), dropped afterwards.
//! An unreachable server skips the test, except under `CI=true`, where it fails it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod net;

use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection, PgConnection};

/// A database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A temp SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
    /// A fresh MySQL/MariaDB database.
    Mysql,
}

/// A database that exists for one test.
pub struct TestDatabase {
    /// The URL to connect to it.
    pub url: String,
    /// Its engine.
    pub engine: Engine,
    name: String,
    admin_url: String,
    dir: Option<tempfile::TempDir>,
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
    let cut = base.rfind('/').expect("the test database URL has a path");
    format!("{}/{}{}", &base[..cut], db, query)
}

impl TestDatabase {
    /// Creates a fresh database, or answers `None` when its server is unreachable outside CI.
    pub fn create(engine: Engine) -> Option<Self> {
        let name = format!(
            "tessera_t_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("a temp dir for the SQLite test database");
                let url = format!("sqlite://{}/test.db", dir.path().display());
                Some(Self {
                    url,
                    engine,
                    name,
                    admin_url: String::new(),
                    dir: Some(dir),
                })
            }
            Engine::Postgres => {
                let admin = env_or(
                    "TESSERA_TEST_POSTGRES_URL",
                    "postgres://postgres@127.0.0.1:5432/test",
                );
                match PgConnection::establish(&admin) {
                    Ok(mut c) => c
                        .batch_execute(&format!("CREATE DATABASE {name}"))
                        .expect("CREATE DATABASE on the PostgreSQL test server"),
                    Err(e) => return unreachable_server("PostgreSQL", &e.to_string()),
                }
                Some(Self {
                    url: with_database(&admin, &name),
                    engine,
                    name,
                    admin_url: admin,
                    dir: None,
                })
            }
            Engine::Mysql => {
                let admin = env_or("TESSERA_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test");
                match MysqlConnection::establish(&admin) {
                    Ok(mut c) => c
                        .batch_execute(&format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
                        .expect("CREATE DATABASE on the MySQL test server"),
                    Err(e) => return unreachable_server("MySQL", &e.to_string()),
                }
                Some(Self {
                    url: with_database(&admin, &name),
                    engine,
                    name,
                    admin_url: admin,
                    dir: None,
                })
            }
        }
    }

    /// The SQLite file's path (SQLite only).
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self.dir.as_ref().map(|d| d.path().join("test.db"))
    }

    /// The temp directory holding the SQLite file (SQLite only).
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_ref().map(|d| d.path())
    }

    /// Runs SQL statements (setup) directly on the database.
    pub fn execute(&self, sql: &str) {
        match self.engine {
            Engine::Sqlite => {
                let path = self.sqlite_path().expect("a SQLite test database");
                diesel::SqliteConnection::establish(path.to_str().expect("a UTF-8 path"))
                    .expect("connecting to the test database")
                    .batch_execute(sql)
                    .expect("running the setup SQL")
            }
            Engine::Postgres => PgConnection::establish(&self.url)
                .expect("connecting to the test database")
                .batch_execute(sql)
                .expect("running the setup SQL"),
            Engine::Mysql => MysqlConnection::establish(&self.url)
                .expect("connecting to the test database")
                .batch_execute(sql)
                .expect("running the setup SQL"),
        }
    }
}

fn unreachable_server(what: &str, why: &str) -> Option<TestDatabase> {
    skip(what, why);
    None
}

/// Whether this run is CI (`CI=true`), where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

/// The file skipped tests are recorded in, summarised at the end of `make test`.
pub fn skip_log() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target")
        })
        .join("test-skips.log")
}

/// Skips the calling test because `what` is missing (`why`): fails it under CI, otherwise
/// records one line `<what>\t<test>` in [`skip_log`] for `make test`'s summary.
pub fn skip(what: &str, why: &str) {
    if in_ci() {
        panic!("{what} must be available in CI: {why}");
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed test")
        .to_owned();
    eprintln!("skipping {test}: {what} unavailable ({why})");
    let line = format!("{what}\t{test}\n");
    let path = skip_log();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        use std::io::Write;
        let _ = f.write_all(line.as_bytes());
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self.engine {
            Engine::Sqlite => {}
            Engine::Postgres => {
                if let Ok(mut c) = PgConnection::establish(&self.admin_url) {
                    let _ = c.batch_execute(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        self.name
                    ));
                }
            }
            Engine::Mysql => {
                if let Ok(mut c) = MysqlConnection::establish(&self.admin_url) {
                    let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {}", self.name));
                }
            }
        }
    }
}

/// Declares one test per engine from a body that takes `&TestDatabase`.
#[macro_export]
macro_rules! on_every_engine {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            fn run(engine: $crate::Engine) {
                if let Some(db) = $crate::TestDatabase::create(engine) {
                    let f: fn(&$crate::TestDatabase) = $body;
                    f(&db);
                }
            }
            #[test]
            fn sqlite() {
                run($crate::Engine::Sqlite)
            }
            #[test]
            fn postgres() {
                run($crate::Engine::Postgres)
            }
            #[test]
            fn mysql() {
                run($crate::Engine::Mysql)
            }
        }
    };
}

/// Creates (or extends) a SQLite file by running `sql` on it.
pub fn sqlite_file(path: &std::path::Path, sql: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("the SQLite file's directory");
    }
    diesel::SqliteConnection::establish(path.to_str().expect("a UTF-8 path"))
        .expect("connecting to the test database")
        .batch_execute(sql)
        .expect("running the setup SQL");
}
