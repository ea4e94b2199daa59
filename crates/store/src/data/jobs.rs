//! The `jobs` table: background work claimed through leases. A worker claims a queued job (or
//! one whose lease ran out: its worker died), fairly between organisations, with a conditional
//! UPDATE, so a job runs once however many processes poll; progress updates renew the lease.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use tessera_domain::{Job, JobId, JobKind, JobStatus, OrgId};

use crate::schema::jobs;
use crate::{DbConn, StoreError};

/// Wakes this process's idle workers when a job is queued (other processes find it by polling).
#[derive(Debug, Default)]
pub struct JobSignal {
    queued: std::sync::Mutex<u64>,
    wake: std::sync::Condvar,
}

impl JobSignal {
    /// Tells the workers there is work.
    pub fn notify(&self) {
        if let Ok(mut n) = self.queued.lock() {
            *n = n.wrapping_add(1);
        }
        self.wake.notify_all();
    }

    /// Waits for a notification or the timeout.
    pub fn wait(&self, timeout: std::time::Duration) {
        if let Ok(guard) = self.queued.lock() {
            let seen = *guard;
            let _ = self.wake.wait_timeout_while(guard, timeout, |n| *n == seen);
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = jobs)]
struct JobRow {
    id: String,
    org_id: String,
    kind: String,
    subject_id: String,
    status: String,
    progress: i32,
    error: Option<String>,
    attempts: i32,
    lease_owner: Option<String>,
    lease_expires_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    started_at: Option<NaiveDateTime>,
    finished_at: Option<NaiveDateTime>,
}

impl JobRow {
    fn into_domain(self) -> Result<Job, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("job {}: {what}", self.id));
        Ok(Job {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            kind: self.kind.parse().map_err(|_| corrupt("kind"))?,
            subject_id: self.subject_id,
            status: self.status.parse().map_err(|_| corrupt("status"))?,
            progress: self.progress,
            error: self.error,
            attempts: self.attempts,
            lease_owner: self.lease_owner,
            lease_expires_at: self.lease_expires_at,
            created_at: self.created_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
        })
    }
}

/// Queues a job.
pub fn enqueue(
    conn: &mut DbConn,
    org: OrgId,
    kind: JobKind,
    subject: &str,
) -> Result<Job, StoreError> {
    let id = JobId::new();
    let now = crate::now();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(id.to_string()),
            jobs::org_id.eq(org.to_string()),
            jobs::kind.eq(kind.as_str()),
            jobs::subject_id.eq(subject),
            jobs::status.eq(JobStatus::Queued.as_str()),
            jobs::progress.eq(0),
            jobs::attempts.eq(0),
            jobs::created_at.eq(now),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    find(conn, id)
}

/// A job by id.
pub fn find(conn: &mut DbConn, id: JobId) -> Result<Job, StoreError> {
    jobs::table
        .filter(jobs::id.eq(id.to_string()))
        .select(JobRow::as_select())
        .first(conn)?
        .into_domain()
}

/// The newest job working on a subject.
pub fn latest_for(conn: &mut DbConn, subject: &str) -> Result<Option<Job>, StoreError> {
    jobs::table
        .filter(jobs::subject_id.eq(subject))
        .order(jobs::created_at.desc())
        .select(JobRow::as_select())
        .first(conn)
        .optional()?
        .map(JobRow::into_domain)
        .transpose()
}

/// The newest job of each subject that has one (one query for a page of subjects).
pub fn latest_for_each(
    conn: &mut DbConn,
    subjects: &[String],
) -> Result<std::collections::HashMap<String, Job>, StoreError> {
    if subjects.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<JobRow> = jobs::table
        .filter(jobs::subject_id.eq_any(subjects))
        .order(jobs::created_at.asc())
        .select(JobRow::as_select())
        .load(conn)?;
    // ascending: a later job of the same subject replaces an earlier one
    rows.into_iter()
        .map(|r| r.into_domain().map(|j| (j.subject_id.clone(), j)))
        .collect()
}

/// Whether any of the subjects has a queued or running job.
pub fn any_active(conn: &mut DbConn, subjects: &[String]) -> Result<bool, StoreError> {
    if subjects.is_empty() {
        return Ok(false);
    }
    let n: i64 = jobs::table
        .filter(jobs::subject_id.eq_any(subjects))
        .filter(jobs::status.eq_any([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Claims a job for `owner` for `lease`, fairly between organisations: among organisations with a
/// claimable job (queued, or running with an expired lease: its worker died) and fewer than
/// `max_running_per_org` live jobs, the one with the fewest live jobs goes first, then the one
/// whose oldest waiting job is oldest; within it, its oldest job. So one organisation's queue
/// never holds up another's, however long. Only jobs of `kinds` (the ones the caller has
/// handlers for) are seen. Answers `None` when there is nothing to do.
pub fn claim(
    conn: &mut DbConn,
    owner: &str,
    lease: Duration,
    max_running_per_org: i64,
    kinds: &[JobKind],
) -> Result<Option<Job>, StoreError> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    for _ in 0..5 {
        let now = crate::now();
        let Some(org) = fairest_org(conn, &kinds, now, max_running_per_org)? else {
            return Ok(None);
        };
        let claimable = jobs::status.eq(JobStatus::Queued.as_str()).or(jobs::status
            .eq(JobStatus::Running.as_str())
            .and(jobs::lease_expires_at.lt(now)));
        let candidate: Option<(String, i32)> = jobs::table
            .filter(jobs::org_id.eq(&org))
            .filter(jobs::kind.eq_any(&kinds))
            .filter(claimable)
            .order(jobs::created_at.asc())
            .select((jobs::id, jobs::attempts))
            .first(conn)
            .optional()?;
        let Some((id, attempts)) = candidate else {
            continue;
        };
        // the same predicate again: only one claimer's UPDATE matches
        let claimed = diesel::update(
            jobs::table
                .filter(jobs::id.eq(&id))
                .filter(jobs::attempts.eq(attempts))
                .filter(claimable),
        )
        .set((
            jobs::status.eq(JobStatus::Running.as_str()),
            jobs::lease_owner.eq(Some(owner)),
            jobs::lease_expires_at.eq(Some(now + lease)),
            jobs::attempts.eq(attempts + 1),
            jobs::started_at.eq(Some(now)),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
        if claimed == 1 {
            return find(
                conn,
                id.parse()
                    .map_err(|_| StoreError::Corrupt(format!("job {id}: id")))?,
            )
            .map(Some);
        }
    }
    Ok(None)
}

/// The organisation whose claimable job goes next: the one with the fewest live jobs (under
/// `max_running_per_org`), then the oldest waiting job; none when nothing is claimable.
fn fairest_org(
    conn: &mut DbConn,
    kinds: &[&str],
    now: NaiveDateTime,
    max_running_per_org: i64,
) -> Result<Option<String>, StoreError> {
    let active: Vec<(String, String, Option<NaiveDateTime>, NaiveDateTime)> = jobs::table
        .filter(jobs::status.eq_any([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]))
        .filter(jobs::kind.eq_any(kinds))
        .select((
            jobs::org_id,
            jobs::status,
            jobs::lease_expires_at,
            jobs::created_at,
        ))
        .load(conn)?;
    let mut orgs: std::collections::HashMap<&str, (i64, Option<NaiveDateTime>)> =
        std::collections::HashMap::new();
    for (org, status, lease_end, created) in &active {
        let entry = orgs.entry(org.as_str()).or_insert((0, None));
        let live = status == JobStatus::Running.as_str() && lease_end.is_some_and(|t| t >= now);
        if live {
            entry.0 += 1;
        } else {
            entry.1 = Some(entry.1.map_or(*created, |t: NaiveDateTime| t.min(*created)));
        }
    }
    Ok(orgs
        .into_iter()
        .filter_map(|(org, (live, oldest))| {
            oldest
                .filter(|_| live < max_running_per_org.max(1))
                .map(|o| (live, o, org))
        })
        .min()
        .map(|(_, _, org)| org.to_owned()))
}

/// The organisation's queued and running jobs of a kind.
pub fn active_count(conn: &mut DbConn, org: OrgId, kind: JobKind) -> Result<i64, StoreError> {
    Ok(jobs::table
        .filter(jobs::org_id.eq(org.to_string()))
        .filter(jobs::kind.eq(kind.as_str()))
        .filter(jobs::status.eq_any([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]))
        .count()
        .get_result(conn)?)
}

/// Records progress and renews the lease; `false` when the lease was lost to another worker.
pub fn heartbeat(
    conn: &mut DbConn,
    id: JobId,
    owner: &str,
    progress: i32,
    lease: Duration,
) -> Result<bool, StoreError> {
    let now = crate::now();
    let n = diesel::update(
        jobs::table
            .filter(jobs::id.eq(id.to_string()))
            .filter(jobs::lease_owner.eq(owner))
            .filter(jobs::status.eq(JobStatus::Running.as_str())),
    )
    .set((
        jobs::progress.eq(progress),
        jobs::lease_expires_at.eq(Some(now + lease)),
        jobs::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Ends a job the owner still holds; `false` when the lease was lost.
pub fn finish(
    conn: &mut DbConn,
    id: JobId,
    owner: &str,
    status: JobStatus,
    error: Option<&str>,
) -> Result<bool, StoreError> {
    let now = crate::now();
    let progress = if status == JobStatus::Succeeded {
        100
    } else {
        0
    };
    let q = jobs::table
        .filter(jobs::id.eq(id.to_string()))
        .filter(jobs::lease_owner.eq(owner))
        .filter(jobs::status.eq(JobStatus::Running.as_str()));
    let n = if status == JobStatus::Succeeded {
        diesel::update(q)
            .set((
                jobs::status.eq(status.as_str()),
                jobs::progress.eq(progress),
                jobs::lease_expires_at.eq(None::<NaiveDateTime>),
                jobs::finished_at.eq(Some(now)),
                jobs::updated_at.eq(now),
            ))
            .execute(conn)?
    } else {
        diesel::update(q)
            .set((
                jobs::status.eq(status.as_str()),
                jobs::error.eq(error),
                jobs::lease_expires_at.eq(None::<NaiveDateTime>),
                jobs::finished_at.eq(Some(now)),
                jobs::updated_at.eq(now),
            ))
            .execute(conn)?
    };
    Ok(n == 1)
}

/// Fails a job without a lease check (a job that used up its attempts).
pub fn fail(conn: &mut DbConn, id: JobId, error: &str) -> Result<(), StoreError> {
    let now = crate::now();
    diesel::update(jobs::table.filter(jobs::id.eq(id.to_string())))
        .set((
            jobs::status.eq(JobStatus::Failed.as_str()),
            jobs::error.eq(Some(error)),
            jobs::lease_expires_at.eq(None::<NaiveDateTime>),
            jobs::finished_at.eq(Some(now)),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes the jobs of a subject.
pub fn delete_for(conn: &mut DbConn, subject: &str) -> Result<(), StoreError> {
    diesel::delete(jobs::table.filter(jobs::subject_id.eq(subject))).execute(conn)?;
    Ok(())
}

/// The organisation's jobs of a kind per status.
pub fn count_by_status(
    conn: &mut DbConn,
    org: OrgId,
    kind: JobKind,
) -> Result<Vec<(JobStatus, i64)>, StoreError> {
    let counted: Vec<(String, i64)> = jobs::table
        .filter(jobs::org_id.eq(org.to_string()))
        .filter(jobs::kind.eq(kind.as_str()))
        .group_by(jobs::status)
        .select((jobs::status, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(JobStatus::ALL
        .into_iter()
        .map(|s| {
            let n = counted
                .iter()
                .find(|(status, _)| status == s.as_str())
                .map_or(0, |(_, n)| *n);
            (s, n)
        })
        .collect())
}
