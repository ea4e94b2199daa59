//! Extracts in the app database, the same on SQLite, PostgreSQL and MySQL: the claim that lets
//! one process refresh an extract, the swap that names the copy it replaces, the schedule's
//! exactly-once advance, the quota's usage, and a source's deletion taking its extracts along.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{Duration, NaiveDateTime};
use tessera_domain::extract::{
    ExtractColumn, ExtractState, ExtractTarget, RefreshMode, RefreshStatus,
};
use tessera_domain::{OrgName, PageRequest};
use tessera_store::extracts::{self, ExtractDraft, RefreshOutcome};
use tessera_store::{data_sources, migrations, organizations, StoreError};

fn at(minutes: i64) -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        + Duration::minutes(minutes)
}

fn connection() -> data_sources::Connection {
    data_sources::Connection {
        kind: tessera_domain::SourceKind::Sqlite,
        host: None,
        port: None,
        database: Some("shop.db".into()),
        username: None,
        sealed_url: "sealed".into(),
    }
}

fn state(version: i64, bytes: i64) -> ExtractState {
    ExtractState {
        version,
        refreshed_at: Some(at(version)),
        rows: 10 * version,
        bytes,
        high_water: Some("41".into()),
        columns: vec![ExtractColumn::new(
            "id",
            tessera_domain::chart::ColumnType::Integer,
        )],
    }
}

on_every_backend!(
    one_refresher_at_a_time_and_swaps_name_the_copy_they_replace,
    |db| {
        let mut conn = db.pool.get().unwrap();
        migrations::run_pending(&mut conn).unwrap();
        let org = organizations::insert(&mut conn, &OrgName::parse("A").unwrap()).unwrap();
        let other = organizations::insert(&mut conn, &OrgName::parse("B").unwrap()).unwrap();
        let source = data_sources::insert(&mut conn, org.id, "shop", &connection(), None).unwrap();
        let draft = ExtractDraft {
            source_id: source.source.id,
            name: "orders".into(),
            target: ExtractTarget::Table("orders".into()),
            definition: "{}".into(),
            next_refresh_at: Some(at(60)),
        };
        let x = extracts::insert(&mut conn, org.id, &draft, at(0)).unwrap();
        assert!(matches!(
            extracts::insert(&mut conn, org.id, &draft, at(0)),
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            extracts::find(&mut conn, other.id, x.id),
            Err(StoreError::NotFound)
        ));

        // one claim at a time; another owner gets it once the first one's runs out
        assert!(extracts::claim(&mut conn, x.id, "a", at(10), at(0)).unwrap());
        assert!(!extracts::claim(&mut conn, x.id, "b", at(10), at(5)).unwrap());
        assert!(!extracts::swap_in(&mut conn, x.id, "b", 0, &state(1, 100)).unwrap());
        assert!(extracts::swap_in(&mut conn, x.id, "a", 0, &state(1, 100)).unwrap());
        // a swap naming a copy that is no longer serving changes nothing
        assert!(!extracts::swap_in(&mut conn, x.id, "a", 0, &state(2, 200)).unwrap());
        assert!(extracts::claim(&mut conn, x.id, "b", at(30), at(11)).unwrap());
        extracts::release(&mut conn, x.id, "a").unwrap();
        assert!(
            !extracts::claim(&mut conn, x.id, "c", at(30), at(12)).unwrap(),
            "a stale release frees nothing"
        );
        extracts::release(&mut conn, x.id, "b").unwrap();
        assert!(extracts::claim(&mut conn, x.id, "c", at(30), at(12)).unwrap());

        let found = extracts::find(&mut conn, org.id, x.id).unwrap();
        assert_eq!(found.state, state(1, 100));
        assert_eq!(extracts::usage(&mut conn, org.id).unwrap(), (1, 100));
        assert_eq!(extracts::usage(&mut conn, other.id).unwrap(), (0, 0));
        assert_eq!(
            extracts::serving(&mut conn, org.id, source.source.id)
                .unwrap()
                .iter()
                .filter(|x| x.target == ExtractTarget::Table("orders".into()))
                .count(),
            1
        );

        // the schedule: due once, advanced by exactly one caller
        assert!(extracts::due(&mut conn, at(59), 10).unwrap().is_empty());
        let due = extracts::due(&mut conn, at(61), 10).unwrap();
        assert_eq!(due, vec![(x.id, org.id, at(60))]);
        assert!(extracts::advance(&mut conn, x.id, at(60), Some(at(120))).unwrap());
        assert!(!extracts::advance(&mut conn, x.id, at(60), Some(at(120))).unwrap());

        // refresh records, newest first, within the organisation
        let r = extracts::start_refresh(&mut conn, &found, None, RefreshMode::Full, at(1)).unwrap();
        extracts::finish_refresh(
            &mut conn,
            r,
            &RefreshOutcome {
                status: RefreshStatus::Failed,
                finished_at: at(2),
                rows_read: 3,
                rows: 0,
                bytes: 0,
                duration_ms: 60_000,
                high_water: None,
                error: Some("the source went away".into()),
            },
        )
        .unwrap();
        let records = extracts::refreshes(&mut conn, org.id, x.id, 10).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].status, RefreshStatus::Failed);
        assert_eq!(records[0].error.as_deref(), Some("the source went away"));
        assert!(extracts::refreshes(&mut conn, other.id, x.id, 10)
            .unwrap()
            .is_empty());

        // a reshaping update forgets the serving copy
        let reset = extracts::update(&mut conn, org.id, x.id, &draft, true).unwrap();
        assert_eq!(
            reset.state,
            ExtractState {
                version: 2,
                ..ExtractState::default()
            },
            "the version moves on"
        );
        assert!(
            !extracts::swap_in(&mut conn, x.id, "c", 1, &state(2, 100)).unwrap(),
            "a refresh begun before the change swaps nothing in"
        );
        assert!(extracts::serving(&mut conn, org.id, source.source.id)
            .unwrap()
            .is_empty());
        assert!(matches!(
            extracts::update(&mut conn, other.id, x.id, &draft, false),
            Err(StoreError::NotFound)
        ));

        // an update may move the extract to another of the organisation's sources
        let second =
            data_sources::insert(&mut conn, org.id, "warehouse", &connection(), None).unwrap();
        let moved = ExtractDraft {
            source_id: second.source.id,
            ..draft.clone()
        };
        assert_eq!(
            extracts::update(&mut conn, org.id, x.id, &moved, true)
                .unwrap()
                .source_id,
            second.source.id
        );
        assert_eq!(
            extracts::update(&mut conn, org.id, x.id, &draft, true)
                .unwrap()
                .source_id,
            source.source.id
        );

        // the source's deletion takes its extracts and their records along
        assert_eq!(
            data_sources::delete(&mut conn, org.id, source.source.id).unwrap(),
            vec![x.id]
        );
        assert!(extracts::find_any(&mut conn, x.id).unwrap().is_none());
        assert_eq!(
            extracts::page(&mut conn, org.id, None, PageRequest::default())
                .unwrap()
                .total,
            0
        );
    }
);
