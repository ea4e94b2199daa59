//! First start: the demo organisation and its admin, with a password that is never a fixed default.

use base64::Engine;
use rand::RngCore;
use tessera_domain::{Email, FullName, OrgName, Role};
use tessera_store::{organizations, users, DbConn, StoreError};

use crate::settings::BootstrapSettings;

/// What the first start created.
#[derive(Debug)]
pub struct CreatedAdmin {
    /// The admin's email.
    pub email: String,
    /// The password, when it was generated (to print once); `None` when it came from the environment.
    pub generated_password: Option<String>,
}

/// Why bootstrap failed.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// A configured value is invalid.
    #[error("bootstrap: {0}")]
    Invalid(String),
    /// The database refused.
    #[error("bootstrap: {0}")]
    Store(#[from] StoreError),
    /// Hashing failed.
    #[error("bootstrap: bcrypt: {0}")]
    Hash(#[from] bcrypt::BcryptError),
}

/// Creates the demo organisation and admin when the database has no organisation yet.
pub fn ensure_demo_admin(
    conn: &mut DbConn,
    settings: &BootstrapSettings,
    admin_password: Option<&str>,
    bcrypt_cost: u32,
) -> Result<Option<CreatedAdmin>, BootstrapError> {
    if !settings.demo || organizations::count(conn)? > 0 {
        return Ok(None);
    }
    let email =
        Email::parse(&settings.admin_email).map_err(|e| BootstrapError::Invalid(e.to_string()))?;
    let org_name = OrgName::parse(&settings.organization_name)
        .map_err(|e| BootstrapError::Invalid(e.to_string()))?;
    let full_name =
        FullName::parse("Administrator").map_err(|e| BootstrapError::Invalid(e.to_string()))?;
    let (password, generated) = match admin_password {
        Some(p) => (p.to_owned(), false),
        None => (random_password(), true),
    };
    let hash = bcrypt::hash(&password, bcrypt_cost)?;
    tessera_store::atomically(conn, |conn| {
        let org = organizations::insert(conn, &org_name)?;
        users::insert(
            conn,
            &users::NewUser {
                org_id: org.id,
                email: &email,
                full_name: &full_name,
                password_hash: &hash,
                role: Role::Admin,
            },
        )?;
        Ok(())
    })?;
    Ok(Some(CreatedAdmin {
        email: email.as_str().to_owned(),
        generated_password: generated.then_some(password),
    }))
}

/// 18 random bytes as URL-safe base64: 24 characters, 144 bits.
fn random_password() -> String {
    let mut bytes = [0u8; 18];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Registers `ANALYTICS_DATABASE_URL` and `WAREHOUSE_DATABASE_URL` as the data sources
/// `analytics` and `warehouse` of the bootstrap organisation (updated when they exist).
/// These come from the operator, so SQLite files anywhere are allowed, but never the app database.
pub fn register_env_sources(
    conn: &mut DbConn,
    settings: &crate::Settings,
    app_database: Option<&std::path::Path>,
) -> Result<(), BootstrapError> {
    let wanted: Vec<(&str, &str)> = [
        (
            "analytics",
            settings.bootstrap.analytics_database_url.as_deref(),
        ),
        (
            "warehouse",
            settings.bootstrap.warehouse_database_url.as_deref(),
        ),
    ]
    .into_iter()
    .filter_map(|(name, url)| url.filter(|u| !u.trim().is_empty()).map(|u| (name, u)))
    .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let Some(org) = organizations::find_by_name(conn, &settings.bootstrap.organization_name)?
        .or(organizations::oldest(conn)?)
    else {
        return Err(BootstrapError::Invalid(
            "no organisation to register ANALYTICS/WAREHOUSE_DATABASE_URL in".into(),
        ));
    };
    let cipher = tessera_sources::CredentialCipher::new(settings.auth.secret_key.expose())
        .map_err(|e| BootstrapError::Invalid(e.to_string()))?;
    for (name, url) in wanted {
        let kind: tessera_domain::SourceKind =
            url.split(':').next().unwrap_or_default().parse().map_err(
                |e: tessera_domain::DomainError| BootstrapError::Invalid(format!("{name}: {e}")),
            )?;
        let file_dir = tessera_store::db::sqlite_path(url);
        let policy = tessera_sources::SpecPolicy {
            sqlite_dir: std::path::Path::new(file_dir)
                .parent()
                .map(|p| p.to_path_buf())
                .unwrap_or_default(),
            app_database: app_database.map(|p| p.to_path_buf()),
            allowed_hosts: vec![],
            max_connect_timeout_secs: settings.sources.connect_timeout_secs.max(1),
        };
        let spec = tessera_sources::ConnectionSpec::parse(
            kind,
            Some(url),
            &tessera_sources::SpecFields::default(),
            &policy,
        )
        .map_err(|e| BootstrapError::Invalid(format!("{name}: {e}")))?;
        let connection = tessera_store::data_sources::Connection {
            kind,
            host: spec.host.clone(),
            port: spec.port,
            database: spec.database.clone(),
            username: spec.username.clone(),
            sealed_url: cipher
                .encrypt(&spec.url)
                .map_err(|e| BootstrapError::Invalid(e.to_string()))?,
        };
        match tessera_store::data_sources::find_by_name(conn, org.id, name)? {
            Some(existing) => {
                tessera_store::data_sources::update(
                    conn,
                    org.id,
                    existing.source.id,
                    None,
                    Some(&connection),
                )?;
            }
            None => {
                tessera_store::data_sources::insert(conn, org.id, name, &connection, None)?;
            }
        }
        tracing::info!(source = name, url = %spec.redacted(), "registered data source from the environment");
    }
    Ok(())
}

/// The demo data source's file.
pub fn demo_file(settings: &crate::Settings) -> std::path::PathBuf {
    settings.sources.sqlite_dir.join("demo.db")
}

/// Gives the demo organisation its `demo` source: generates the file when missing and registers it.
/// Does nothing when demo bootstrap is off, the organisation is gone, or the source exists.
pub fn ensure_demo_source(
    conn: &mut DbConn,
    settings: &crate::Settings,
    rows: Option<u64>,
) -> Result<Option<tessera_sources::demo::DemoSummary>, BootstrapError> {
    if !settings.bootstrap.demo {
        return Ok(None);
    }
    let Some(org) = organizations::find_by_name(conn, &settings.bootstrap.organization_name)?
    else {
        return Ok(None);
    };
    let file = demo_file(settings);
    let mut summary = None;
    if rows.is_some() || !file.exists() {
        let size = tessera_sources::demo::DemoSize {
            transactions: rows.unwrap_or(settings.bootstrap.demo_rows),
            days: 400,
        };
        summary = Some(
            tessera_sources::demo::generate(&file, size, tessera_store::now())
                .map_err(|e| BootstrapError::Invalid(e.to_string()))?,
        );
    }
    if tessera_store::data_sources::find_by_name(conn, org.id, "demo")?.is_none() {
        let cipher = tessera_sources::CredentialCipher::new(settings.auth.secret_key.expose())
            .map_err(|e| BootstrapError::Invalid(e.to_string()))?;
        let path = file.canonicalize().unwrap_or(file.clone());
        let url = format!("sqlite://{}", path.display());
        let connection = tessera_store::data_sources::Connection {
            kind: tessera_domain::SourceKind::Sqlite,
            host: None,
            port: None,
            database: Some(path.display().to_string()),
            username: None,
            sealed_url: cipher
                .encrypt(&url)
                .map_err(|e| BootstrapError::Invalid(e.to_string()))?,
        };
        tessera_store::data_sources::insert(conn, org.id, "demo", &connection, None)?;
    }
    Ok(summary)
}

/// Gives the demo organisation its demo shop (commerce area) when it has no customers yet, or
/// regenerates it with `customers` customers when given. Does nothing when demo bootstrap is
/// off or its organisation is gone.
pub fn ensure_demo_commerce(
    conn: &mut DbConn,
    settings: &crate::Settings,
    customers: Option<usize>,
    now: chrono::NaiveDateTime,
) -> Result<Option<tessera_api::commerce::service::demo::DemoCounts>, BootstrapError> {
    if !settings.bootstrap.demo {
        return Ok(None);
    }
    let Some(org) = organizations::find_by_name(conn, &settings.bootstrap.organization_name)?
    else {
        return Ok(None);
    };
    let wanted = customers.unwrap_or(settings.bootstrap.demo_customers);
    let existing = tessera_store::commerce::customers::counts(conn, org.id, 1.0)?.total;
    if wanted == 0 || (customers.is_none() && existing > 0) {
        return Ok(None);
    }
    let counts = tessera_api::commerce::service::demo::generate(
        conn,
        org.id,
        wanted,
        now,
        &settings.commerce.fraud,
        rand::random(),
    )?;
    Ok(Some(counts))
}

/// The demo retail chain of the demo organisation: generated on first start (when it has no
/// store yet) with `bootstrap.demo_stores` stores, or regenerated with `stores` (`tessera
/// demo-data --stores N`); `None` when the demo is off, its organisation is gone, or there is
/// nothing to do.
pub fn ensure_demo_retail(
    conn: &mut DbConn,
    settings: &crate::Settings,
    stores: Option<usize>,
    now: chrono::NaiveDateTime,
) -> Result<Option<tessera_api::retail::service::demo::DemoRetailCounts>, BootstrapError> {
    if !settings.bootstrap.demo {
        return Ok(None);
    }
    let Some(org) = organizations::find_by_name(conn, &settings.bootstrap.organization_name)?
    else {
        return Ok(None);
    };
    let wanted = stores.unwrap_or(settings.bootstrap.demo_stores);
    let existing = tessera_store::retail::store_count(conn, org.id)?;
    if wanted == 0 || (stores.is_none() && existing > 0) {
        return Ok(None);
    }
    let counts =
        tessera_api::retail::service::demo::generate(conn, org.id, wanted, now, rand::random())?;
    Ok(Some(counts))
}

/// `tessera admin recalculate-totals`: every organisation's customer ledgers recomputed from
/// their transactions, `batch` customers read at a time; what changed per organisation.
pub fn recalculate_totals(
    conn: &mut DbConn,
    settings: &crate::Settings,
    batch: i64,
) -> Result<
    Vec<(
        String,
        tessera_api::commerce::service::ledgers::Recalculated,
    )>,
    BootstrapError,
> {
    let mut out = Vec::new();
    for org in organizations::all(conn)? {
        let done = tessera_api::commerce::service::ledgers::recalculate(
            conn,
            org.id,
            &settings.commerce.fraud,
            batch,
        )?;
        out.push((org.name, done));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_differ_and_are_long() {
        let (a, b) = (random_password(), random_password());
        assert_ne!(a, b);
        assert_eq!(a.len(), 24);
    }
}
