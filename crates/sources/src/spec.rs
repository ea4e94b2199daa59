//! Connection specs: what a client may register as a source, checked before anything connects.
//!
//! SQLite sources may only name existing files under `sources.sqlite_dir`, never the app's own
//! database; network sources may be restricted to `sources.allowed_hosts`.

use std::path::{Path, PathBuf};

use tessera_domain::SourceKind;
use url::Url;

use crate::SourceError;

/// Where sources may live.
#[derive(Debug, Clone)]
pub struct SpecPolicy {
    /// SQLite sources must be files under this directory.
    pub sqlite_dir: PathBuf,
    /// The app database's file, which no source may name.
    pub app_database: Option<PathBuf>,
    /// When non-empty, network sources must use one of these hosts.
    pub allowed_hosts: Vec<String>,
    /// A URL's `connect_timeout` is clamped to 1..=this many seconds (`0` would mean "wait
    /// forever" to libpq).
    pub max_connect_timeout_secs: u64,
}

/// Connection fields given separately instead of a URL.
#[derive(Debug, Clone, Default)]
pub struct SpecFields {
    /// Host name or address.
    pub host: Option<String>,
    /// TCP port.
    pub port: Option<u16>,
    /// Database name (SQLite: the file).
    pub database: Option<String>,
    /// User name.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
}

/// A validated connection spec.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionSpec {
    /// The engine.
    pub kind: SourceKind,
    /// The full URL, password included (stored encrypted, never shown).
    pub url: String,
    /// Host (network sources).
    pub host: Option<String>,
    /// Port (network sources).
    pub port: Option<u16>,
    /// Database name, or the SQLite file's path.
    pub database: Option<String>,
    /// User name (network sources).
    pub username: Option<String>,
}

impl std::fmt::Debug for ConnectionSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionSpec")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The URL parameters a network source may carry.
pub const ALLOWED_URL_PARAMETERS: [&str; 4] =
    ["sslmode", "ssl_mode", "connect_timeout", "application_name"];

fn invalid(msg: impl Into<String>) -> SourceError {
    SourceError::InvalidSpec(msg.into())
}

impl ConnectionSpec {
    /// Builds a spec from a URL or from separate fields, and checks it against the policy.
    pub fn parse(
        kind: SourceKind,
        url: Option<&str>,
        fields: &SpecFields,
        policy: &SpecPolicy,
    ) -> Result<Self, SourceError> {
        match kind {
            SourceKind::Sqlite => Self::sqlite(url, fields, policy),
            SourceKind::Postgres | SourceKind::Mysql => Self::network(kind, url, fields, policy),
        }
    }

    /// A SQLite file inside the organisation's sources directory.
    fn sqlite(
        url: Option<&str>,
        fields: &SpecFields,
        policy: &SpecPolicy,
    ) -> Result<Self, SourceError> {
        let kind = SourceKind::Sqlite;
        let raw = match (url, fields.database.as_deref()) {
            (Some(u), _) => u
                .strip_prefix("sqlite://")
                .or_else(|| u.strip_prefix("sqlite:"))
                .ok_or_else(|| invalid("a SQLite url starts with sqlite://"))?
                .to_owned(),
            (None, Some(db)) => db.to_owned(),
            (None, None) => {
                return Err(invalid("give a url (sqlite://FILE) or database (the file)"))
            }
        };
        let (path, relative) = sqlite_file(&raw, policy)?;
        Ok(Self {
            kind,
            url: format!("sqlite://{}", path.display()),
            host: None,
            port: None,
            // what clients see: the file within the sources directory, never the
            // server's absolute path
            database: Some(relative),
            username: None,
        })
    }

    /// A PostgreSQL or MySQL server: an allowed host, harmless URL parameters only, a database,
    /// a clamped connect timeout.
    fn network(
        kind: SourceKind,
        url: Option<&str>,
        fields: &SpecFields,
        policy: &SpecPolicy,
    ) -> Result<Self, SourceError> {
        let url = match url {
            Some(u) => Url::parse(u).map_err(|e| invalid(format!("invalid url: {e}")))?,
            None => url_from_fields(kind, fields)?,
        };
        let scheme_ok = match kind {
            SourceKind::Postgres => matches!(url.scheme(), "postgres" | "postgresql"),
            _ => matches!(url.scheme(), "mysql" | "mariadb"),
        };
        if !scheme_ok {
            return Err(invalid(format!(
                "a {kind} url must start with {}://",
                kind.as_str()
            )));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid("the url has no host"))?
            .to_owned();
        if !policy.allowed_hosts.is_empty()
            && !policy
                .allowed_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&host))
        {
            return Err(invalid(format!(
                "host '{host}' is not in sources.allowed_hosts"
            )));
        }
        // Driver parameters can redirect the connection (host=, hostaddr=, unix_socket=) or
        // read local files (passfile=, sslkey=): only harmless ones pass.
        for (key, _) in url.query_pairs() {
            if !ALLOWED_URL_PARAMETERS.contains(&key.as_ref()) {
                return Err(invalid(format!(
                    "URL parameter '{key}' is not allowed; allowed: {}",
                    ALLOWED_URL_PARAMETERS.join(", ")
                )));
            }
        }
        let database = url.path().trim_start_matches('/').to_owned();
        if database.is_empty() {
            return Err(invalid("the url names no database"));
        }
        let mut normalized = url.clone();
        clamp_connect_timeout(&mut normalized, policy.max_connect_timeout_secs)?;
        if kind == SourceKind::Mysql && url.scheme() == "mariadb" {
            let rest = &url.as_str()["mariadb".len()..];
            normalized = Url::parse(&format!("mysql{rest}")).map_err(|e| invalid(e.to_string()))?;
        }
        Ok(Self {
            kind,
            host: Some(host),
            port: url.port(),
            database: Some(database),
            username: Some(url.username().to_owned()).filter(|u| !u.is_empty()),
            url: normalized.to_string(),
        })
    }

    /// This spec with some connection fields replaced (the password is kept unless given).
    pub fn with_fields(
        &self,
        fields: &SpecFields,
        policy: &SpecPolicy,
    ) -> Result<Self, SourceError> {
        if self.kind == SourceKind::Sqlite {
            let db = fields
                .database
                .as_deref()
                .or(self.database.as_deref())
                .unwrap_or_default();
            return Self::parse(
                self.kind,
                None,
                &SpecFields {
                    database: Some(db.to_owned()),
                    ..SpecFields::default()
                },
                policy,
            );
        }
        let mut url = Url::parse(&self.url).map_err(|e| invalid(e.to_string()))?;
        if let Some(h) = fields.host.as_deref() {
            url.set_host(Some(h.trim()))
                .map_err(|e| invalid(format!("invalid host: {e}")))?;
        }
        if let Some(p) = fields.port {
            url.set_port(Some(p)).map_err(|_| invalid("invalid port"))?;
        }
        if let Some(d) = fields.database.as_deref() {
            url.set_path(d.trim());
        }
        if let Some(u) = fields.username.as_deref() {
            url.set_username(u)
                .map_err(|_| invalid("invalid username"))?;
        }
        if let Some(p) = fields.password.as_deref() {
            url.set_password(Some(p).filter(|p| !p.is_empty()))
                .map_err(|_| invalid("invalid password"))?;
        }
        Self::parse(
            self.kind,
            Some(url.as_str()),
            &SpecFields::default(),
            policy,
        )
    }

    /// Rebuilds a spec from a stored URL. Hosts and URL parameters are checked against the current
    /// policy again; a SQLite file is not re-confined to a directory (it was when it was registered,
    /// or the operator registered it), but it must exist and never be the app database.
    pub fn from_stored(
        kind: SourceKind,
        url: &str,
        policy: &SpecPolicy,
    ) -> Result<Self, SourceError> {
        if kind != SourceKind::Sqlite {
            return Self::parse(kind, Some(url), &SpecFields::default(), policy);
        }
        let raw = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let file = Path::new(raw)
            .canonicalize()
            .map_err(|_| invalid("the SQLite file is gone"))?;
        if let Some(app) = policy
            .app_database
            .as_ref()
            .and_then(|p| p.canonicalize().ok())
        {
            if app == file {
                return Err(invalid("the app's own database cannot be a data source"));
            }
        }
        let display = file.display().to_string();
        Ok(Self {
            kind,
            url: format!("sqlite://{display}"),
            host: None,
            port: None,
            database: Some(display),
            username: None,
        })
    }

    /// The URL with the password replaced by `***` (for logs and errors).
    pub fn redacted(&self) -> String {
        match Url::parse(&self.url) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            _ => self.url.clone(),
        }
    }
}

/// Rewrites a `connect_timeout` parameter into 1..=`max` seconds (a non-number is refused).
fn clamp_connect_timeout(url: &mut Url, max: u64) -> Result<(), SourceError> {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !pairs.iter().any(|(k, _)| k == "connect_timeout") {
        return Ok(());
    }
    let mut q = url.query_pairs_mut();
    q.clear();
    for (k, v) in pairs {
        if k == "connect_timeout" {
            let secs: u64 = v
                .trim()
                .parse()
                .map_err(|_| invalid("connect_timeout must be a number of seconds"))?;
            q.append_pair(&k, &secs.clamp(1, max.max(1)).to_string());
        } else {
            q.append_pair(&k, &v);
        }
    }
    Ok(())
}

fn url_from_fields(kind: SourceKind, f: &SpecFields) -> Result<Url, SourceError> {
    let host = f
        .host
        .as_deref()
        .filter(|h| !h.trim().is_empty())
        .ok_or_else(|| invalid("give a url, or host and database"))?;
    let database = f
        .database
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| invalid("database is required"))?;
    let mut url = Url::parse(&format!("{}://placeholder/", kind.as_str()))
        .map_err(|e| invalid(e.to_string()))?;
    url.set_host(Some(host.trim()))
        .map_err(|e| invalid(format!("invalid host: {e}")))?;
    url.set_port(f.port).map_err(|_| invalid("invalid port"))?;
    if let Some(user) = f.username.as_deref().filter(|u| !u.is_empty()) {
        url.set_username(user)
            .map_err(|_| invalid("invalid username"))?;
    }
    if let Some(pw) = f.password.as_deref().filter(|p| !p.is_empty()) {
        url.set_password(Some(pw))
            .map_err(|_| invalid("invalid password"))?;
    }
    url.set_path(database.trim());
    Ok(url)
}

/// Resolves a SQLite path (relative paths are relative to `sqlite_dir`) and checks it stays
/// inside; answers the file and its path relative to the directory. Messages never name the
/// server's directories.
fn sqlite_file(raw: &str, policy: &SpecPolicy) -> Result<(PathBuf, String), SourceError> {
    let raw = raw.split('?').next().unwrap_or(raw);
    let dir = policy.sqlite_dir.canonicalize().map_err(|_| {
        tracing::error!(dir = %policy.sqlite_dir.display(), "sources.sqlite_dir does not exist");
        invalid("the server's sources directory is missing; ask its operator")
    })?;
    let candidate = if Path::new(raw).is_absolute() {
        PathBuf::from(raw)
    } else {
        dir.join(raw)
    };
    let file = candidate.canonicalize().map_err(|_| {
        if Path::new(raw).is_absolute() {
            invalid("no such SQLite file in your organisation's sources directory")
        } else {
            invalid(format!(
                "no SQLite file '{raw}' in your organisation's sources directory"
            ))
        }
    })?;
    if !file.starts_with(&dir) || !file.is_file() {
        return Err(invalid(
            "SQLite sources must be files in your organisation's sources directory",
        ));
    }
    if let Some(app) = policy
        .app_database
        .as_ref()
        .and_then(|p| p.canonicalize().ok())
    {
        if app == file {
            return Err(invalid("the app's own database cannot be a data source"));
        }
    }
    let relative = file
        .strip_prefix(&dir)
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    Ok((file, relative))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(dir: &Path) -> SpecPolicy {
        SpecPolicy {
            sqlite_dir: dir.to_path_buf(),
            app_database: None,
            allowed_hosts: vec![],
            max_connect_timeout_secs: 5,
        }
    }

    #[test]
    fn sqlite_files_must_exist_inside_the_sources_dir() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("shop.db"), b"").unwrap();
        let p = policy(dir.path());
        let ok = ConnectionSpec::parse(
            SourceKind::Sqlite,
            Some("sqlite://shop.db"),
            &SpecFields::default(),
            &p,
        )
        .unwrap();
        assert!(ok.url.ends_with("/shop.db"));
        for bad in [
            "sqlite://../etc/passwd",
            "sqlite:///etc/passwd",
            "sqlite://missing.db",
            "postgres://x/y",
        ] {
            assert!(
                ConnectionSpec::parse(SourceKind::Sqlite, Some(bad), &SpecFields::default(), &p)
                    .is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_app_database_is_never_a_source() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.db"), b"").unwrap();
        let p = SpecPolicy {
            app_database: Some(dir.path().join("app.db")),
            ..policy(dir.path())
        };
        assert!(ConnectionSpec::parse(
            SourceKind::Sqlite,
            Some("sqlite://app.db"),
            &SpecFields::default(),
            &p
        )
        .is_err());
    }

    #[test]
    fn network_specs_from_urls_or_fields() {
        let dir = tempfile::tempdir().unwrap();
        let p = policy(dir.path());
        let a = ConnectionSpec::parse(
            SourceKind::Postgres,
            Some("postgres://bob:s3cret@db.example:5433/sales"),
            &SpecFields::default(),
            &p,
        )
        .unwrap();
        assert_eq!(
            (
                a.host.as_deref(),
                a.port,
                a.database.as_deref(),
                a.username.as_deref()
            ),
            (Some("db.example"), Some(5433), Some("sales"), Some("bob"))
        );
        assert!(!a.redacted().contains("s3cret"));
        assert!(!format!("{a:?}").contains("s3cret"));
        let f = SpecFields {
            host: Some("db".into()),
            port: Some(3306),
            database: Some("shop".into()),
            username: Some("root".into()),
            password: Some("p@ss/word".into()),
        };
        let b = ConnectionSpec::parse(SourceKind::Mysql, None, &f, &p).unwrap();
        assert!(b.url.starts_with("mysql://root:"));
        assert_eq!(b.database.as_deref(), Some("shop"));
        assert!(ConnectionSpec::parse(
            SourceKind::Mysql,
            Some("postgres://h/db"),
            &SpecFields::default(),
            &p
        )
        .is_err());
        assert!(ConnectionSpec::parse(
            SourceKind::Postgres,
            Some("postgres://h/"),
            &SpecFields::default(),
            &p
        )
        .is_err());
    }

    #[test]
    fn url_parameters_that_redirect_or_read_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = policy(dir.path());
        for url in [
            "postgres://u@db/x?host=10.0.0.1",
            "postgres://u@db/x?hostaddr=127.0.0.1",
            "postgres://u@db/x?passfile=/etc/passwd",
            "postgres://u@db/x?password=leak",
            "postgres://u@db/x?service=evil",
        ] {
            assert!(
                ConnectionSpec::parse(SourceKind::Postgres, Some(url), &SpecFields::default(), &p)
                    .is_err(),
                "{url}"
            );
        }
        assert!(ConnectionSpec::parse(
            SourceKind::Mysql,
            Some("mysql://u@db/x?unix_socket=/tmp/s"),
            &SpecFields::default(),
            &p
        )
        .is_err());
        assert!(ConnectionSpec::parse(
            SourceKind::Postgres,
            Some("postgres://u@db/x?sslmode=require&connect_timeout=3"),
            &SpecFields::default(),
            &p
        )
        .is_ok());
    }

    #[test]
    fn allowed_hosts_restrict_network_sources() {
        let dir = tempfile::tempdir().unwrap();
        let p = SpecPolicy {
            allowed_hosts: vec!["db.internal".into()],
            ..policy(dir.path())
        };
        assert!(ConnectionSpec::parse(
            SourceKind::Postgres,
            Some("postgres://u@db.internal/x"),
            &SpecFields::default(),
            &p
        )
        .is_ok());
        assert!(ConnectionSpec::parse(
            SourceKind::Postgres,
            Some("postgres://u@169.254.169.254/x"),
            &SpecFields::default(),
            &p
        )
        .is_err());
    }
}
