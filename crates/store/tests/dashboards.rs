//! Dashboards and folders in the app database, the same on SQLite, PostgreSQL and MySQL: an
//! organisation keeps at most the dashboards and folders it may, and another's count is its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use tessera_domain::dashboards::DashboardDraft;
use tessera_domain::OrgName;
use tessera_store::dashboards::{boards, folders};
use tessera_store::{migrations, organizations};

fn at() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

fn draft(title: &str) -> DashboardDraft {
    DashboardDraft {
        folder_id: None,
        title: title.into(),
        description: String::new(),
        theme: None,
        layout_json: "[]".into(),
        charts_json: "[]".into(),
    }
}

on_every_backend!(
    an_organisation_keeps_at_most_its_dashboards_and_folders,
    |db| {
        let mut conn = db.pool.get().unwrap();
        migrations::run_pending(&mut conn).unwrap();
        let org = organizations::insert(&mut conn, &OrgName::parse("A").unwrap()).unwrap();
        let other = organizations::insert(&mut conn, &OrgName::parse("B").unwrap()).unwrap();

        let mut boards_kept = Vec::new();
        for n in 0..2 {
            let d = boards::create(&mut conn, org.id, &draft(&format!("d{n}")), None, at(), 2)
                .unwrap()
                .unwrap();
            boards_kept.push(d.id);
        }
        assert_eq!(
            boards::create(&mut conn, org.id, &draft("one too many"), None, at(), 2).unwrap(),
            Err(boards::BoardRefusal::TooMany { max: 2 })
        );
        assert!(
            boards::create(&mut conn, other.id, &draft("theirs"), None, at(), 2)
                .unwrap()
                .is_ok(),
            "another organisation's count is its own"
        );
        assert!(boards::delete(&mut conn, org.id, boards_kept[0]).unwrap());
        assert!(
            boards::create(&mut conn, org.id, &draft("again"), None, at(), 2)
                .unwrap()
                .is_ok(),
            "a deleted dashboard makes room"
        );

        let parent = folders::create(&mut conn, org.id, "f0", None, at(), 2)
            .unwrap()
            .unwrap();
        let child = folders::create(&mut conn, org.id, "f1", Some(parent.id), at(), 2)
            .unwrap()
            .unwrap();
        assert_eq!(
            folders::create(&mut conn, org.id, "f2", None, at(), 2).unwrap(),
            Err(folders::FolderRefusal::TooMany { max: 2 })
        );
        assert!(
            folders::create(&mut conn, other.id, "theirs", None, at(), 2)
                .unwrap()
                .is_ok()
        );
        assert_eq!(folders::list(&mut conn, org.id).unwrap().len(), 2);
        folders::delete(&mut conn, org.id, child.id, false, at())
            .unwrap()
            .unwrap();
        assert!(folders::create(&mut conn, org.id, "f2", None, at(), 2)
            .unwrap()
            .is_ok());
    }
);
