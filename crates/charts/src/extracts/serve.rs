//! Answering chart queries from extracts. Which of a source's extracts hold a copy is looked
//! up once and remembered (see [`crate::runtime::SourceRuntime::extract_lookup`]) until the
//! source, one of its datamarts or one of its extracts changes, in this process or another (a
//! `cache_events` notice). A query an extract answers never opens the source: the extract's
//! recorded columns stand in for its schema, so a chart is answered from the copy even while
//! the database is unreachable. Which extract answers is [`crate::extracts::lookup`]'s.

use std::sync::Arc;

use tessera_domain::chart::ChartQuery;
use tessera_domain::extract::ExtractTarget;
use tessera_domain::Viewer;

use crate::engine::{ChartEngine, Target};
use crate::error::{ChartError, ChartResult};
use crate::extracts::lookup::{Lookup, LookupKey};
use crate::extracts::spec::Definition;
use crate::extracts::timings::TableKey;
use crate::request::ChartRequest;

impl ChartEngine {
    /// The extracts of what `key` names, remembered or read now; `None` when the organisation
    /// has no such source or datamart (the database path then answers why).
    async fn lookup(&self, key: LookupKey) -> ChartResult<Option<Arc<Lookup>>> {
        let runtime = self.runtime();
        if let Some(hit) = runtime.extract_lookup(&key) {
            return Ok(Some(hit));
        }
        let epoch = runtime.epoch();
        let named = key.clone();
        let read = self
            .db(move |conn| {
                let (org, source, datamart) = match named {
                    LookupKey::Source(org, id) => (org, id, None),
                    LookupKey::Datamart(org, id) => {
                        let dm = tessera_store::datamarts::find(conn, org, id)?;
                        (org, dm.source_id, Some((dm.id, dm.name)))
                    }
                };
                let stored = tessera_store::data_sources::find(conn, org, source)?;
                let extracts = tessera_store::extracts::serving(conn, org, source)?;
                Ok((stored.source, datamart, extracts))
            })
            .await;
        let (source, datamart, extracts) = match read {
            Ok(read) => read,
            Err(ChartError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let extracts = extracts
            .into_iter()
            .filter_map(|x| Definition::from_json(&x.definition).ok().map(|d| (x, d)))
            .collect();
        let lookup = Arc::new(Lookup {
            source,
            datamart,
            extracts,
        });
        runtime.remember_lookup(key, lookup.clone(), epoch);
        Ok(Some(lookup))
    }

    /// An extract that answers the request before the source is opened at all: the request
    /// names a datamart, or a table exactly as the extract recorded it. `q` is validated (and
    /// named after the datamart) when one does; `None` leaves the request to the database path.
    pub(crate) async fn extract_first(
        &self,
        viewer: &Viewer,
        req: &ChartRequest,
        q: &mut ChartQuery,
    ) -> ChartResult<Option<Target>> {
        if self.extract_files().is_none() || req.dataset_id.is_some() {
            return Ok(None);
        }
        let key = match (&req.source_id, &req.datamart_id) {
            (Some(id), None) => match id.parse() {
                Ok(id) => LookupKey::Source(viewer.org, id),
                Err(_) => return Ok(None),
            },
            (None, Some(id)) => match id.parse() {
                Ok(id) => LookupKey::Datamart(viewer.org, id),
                Err(_) => return Ok(None),
            },
            _ => return Ok(None),
        };
        let Some(lookup) = self.lookup(key).await? else {
            return Ok(None);
        };
        if lookup.extracts.is_empty() {
            return Ok(None);
        }
        let target = match &lookup.datamart {
            Some((id, name)) => {
                q.table = name.clone();
                ExtractTarget::Datamart(*id)
            }
            None => ExtractTarget::Table(q.table.clone()),
        };
        q.validate()?;
        Ok(self.extract_target(&lookup, target, q))
    }

    /// The freshest extract of the database target `target` that answers `q` (see
    /// [`crate::extracts::lookup::answers`]), or `target` itself.
    pub(crate) async fn prefer_extract(
        &self,
        viewer: &Viewer,
        target: Target,
        q: &ChartQuery,
    ) -> ChartResult<Target> {
        let (Some(_), Target::Database(db)) = (self.extract_files(), &target) else {
            return Ok(target);
        };
        let Some(lookup) = self
            .lookup(LookupKey::Source(viewer.org, db.source.id))
            .await?
        else {
            return Ok(target);
        };
        let chosen = self.extract_target(&lookup, db.key.target.clone(), q);
        Ok(chosen.unwrap_or(target))
    }

    /// The extract target for the freshest of `lookup`'s extracts of `target` answering `q`.
    fn extract_target(
        &self,
        lookup: &Lookup,
        target: ExtractTarget,
        q: &ChartQuery,
    ) -> Option<Target> {
        let files = self.extract_files()?;
        let extract = lookup.choose(&target, q, self.now())?.clone();
        let dir = files.version_dir(extract.org_id, extract.id, extract.state.version);
        // deleted or reset in another process whose notice has not arrived yet: the database
        // answers meanwhile
        if !dir.is_dir() {
            return None;
        }
        Some(Target::Extract {
            dir,
            source: lookup.source.clone(),
            key: TableKey {
                source: lookup.source.id,
                target,
            },
            extract: Box::new(extract),
        })
    }
}
