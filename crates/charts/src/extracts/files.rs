//! Where extracts' copies live: `extracts.dir/<organisation>/<extract>/v<version>/` holds one
//! copy as Parquet part files (`part-00001.parquet`, ...). A refresh writes its copy into a
//! staging directory beside the serving one and renames it to its version before the app
//! database names it, so a chart never reads a half-written copy; the previous version stays
//! until the next refresh, for readers that looked the version up just before the swap.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tessera_domain::{ExtractId, OrgId};

/// How long a staging directory may stay untouched before it counts as abandoned (its refresh
/// died with its process).
pub const ABANDONED_AFTER: Duration = Duration::from_secs(6 * 3600);

/// The directory tree of every organisation's extracts.
#[derive(Debug, Clone)]
pub struct ExtractFiles {
    root: PathBuf,
}

impl ExtractFiles {
    /// The tree under `root` (`extracts.dir`).
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// The root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// An extract's directory.
    pub fn extract_dir(&self, org: OrgId, id: ExtractId) -> PathBuf {
        self.root.join(org.to_string()).join(id.to_string())
    }

    /// The directory of an extract's copy `version`.
    pub fn version_dir(&self, org: OrgId, id: ExtractId, version: i64) -> PathBuf {
        self.extract_dir(org, id).join(format!("v{version}"))
    }

    /// A fresh staging directory for the copy that will become `version`.
    pub fn staging_dir(&self, org: OrgId, id: ExtractId, version: i64) -> PathBuf {
        self.extract_dir(org, id).join(format!(
            "v{version}.staging-{}",
            uuid::Uuid::new_v4().simple()
        ))
    }

    /// Removes an extract's every file (nothing there is fine).
    pub fn remove_extract(&self, org: OrgId, id: ExtractId) -> io::Result<()> {
        remove_dir(&self.extract_dir(org, id))
    }

    /// Removes the copies older than `keep_from` and staging directories abandoned long ago.
    pub fn remove_old_versions(&self, org: OrgId, id: ExtractId, keep_from: i64) -> io::Result<()> {
        let dir = self.extract_dir(org, id);
        for entry in read_dir(&dir)? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let old = match name.strip_prefix('v') {
                Some(rest) if rest.contains(".staging-") => abandoned(&entry.path()),
                Some(rest) => rest.parse::<i64>().is_ok_and(|v| v < keep_from),
                None => false,
            };
            if old {
                remove_dir(&entry.path())?;
            }
        }
        Ok(())
    }

    /// Removes the directories of an organisation's extracts that no longer exist; how many.
    pub fn sweep(&self, org: OrgId, known: &HashSet<ExtractId>) -> io::Result<usize> {
        let mut removed = 0;
        for entry in read_dir(&self.root.join(org.to_string()))? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let gone = match name.parse::<ExtractId>() {
                Ok(id) => !known.contains(&id),
                Err(_) => false,
            };
            // a directory made after the list was read belongs to an extract created since
            if gone && abandoned_for(&entry.path(), Duration::from_secs(300)) {
                remove_dir(&entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The organisations with a directory here.
    pub fn orgs(&self) -> io::Result<Vec<OrgId>> {
        Ok(read_dir(&self.root)?
            .into_iter()
            .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
            .collect())
    }
}

/// The part files of a copy, in order.
pub fn parts(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut parts: Vec<PathBuf> = read_dir(dir)?
        .into_iter()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    parts.sort();
    Ok(parts)
}

/// The name of the `n`th part file.
pub fn part_name(n: usize) -> String {
    format!("part-{n:05}.parquet")
}

/// The bytes of a copy's part files.
pub fn bytes_of(dir: &Path) -> io::Result<u64> {
    let mut total = 0;
    for p in parts(dir)? {
        total += std::fs::metadata(p)?.len();
    }
    Ok(total)
}

fn read_dir(dir: &Path) -> io::Result<Vec<std::fs::DirEntry>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

fn remove_dir(dir: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn abandoned(path: &Path) -> bool {
    abandoned_for(path, ABANDONED_AFTER)
}

fn abandoned_for(path: &Path, age: Duration) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|d| d >= age)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_versions_go_and_the_previous_one_stays() {
        let tmp = tempfile::tempdir().unwrap();
        let files = ExtractFiles::new(tmp.path().to_path_buf());
        let (org, id) = (OrgId::new(), ExtractId::new());
        for v in 1..=4 {
            let d = files.version_dir(org, id, v);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(part_name(1)), b"x").unwrap();
        }
        let staging = files.staging_dir(org, id, 5);
        std::fs::create_dir_all(&staging).unwrap();
        files.remove_old_versions(org, id, 3).unwrap();
        let left: Vec<bool> = (1..=4)
            .map(|v| files.version_dir(org, id, v).exists())
            .collect();
        assert_eq!(left, vec![false, false, true, true]);
        assert!(staging.exists(), "a staging directory in use stays");
        assert_eq!(bytes_of(&files.version_dir(org, id, 4)).unwrap(), 1);
        assert_eq!(files.orgs().unwrap(), vec![org]);
        files.remove_extract(org, id).unwrap();
        assert!(!files.extract_dir(org, id).exists());
        files.remove_extract(org, id).unwrap();
    }
}
