//! The crate graph is proved, not promised: every internal dependency of a crate (normal, not
//! dev) points down this graph, `domain <- store, sources, analytics <- charts <- alerting <-
//! api, worker <- server`, and siblings of one layer never depend on each other.

use std::collections::BTreeMap;

/// Each crate's layer; a crate may depend only on crates of lower layers.
const LAYERS: &[(&str, u8)] = &[
    ("tessera-domain", 0),
    ("tessera-store", 1),
    ("tessera-sources", 1),
    ("tessera-analytics", 1),
    ("tessera-charts", 2),
    ("tessera-alerting", 3),
    ("tessera-api", 4),
    ("tessera-worker", 4),
    ("tessera-server", 5),
];

/// Test support sits outside the graph: any crate may use it in tests only.
const TEST_ONLY: &[&str] = &["tessera-testkit"];

/// A crate's name and its internal normal dependencies, read from its manifest.
fn manifest(text: &str) -> (String, Vec<String>) {
    let mut name = String::new();
    let mut deps = Vec::new();
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').to_owned();
            continue;
        }
        let key = line.split(['=', '.', ' ']).next().unwrap_or_default();
        if section == "package" && key == "name" {
            name = line.split('"').nth(1).unwrap_or_default().to_owned();
        }
        if section == "dependencies" && key.starts_with("tessera-") {
            deps.push(key.to_owned());
        }
    }
    (name, deps)
}

fn manifests() -> BTreeMap<String, Vec<String>> {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    std::fs::read_dir(crates)
        .unwrap()
        .map(|e| e.unwrap().path().join("Cargo.toml"))
        .filter(|p| p.exists())
        .map(|p| manifest(&std::fs::read_to_string(p).unwrap()))
        .collect()
}

fn layer(name: &str) -> Option<u8> {
    LAYERS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
}

/// The edges that break the graph, as `from -> to` lines.
fn violations(graph: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let mut bad = Vec::new();
    for (from, deps) in graph {
        if TEST_ONLY.contains(&from.as_str()) {
            continue;
        }
        let Some(own) = layer(from) else {
            bad.push(format!("{from} has no layer in tests/layering.rs"));
            continue;
        };
        for to in deps {
            match layer(to) {
                Some(l) if l < own => {}
                _ => bad.push(format!("{from} -> {to}")),
            }
        }
    }
    bad
}

#[test]
fn every_internal_dependency_points_down_the_graph() {
    let graph = manifests();
    assert!(graph.len() >= 6, "{graph:?}");
    let bad = violations(&graph);
    assert!(bad.is_empty(), "dependencies outside the layering: {bad:?}");
}

#[test]
fn an_upward_or_sideways_edge_is_caught() {
    let (name, deps) = manifest(
        "[package]\nname = \"tessera-store\"\n[dependencies]\ntessera-domain.workspace = true\n\
         tessera-sources = { path = \"../sources\" }\n[dev-dependencies]\ntessera-api.workspace = true\n",
    );
    assert_eq!(name, "tessera-store");
    assert_eq!(deps, ["tessera-domain", "tessera-sources"]);
    let graph = BTreeMap::from([(name, deps)]);
    assert_eq!(violations(&graph), ["tessera-store -> tessera-sources"]);
    let upward = BTreeMap::from([("tessera-api".to_owned(), vec!["tessera-server".to_owned()])]);
    assert_eq!(violations(&upward), ["tessera-api -> tessera-server"]);
}

/// Public store functions taking a connection but no `OrgId`, as `module::function`.
fn unscoped_store_functions() -> Vec<String> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/store/src");
    let mut found = Vec::new();
    for path in rust_files(&src) {
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, _) in text.match_indices("\npub fn ") {
            let signature = &text[i + 8..];
            let name: String = signature
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let params = signature.split_once('(').map_or("", |(_, rest)| {
                rest.split_once("\n}").map_or(rest, |(head, _)| head)
            });
            let params = params.split(") ->").next().unwrap_or(params);
            let params = params.split(") {").next().unwrap_or(params);
            if params.contains("DbConn") && !params.contains("OrgId") {
                found.push(format!("{module}::{name}"));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn every_unscoped_store_function_is_named_with_its_reason() {
    let architecture = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ARCHITECTURE.md"),
    )
    .unwrap();
    let table: Vec<&str> = architecture
        .lines()
        .skip_while(|l| !l.starts_with("| Unscoped store function"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(
        !table.is_empty(),
        "ARCHITECTURE.md lost its table of unscoped store functions"
    );
    let allowed: Vec<&str> = table
        .iter()
        .flat_map(|row| {
            let (names, why) = row.trim_matches('|').split_once('|').unwrap();
            assert!(why.trim().len() > 10, "no reason given for {names}");
            names.split('`').skip(1).step_by(2)
        })
        .collect();
    let found = unscoped_store_functions();
    assert!(
        found.contains(&"users::find_credentials_by_email".to_owned()),
        "{found:?}"
    );
    let missing: Vec<&String> = found
        .iter()
        .filter(|f| {
            let module = f.split("::").next().unwrap();
            !allowed.contains(&f.as_str()) && !allowed.contains(&format!("{module}::*").as_str())
        })
        .collect();
    assert!(
        missing.is_empty(),
        "store functions without the caller's OrgId, not in ARCHITECTURE.md's table: {missing:?}"
    );
    for entry in allowed.iter().filter(|a| !a.ends_with("::*")) {
        assert!(
            found.iter().any(|f| f == entry),
            "{entry} is allowed but no longer unscoped"
        );
    }
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn no_file_of_the_http_crate_passes_600_lines() {
    let api = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/api/src");
    let long: Vec<String> = rust_files(&api)
        .into_iter()
        .filter_map(|p| {
            let n = std::fs::read_to_string(&p).unwrap().lines().count();
            (n > 600).then(|| format!("{} ({n} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these by area: {long:?}");
}

/// A module's path from its file: `data/dto/mod.rs` and `data/dto.rs` are `data::dto`.
fn module_of(src: &std::path::Path, file: &std::path::Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts.join("::")
}

/// The `crate::a::b` paths a module's code (its tests left out) names, braces expanded one level.
fn crate_paths(code: &str) -> Vec<String> {
    let code = code.split("#[cfg(test)]").next().unwrap_or_default();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '@';
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let head: String = after.chars().take_while(|c| word(*c)).collect();
        let tail = &after[head.len()..];
        if head.ends_with("::") && tail.starts_with('{') {
            let inner = &tail[1..tail.find('}').unwrap_or(tail.len() - 1)];
            for item in inner.split(',') {
                let item: String = item.trim().chars().take_while(|c| word(*c)).collect();
                paths.push(format!("{head}{item}"));
            }
        } else if !head.ends_with("::") && tail.starts_with('{') {
            // `crate::{a, b}`
            let inner = &tail[1..tail.find('}').unwrap_or(tail.len() - 1)];
            for item in inner.split(',') {
                paths.push(item.trim().chars().take_while(|c| word(*c)).collect());
            }
        } else {
            paths.push(head);
        }
        rest = after;
    }
    paths
}

/// Edges between the modules of the crate at `src`: a module names another (the longest module
/// prefix of the path); the crate root, a facade that re-exports, is left out.
fn module_graph(src: &std::path::Path) -> BTreeMap<String, std::collections::BTreeSet<String>> {
    let files = rust_files(src);
    let modules: std::collections::BTreeSet<String> =
        files.iter().map(|f| module_of(src, f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let from = module_of(src, file);
        if from.is_empty() {
            continue;
        }
        let code = std::fs::read_to_string(file).unwrap();
        let parent = from.rsplit_once("::").map_or("", |(p, _)| p).to_owned();
        let join = |base: &str, rest: &str| {
            if base.is_empty() {
                rest.to_owned()
            } else {
                format!("{base}::{rest}")
            }
        };
        // `super::x` is the parent's `x`; `use x::..` of a child module is `self::x`
        let relative = code
            .replace("super::", "crate::@super::")
            .replace("pub use ", "use ")
            .lines()
            .map(|l| match l.trim_start().strip_prefix("use ") {
                Some(rest)
                    if modules.contains(&join(&from, rest.split("::").next().unwrap_or(""))) =>
                {
                    format!("use crate::@self::{rest}")
                }
                _ => l.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let edges: &mut std::collections::BTreeSet<String> = graph.entry(from.clone()).or_default();
        for path in crate_paths(&relative) {
            let path = match (path.strip_prefix("@super::"), path.strip_prefix("@self::")) {
                (Some(rest), _) => join(&parent, rest),
                (_, Some(rest)) => join(&from, rest),
                _ => path,
            };
            let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
            let target = (1..=parts.len())
                .rev()
                .map(|n| parts[..n].join("::"))
                .find(|m| modules.contains(m));
            if let Some(to) = target.filter(|t| *t != from) {
                edges.insert(to);
            }
        }
    }
    graph
}

/// The modules of `graph` that reach themselves again, each cycle once (as a sorted list).
fn cycles(graph: &BTreeMap<String, std::collections::BTreeSet<String>>) -> Vec<Vec<String>> {
    let reach = |from: &String| {
        let mut seen = std::collections::BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(m) = todo.pop() {
            for next in graph.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, _> = graph.keys().map(|m| (m, reach(m))).collect();
    let mut found = std::collections::BTreeSet::new();
    for (m, r) in &reached {
        if r.contains(*m) {
            let cycle: Vec<String> = r
                .iter()
                .filter(|o| reached.get(o).is_some_and(|back| back.contains(*m)))
                .cloned()
                .collect();
            found.insert(cycle);
        }
    }
    found.into_iter().collect()
}

#[test]
fn no_two_modules_of_a_crate_import_each_other_in_a_circle() {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    let mut circles = Vec::new();
    for entry in std::fs::read_dir(crates).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            for cycle in cycles(&module_graph(&src)) {
                circles.push(format!("{}: {cycle:?}", src.display()));
            }
        }
    }
    assert!(
        circles.is_empty(),
        "modules importing each other in a circle: {circles:#?}"
    );
}

#[test]
fn a_circle_of_imports_is_caught() {
    let code = "use crate::a::{b::X, c};\nfn f() { crate::d::y(); }\n#[cfg(test)]\nmod tests { use crate::e; }";
    assert_eq!(crate_paths(code), ["a::b::X", "a::c", "d::y"]);
    let graph: BTreeMap<String, std::collections::BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(m, to)| (m.to_owned(), to.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(cycles(&graph), vec![vec!["a", "b", "c"]]);
}

/// The areas of the HTTP crate (`api/src/<area>/`).
const API_AREAS: &[&str] = &[
    "core",
    "data",
    "commerce",
    "retail",
    "alerts",
    "dashboards",
    "extracts",
];

#[test]
fn an_area_of_the_http_crate_imports_no_other_area_and_no_use_case_sees_a_wire_type() {
    let api = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/api/src");
    let mut found = Vec::new();
    for area in API_AREAS {
        for file in rust_files(&api.join(area)) {
            let code = std::fs::read_to_string(&file).unwrap();
            let paths = crate_paths(&code);
            for other in API_AREAS.iter().filter(|o| *o != area) {
                if paths.iter().any(|p| p.starts_with(&format!("{other}::"))) {
                    found.push(format!("{} imports the {other} area", file.display()));
                }
            }
            let in_service = file.components().any(|c| c.as_os_str() == "service");
            if in_service && paths.iter().any(|p| p.contains("::dto")) {
                found.push(format!(
                    "{} (a use case) imports wire types",
                    file.display()
                ));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
