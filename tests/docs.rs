//! The docs stay true: every workspace member has a heading in ARCHITECTURE.md's codemap,
//! and the README shows the two commands.

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn every_workspace_member_is_in_the_codemap() {
    let manifest = read("Cargo.toml");
    let architecture = read("ARCHITECTURE.md");
    let members_line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("members"))
        .unwrap();
    let members: Vec<&str> = members_line.split('"').skip(1).step_by(2).collect();
    assert!(members.len() >= 4, "{members:?}");
    for member in members {
        assert!(
            architecture.contains(&format!("### `{member}`")),
            "ARCHITECTURE.md has no codemap heading for {member}"
        );
    }
}

#[test]
fn readme_opens_with_the_two_commands() {
    let readme = read("README.md");
    assert!(readme.contains("make run") && readme.contains("make test"));
}

/// The files a codemap section names, relative to that section's directory.
fn codemap_paths(architecture: &str) -> Vec<(String, String)> {
    let codemap = architecture
        .split("\n## ")
        .find(|s| s.starts_with("Codemap"))
        .unwrap();
    let mut named = Vec::new();
    let mut dir = String::new();
    for line in codemap.lines() {
        if let Some(heading) = line.strip_prefix("### `") {
            dir = heading
                .split('`')
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned();
            continue;
        }
        for (i, token) in line.split('`').enumerate() {
            let is_path = i % 2 == 1
                && !token.contains(' ')
                && [".rs", ".toml", ".sql", ".sh", ".json", ".md", "/"]
                    .iter()
                    .any(|ext| token.ends_with(ext))
                && !token.contains('{');
            if is_path {
                named.push((dir.clone(), token.to_owned()));
            }
        }
    }
    named
}

#[test]
fn every_path_in_the_codemap_exists() {
    let root = std::path::PathBuf::from(format!("{}/..", env!("CARGO_MANIFEST_DIR")));
    let named = codemap_paths(&read("ARCHITECTURE.md"));
    assert!(named.len() > 30, "{named:?}");
    let mut missing = Vec::new();
    for (dir, path) in named {
        let candidates = [
            root.join(&dir).join("src").join(&path),
            root.join(&dir).join(&path),
            root.join(&path),
        ];
        // migration files are named once for every migration directory
        let in_each_migration = dir == "migrations"
            && std::fs::read_dir(root.join("migrations/sqlite"))
                .unwrap()
                .all(|m| m.unwrap().path().join(&path).exists());
        if !in_each_migration && !candidates.iter().any(|c| c.exists()) {
            missing.push(format!("{dir}: {path}"));
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names missing paths: {missing:?}"
    );
}
