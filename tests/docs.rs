//! The docs stay true: every workspace member has a heading in ARCHITECTURE.md's codemap,
//! and the README shows the two commands.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
