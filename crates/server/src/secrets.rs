//! The server's secret key: the configured one, or one generated on first start and kept in
//! `auth.secret_key_file`, so tokens and sealed credentials survive restarts without a published
//! default. A placeholder or example key is refused on any bind address but loopback.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use rand::RngCore;

use crate::settings::Settings;

/// Why the secret key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The key file cannot be read or written.
    #[error("secret key file {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The key file holds something too short to be a key.
    #[error(
        "secret key file {0} holds less than 32 characters; delete it to have a new key generated"
    )]
    TooShort(String),
    /// A published placeholder on an address others can reach.
    #[error("refusing to serve on {0} with a placeholder or example secret key: set SECRET_KEY to a random value of at least 32 characters, or leave it unset to have one generated")]
    PlaceholderExposed(String),
}

/// Settings whose secret key is set: the configured one, else the kept one, else a new random
/// key written to `auth.secret_key_file` (mode 0600). Answers whether a key was generated.
pub fn resolve(settings: &Settings) -> Result<(Settings, bool), SecretError> {
    let mut settings = settings.clone();
    if !settings.auth.secret_key.expose().trim().is_empty() {
        return Ok((settings, false));
    }
    let path = settings.auth.secret_key_file.clone();
    let (key, generated) = load_or_generate(&path)?;
    settings.auth.secret_key = tessera_domain::Secret::new(key.as_str());
    Ok((settings, generated))
}

/// Refuses a placeholder key on an address other machines can reach.
pub fn check_exposure(settings: &Settings, bind: &str) -> Result<(), SecretError> {
    if settings.uses_placeholder_secret() && !crate::settings::is_loopback(bind) {
        return Err(SecretError::PlaceholderExposed(bind.to_owned()));
    }
    Ok(())
}

fn load_or_generate(path: &Path) -> Result<(String, bool), SecretError> {
    let file_error = |source| SecretError::File {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let key = text.trim().to_owned();
            if key.len() < 32 {
                return Err(SecretError::TooShort(path.display().to_string()));
            }
            return Ok((key, false));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(file_error(e)),
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(file_error)?;
    }
    let mut bytes = [0u8; 48];
    rand::thread_rng().fill_bytes(&mut bytes);
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut f) => {
            f.write_all(key.as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(file_error)?;
            Ok((key, true))
        }
        // another process created it first: use theirs
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            load_or_generate(path).map(|(k, _)| (k, false))
        }
        Err(e) => Err(file_error(e)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn settings(dir: &Path, secret: &str) -> Settings {
        let mut env = std::collections::HashMap::new();
        env.insert(
            "TESSERA_AUTH__SECRET_KEY_FILE".to_owned(),
            dir.join("keys/secret.key").display().to_string(),
        );
        if !secret.is_empty() {
            env.insert("SECRET_KEY".to_owned(), secret.to_owned());
        }
        Settings::load_from(None, env).unwrap()
    }

    #[test]
    fn a_missing_key_is_generated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (first, generated) = resolve(&settings(dir.path(), "")).unwrap();
        assert!(generated);
        let key = first.auth.secret_key.expose().to_owned();
        assert!(key.len() >= 64, "{key}");
        let (second, generated) = resolve(&settings(dir.path(), "")).unwrap();
        assert!(!generated);
        assert_eq!(second.auth.secret_key.expose(), key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("keys/secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // another installation gets another key
        let other = tempfile::tempdir().unwrap();
        let (third, _) = resolve(&settings(other.path(), "")).unwrap();
        assert_ne!(third.auth.secret_key.expose(), key);
    }

    #[test]
    fn a_configured_key_wins_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (s, generated) =
            resolve(&settings(dir.path(), "configured-secret-0123456789abcdef")).unwrap();
        assert!(!generated);
        assert_eq!(
            s.auth.secret_key.expose(),
            "configured-secret-0123456789abcdef"
        );
        assert!(!dir.path().join("keys/secret.key").exists());
    }

    #[test]
    fn the_placeholder_is_refused_off_loopback() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings(dir.path(), crate::settings::PLACEHOLDER_SECRET);
        for bind in [
            "127.0.0.1:8080",
            "localhost:1",
            "[::1]:8080",
            "127.0.0.2:80",
        ] {
            assert!(check_exposure(&s, bind).is_ok(), "{bind}");
        }
        for bind in [
            "0.0.0.0:8080",
            "10.0.0.5:8080",
            "[::]:8080",
            "example.org:80",
        ] {
            assert!(check_exposure(&s, bind).is_err(), "{bind}");
        }
        let fine = settings(dir.path(), "a-real-random-secret-0123456789abcdef");
        assert!(check_exposure(&fine, "0.0.0.0:8080").is_ok());
    }

    #[test]
    fn a_truncated_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("keys")).unwrap();
        std::fs::write(dir.path().join("keys/secret.key"), "short").unwrap();
        assert!(matches!(
            resolve(&settings(dir.path(), "")),
            Err(SecretError::TooShort(_))
        ));
    }
}
