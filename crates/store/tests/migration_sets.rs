//! The three migration trees stay in lockstep: same names, no empty down.sql.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

fn listing(backend: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(backend);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[test]
fn every_backend_has_the_same_migration_names() {
    let sqlite = listing("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, listing("postgres"));
    assert_eq!(sqlite, listing("mysql"));
}

#[test]
fn no_migration_has_an_empty_up_or_down() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    for backend in ["sqlite", "postgres", "mysql"] {
        for name in listing(backend) {
            for file in ["up.sql", "down.sql"] {
                let path = root.join(backend).join(&name).join(file);
                let text = std::fs::read_to_string(&path).unwrap();
                let sql: String = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("--"))
                    .collect();
                assert!(!sql.trim().is_empty(), "{} is empty", path.display());
            }
        }
    }
}
