//! Repository behaviour, the same on SQLite, PostgreSQL and MySQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::Duration;
use tessera_domain::{Email, FullName, OrgName, PageRequest, Role};
use tessera_store::refresh_tokens::{self, Rotation};
use tessera_store::{migrations, organizations, users, StoreError};

fn migrated(db: &support::TestDb) -> tessera_store::PooledConn {
    let mut conn = db.pool.get().unwrap();
    migrations::run_pending(&mut conn).unwrap();
    conn
}

fn add_user(
    conn: &mut tessera_store::DbConn,
    org: tessera_domain::OrgId,
    email: &str,
    role: Role,
) -> tessera_domain::User {
    users::insert(
        conn,
        &users::NewUser {
            org_id: org,
            email: &Email::parse(email).unwrap(),
            full_name: &FullName::parse("Some One").unwrap(),
            password_hash: "$2b$04$notarealhashnotarealhashnotarealhashnotarealhashnotar",
            role,
        },
    )
    .unwrap()
}

on_every_backend!(migrations_round_trip_up_down_up, |db| {
    let mut conn = db.pool.get().unwrap();
    assert!(!migrations::run_pending(&mut conn).unwrap().is_empty());
    assert!(migrations::pending(&mut conn).unwrap().is_empty());
    assert!(!migrations::revert_all(&mut conn).unwrap().is_empty());
    assert!(!migrations::pending(&mut conn).unwrap().is_empty());
    migrations::run_pending(&mut conn).unwrap();
    assert!(migrations::pending(&mut conn).unwrap().is_empty());
});

on_every_backend!(users_are_scoped_to_their_organisation, |db| {
    let mut conn = migrated(db);
    let a = organizations::insert(&mut conn, &OrgName::parse("Org A").unwrap()).unwrap();
    let b = organizations::insert(&mut conn, &OrgName::parse("Org B").unwrap()).unwrap();
    let ua = add_user(&mut conn, a.id, "ann@a.example", Role::Admin);
    let ub = add_user(&mut conn, b.id, "bob@b.example", Role::Viewer);

    assert_eq!(
        users::find(&mut conn, a.id, ua.id).unwrap().email,
        "ann@a.example"
    );
    assert!(matches!(
        users::find(&mut conn, a.id, ub.id),
        Err(StoreError::NotFound)
    ));
    let listed = users::list(&mut conn, a.id, None, PageRequest::default()).unwrap();
    assert_eq!(listed.total, 1);
    assert_eq!(listed.items[0].id, ua.id);
    assert!(matches!(
        users::update_profile(&mut conn, a.id, ub.id, users::ProfileChanges::default()),
        Err(StoreError::NotFound)
    ));
});

on_every_backend!(users_list_filters_by_role_and_pages, |db| {
    let mut conn = migrated(db);
    let org = organizations::insert(&mut conn, &OrgName::parse("Paging").unwrap()).unwrap();
    for i in 0..5 {
        add_user(&mut conn, org.id, &format!("e{i}@p.example"), Role::Editor);
    }
    add_user(&mut conn, org.id, "v@p.example", Role::Viewer);
    let editors = users::list(
        &mut conn,
        org.id,
        Some(Role::Editor),
        PageRequest::new(Some(2), Some(2)).unwrap(),
    )
    .unwrap();
    assert_eq!(
        (
            editors.total,
            editors.items.len(),
            editors.page,
            editors.limit
        ),
        (5, 2, 2, 2)
    );
    assert!(editors.items.iter().all(|u| u.role == Role::Editor));
    let last = users::list(
        &mut conn,
        org.id,
        Some(Role::Editor),
        PageRequest::new(Some(3), Some(2)).unwrap(),
    )
    .unwrap();
    assert_eq!(last.items.len(), 1);
    let viewers = users::list(
        &mut conn,
        org.id,
        Some(Role::Viewer),
        PageRequest::default(),
    )
    .unwrap();
    assert_eq!(viewers.total, 1);
});

on_every_backend!(duplicate_email_is_a_conflict, |db| {
    let mut conn = migrated(db);
    let org = organizations::insert(&mut conn, &OrgName::parse("Dup").unwrap()).unwrap();
    add_user(&mut conn, org.id, "same@d.example", Role::Viewer);
    let again = users::insert(
        &mut conn,
        &users::NewUser {
            org_id: org.id,
            email: &Email::parse("same@d.example").unwrap(),
            full_name: &FullName::parse("Twin").unwrap(),
            password_hash: "x",
            role: Role::Viewer,
        },
    );
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let creds =
        users::find_credentials_by_email(&mut conn, &Email::parse("SAME@d.example").unwrap())
            .unwrap();
    assert_eq!(creds.map(|c| c.user.full_name), Some("Some One".to_owned()));
});

on_every_backend!(
    refresh_rotation_detects_reuse_and_revokes_the_family,
    |db| {
        let mut conn = migrated(db);
        let org = organizations::insert(&mut conn, &OrgName::parse("Tokens").unwrap()).unwrap();
        let u = add_user(&mut conn, org.id, "t@t.example", Role::Editor);
        let later = tessera_store::now() + Duration::days(1);
        refresh_tokens::start_family(&mut conn, u.id, org.id, "h1", later).unwrap();

        assert_eq!(
            refresh_tokens::rotate(&mut conn, "h1", "h2", later).unwrap(),
            Rotation::Rotated {
                user_id: u.id,
                org_id: org.id
            }
        );
        assert_eq!(
            refresh_tokens::rotate(&mut conn, "h1", "h3", later).unwrap(),
            Rotation::Reused
        );
        // the successor was revoked with its family
        assert_eq!(
            refresh_tokens::rotate(&mut conn, "h2", "h4", later).unwrap(),
            Rotation::Reused
        );
        assert_eq!(
            refresh_tokens::rotate(&mut conn, "nope", "h5", later).unwrap(),
            Rotation::Unknown
        );
    }
);

on_every_backend!(expired_and_logged_out_tokens_are_refused, |db| {
    let mut conn = migrated(db);
    let org = organizations::insert(&mut conn, &OrgName::parse("Exp").unwrap()).unwrap();
    let u = add_user(&mut conn, org.id, "x@x.example", Role::Viewer);
    let past = tessera_store::now() - Duration::seconds(5);
    let later = tessera_store::now() + Duration::days(1);
    refresh_tokens::start_family(&mut conn, u.id, org.id, "old", past).unwrap();
    assert_eq!(
        refresh_tokens::rotate(&mut conn, "old", "n1", later).unwrap(),
        Rotation::Expired
    );

    refresh_tokens::start_family(&mut conn, u.id, org.id, "live", later).unwrap();
    let other = add_user(&mut conn, org.id, "y@x.example", Role::Viewer);
    assert!(
        !refresh_tokens::revoke_family_of(&mut conn, other.id, "live").unwrap(),
        "only the owner can log out a token"
    );
    assert!(refresh_tokens::revoke_family_of(&mut conn, u.id, "live").unwrap());
    assert_eq!(
        refresh_tokens::rotate(&mut conn, "live", "n2", later).unwrap(),
        Rotation::Reused
    );
    assert_eq!(
        refresh_tokens::delete_expired(&mut conn, tessera_store::now()).unwrap(),
        1
    );
});

on_every_backend!(
    concurrent_refreshes_with_one_token_rotate_once_and_never_fail,
    |db| {
        let mut conn = migrated(db);
        let org = organizations::insert(&mut conn, &OrgName::parse("Race").unwrap()).unwrap();
        let u = add_user(&mut conn, org.id, "race@r.example", Role::Viewer);
        let later = tessera_store::now() + Duration::days(1);
        refresh_tokens::start_family(&mut conn, u.id, org.id, "shared", later).unwrap();
        drop(conn);
        let outcomes: Vec<Rotation> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|i| {
                    let pool = db.pool.clone();
                    s.spawn(move || {
                        let mut c = pool.get().unwrap();
                        refresh_tokens::rotate(&mut c, "shared", &format!("next-{i}"), later)
                            .unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let rotated = outcomes
            .iter()
            .filter(|o| matches!(o, Rotation::Rotated { .. }))
            .count();
        assert_eq!(rotated, 1, "{outcomes:?}");
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, Rotation::Rotated { .. } | Rotation::Reused)),
            "{outcomes:?}"
        );
    }
);

fn sqlite_connection(file: &str) -> tessera_store::data_sources::Connection {
    tessera_store::data_sources::Connection {
        kind: tessera_domain::SourceKind::Sqlite,
        host: None,
        port: None,
        database: Some(file.into()),
        username: None,
        sealed_url: "sealed".into(),
    }
}

on_every_backend!(data_sources_are_scoped_named_uniquely_and_cascade, |db| {
    use tessera_store::{data_sources, datamarts};
    let mut conn = migrated(db);
    let a = organizations::insert(&mut conn, &OrgName::parse("A").unwrap()).unwrap();
    let b = organizations::insert(&mut conn, &OrgName::parse("B").unwrap()).unwrap();
    let s =
        data_sources::insert(&mut conn, a.id, "shop", &sqlite_connection("shop.db"), None).unwrap();
    assert!(matches!(
        data_sources::insert(&mut conn, a.id, "shop", &sqlite_connection("x.db"), None),
        Err(StoreError::Conflict(_))
    ));
    // the same name in another organisation is fine, and invisible to the first
    data_sources::insert(&mut conn, b.id, "shop", &sqlite_connection("y.db"), None).unwrap();
    assert!(matches!(
        data_sources::find(&mut conn, b.id, s.source.id),
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        data_sources::list(&mut conn, a.id, PageRequest::default())
            .unwrap()
            .total,
        1
    );
    assert!(matches!(
        data_sources::delete(&mut conn, b.id, s.source.id),
        Err(StoreError::NotFound)
    ));

    let renamed = data_sources::update(
        &mut conn,
        a.id,
        s.source.id,
        Some("shop2"),
        Some(&sqlite_connection("z.db")),
    )
    .unwrap();
    assert_eq!(
        (
            renamed.source.name.as_str(),
            renamed.source.database.as_deref()
        ),
        ("shop2", Some("z.db"))
    );

    let dm = datamarts::insert(
        &mut conn,
        a.id,
        s.source.id,
        "big_orders",
        None,
        "SELECT 1",
        None,
    )
    .unwrap();
    assert!(matches!(
        datamarts::find(&mut conn, b.id, dm.id),
        Err(StoreError::NotFound)
    ));
    data_sources::delete(&mut conn, a.id, s.source.id).unwrap();
    assert!(matches!(
        datamarts::find(&mut conn, a.id, dm.id),
        Err(StoreError::NotFound)
    ));
});

on_every_backend!(
    deleting_a_dataset_keeps_other_organisations_reports_and_shares,
    |db| {
        use tessera_domain::{Dataset, DatasetId, Report, ReportId};
        use tessera_store::{datasets, reports};
        let mut conn = migrated(db);
        let owner = organizations::insert(&mut conn, &OrgName::parse("Owner").unwrap()).unwrap();
        let other = organizations::insert(&mut conn, &OrgName::parse("Other").unwrap()).unwrap();
        let now = tessera_store::now();
        let dataset = Dataset {
            id: DatasetId::new(),
            org_id: owner.id,
            owner_id: None,
            name: "open".into(),
            description: None,
            is_public: true,
            format: "csv".into(),
            file_name: "open.csv".into(),
            storage_path: "x/open.parquet".into(),
            size_bytes: 5_000_000_000,
            row_count: 1,
            column_count: 1,
            schema: vec![],
            created_at: now,
            updated_at: now,
        };
        datasets::insert(&mut conn, &dataset).unwrap();
        let report = |org| Report {
            id: ReportId::new(),
            org_id: org,
            dataset_id: Some(dataset.id),
            owner_id: None,
            title: "r".into(),
            description: None,
            is_public: true,
            options_json: "{}".into(),
            html_path: None,
            results_path: None,
            size_bytes: 0,
            created_at: now,
            updated_at: now,
        };
        let (own, theirs) = (report(owner.id), report(other.id));
        reports::insert(&mut conn, &own).unwrap();
        reports::insert(&mut conn, &theirs).unwrap();
        reports::insert_share(&mut conn, other.id, theirs.id, "hash-1", None, None).unwrap();
        // usage is summed in SQL, as a BIGINT on every backend, and per organisation
        assert_eq!(
            datasets::usage(&mut conn, owner.id).unwrap(),
            (1, 5_000_000_000)
        );
        assert_eq!(datasets::usage(&mut conn, other.id).unwrap(), (0, 0));
        assert_eq!(reports::usage(&mut conn, other.id).unwrap(), (1, 0));
        assert_eq!(
            reports::of_dataset(&mut conn, owner.id, dataset.id)
                .unwrap()
                .len(),
            1,
            "scoped to the organisation"
        );
        reports::delete(&mut conn, owner.id, own.id).unwrap();
        reports::unpublish_all_of_dataset(&mut conn, dataset.id).unwrap();
        datasets::delete(&mut conn, owner.id, dataset.id).unwrap();
        let kept = reports::find(&mut conn, other.id, theirs.id).unwrap();
        assert_eq!(kept.dataset_id, None);
        assert!(!kept.is_public);
        assert_eq!(
            reports::shares(&mut conn, other.id, theirs.id)
                .unwrap()
                .len(),
            1
        );
    }
);

on_every_backend!(jobs_are_claimed_fairly_between_organisations, |db| {
    use tessera_domain::{JobKind, JobStatus};
    use tessera_store::jobs;
    let mut conn = migrated(db);
    let a = organizations::insert(&mut conn, &OrgName::parse("Busy").unwrap()).unwrap();
    let b = organizations::insert(&mut conn, &OrgName::parse("Small").unwrap()).unwrap();
    let lease = Duration::seconds(60);
    let big: Vec<_> = (0..3)
        .map(|i| jobs::enqueue(&mut conn, a.id, JobKind::Profile, &format!("a{i}")).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let small = jobs::enqueue(&mut conn, b.id, JobKind::Profile, "b0").unwrap();
    // one running job per organisation: the busy one's first job, then the small one's, then
    // nothing until one finishes
    let first = jobs::claim(&mut conn, "w1", lease, 1, &JobKind::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(first.id, big[0].id);
    let second = jobs::claim(&mut conn, "w2", lease, 1, &JobKind::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(
        second.id, small.id,
        "the small organisation does not wait behind the queue"
    );
    assert!(jobs::claim(&mut conn, "w3", lease, 1, &JobKind::ALL)
        .unwrap()
        .is_none());
    assert!(jobs::finish(&mut conn, first.id, "w1", JobStatus::Succeeded, None).unwrap());
    let third = jobs::claim(&mut conn, "w1", lease, 1, &JobKind::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(third.id, big[1].id);
    assert_eq!(
        jobs::active_count(&mut conn, a.id, JobKind::Profile).unwrap(),
        2
    );
    // with two allowed, the organisation with fewer running jobs still goes first
    let c = organizations::insert(&mut conn, &OrgName::parse("Third").unwrap()).unwrap();
    let other = jobs::enqueue(&mut conn, c.id, JobKind::Profile, "c0").unwrap();
    let next = jobs::claim(&mut conn, "w4", lease, 2, &JobKind::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(next.id, other.id);
    assert!(
        jobs::claim(&mut conn, "w5", lease, 9, &[])
            .unwrap()
            .is_none(),
        "a worker claims only kinds it has handlers for"
    );
    // counted per status in SQL
    assert_eq!(
        jobs::count_by_status(&mut conn, a.id, JobKind::Profile).unwrap(),
        [
            (JobStatus::Queued, 1),
            (JobStatus::Running, 1),
            (JobStatus::Succeeded, 1),
            (JobStatus::Failed, 0)
        ]
    );
});

fn minute(m: u32) -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 3, 10)
        .and_then(|d| d.and_hms_opt(12, m, 0))
        .unwrap()
}

on_every_backend!(
    an_alert_condition_is_one_open_row_until_it_is_resolved,
    |db| {
        use tessera_domain::alerts::{AlertKind, Severity};
        use tessera_store::alerts::system_alerts::{open, raise, resolve};
        let mut conn = migrated(db);
        let org = organizations::insert(&mut conn, &OrgName::parse("Shop").unwrap())
            .unwrap()
            .id;
        let other = organizations::insert(&mut conn, &OrgName::parse("Other").unwrap())
            .unwrap()
            .id;
        let low = |conn: &mut tessera_store::DbConn, org, severity, message: &str, m| {
            raise(
                conn,
                org,
                AlertKind::LowStock,
                severity,
                message,
                r#"{"products":[]}"#,
                minute(m),
            )
            .unwrap()
        };
        let first = low(
            &mut conn,
            org,
            Severity::Warning,
            "2 products are running low on stock",
            0,
        );
        // raised again by the next poll: the same row, updated
        let again = low(
            &mut conn,
            org,
            Severity::Error,
            "3 products are running low on stock",
            1,
        );
        assert_eq!(again.id, first.id);
        assert_eq!(again.created_at, minute(0));
        assert_eq!(again.updated_at, minute(1));
        assert_eq!(again.message, "3 products are running low on stock");
        assert_eq!(again.severity, Severity::Error);
        raise(
            &mut conn,
            org,
            AlertKind::SuspiciousTransaction,
            Severity::Warning,
            "1 suspicious transaction",
            "{}",
            minute(2),
        )
        .unwrap();
        low(&mut conn, other, Severity::Info, "other", 3);
        let open_now = open(&mut conn, org).unwrap();
        assert_eq!(open_now.len(), 2);
        assert_eq!(
            open_now[0].kind,
            AlertKind::SuspiciousTransaction,
            "newest first"
        );
        assert_eq!(
            resolve(&mut conn, org, AlertKind::LowStock, minute(4)).unwrap(),
            1
        );
        assert_eq!(
            resolve(&mut conn, org, AlertKind::LowStock, minute(5)).unwrap(),
            0
        );
        assert_eq!(open(&mut conn, org).unwrap().len(), 1);
        // the other organisation's condition is untouched
        assert_eq!(open(&mut conn, other).unwrap().len(), 1);
        // a condition that comes back opens a new row
        let back = low(&mut conn, org, Severity::Warning, "1 product", 6);
        assert_ne!(back.id, first.id);
        // retail's low stock is its own condition beside commerce's, and left out of a feed
        // read for the commerce kinds
        use tessera_store::alerts::system_alerts::{list as feed, FeedFilter, FeedState};
        let retail = raise(
            &mut conn,
            org,
            AlertKind::RetailLowStock,
            Severity::Warning,
            "3 store inventory rows are at or under 50 cases available",
            r#"{"items":[]}"#,
            minute(7),
        )
        .unwrap();
        assert_ne!(retail.id, back.id);
        assert_eq!(open(&mut conn, org).unwrap().len(), 3);
        let commerce = FeedFilter {
            kinds: AlertKind::COMMERCE.to_vec(),
            ..Default::default()
        };
        let kinds: Vec<_> = feed(&mut conn, org, &commerce, 10)
            .unwrap()
            .into_iter()
            .map(|a| a.kind)
            .collect();
        assert_eq!(
            kinds,
            [AlertKind::LowStock, AlertKind::SuspiciousTransaction]
        );
        resolve(&mut conn, org, AlertKind::RetailLowStock, minute(8)).unwrap();
        let everything = FeedFilter {
            kinds: vec![AlertKind::RetailLowStock, AlertKind::LowStock],
            state: FeedState::All,
            ..Default::default()
        };
        let all = feed(&mut conn, org, &everything, 10).unwrap();
        assert_eq!(
            all.len(),
            3,
            "two commerce low-stock rows and the resolved retail one"
        );
        assert_eq!(all[0].resolved_at, Some(minute(8)));
        assert_eq!(feed(&mut conn, org, &everything, 1).unwrap().len(), 1);
        // paged and filtered by severity and state
        use tessera_store::alerts::system_alerts::{page, resolve_one};
        let two = tessera_domain::PageRequest::new(Some(1), Some(2)).unwrap();
        let p = page(
            &mut conn,
            org,
            &FeedFilter {
                state: FeedState::All,
                ..Default::default()
            },
            two,
        )
        .unwrap();
        assert_eq!((p.items.len(), p.total), (2, 4));
        let warnings = FeedFilter {
            severity: Some(Severity::Warning),
            state: FeedState::Resolved,
            ..Default::default()
        };
        let p = page(&mut conn, org, &warnings, two).unwrap();
        assert_eq!(p.total, 1, "the resolved retail alert");
        // resolved by hand once; again it stays as it was; another organisation's is not found
        let closed = resolve_one(&mut conn, org, back.id, minute(9)).unwrap();
        assert_eq!(closed.resolved_at, Some(minute(9)));
        let again = resolve_one(&mut conn, org, back.id, minute(10)).unwrap();
        assert_eq!(again.resolved_at, Some(minute(9)));
        assert!(matches!(
            resolve_one(&mut conn, other, back.id, minute(10)),
            Err(tessera_store::StoreError::NotFound)
        ));
        // the condition comes back as a new alert
        let reopened = low(&mut conn, org, Severity::Warning, "again", 11);
        assert_ne!(reopened.id, back.id);
    }
);

on_every_backend!(commerce_grouped_reads_agree_on_every_engine, |db| {
    use tessera_domain::commerce::{PaymentMethod, TransactionStatus};
    use tessera_store::commerce::catalog::{self, NewProduct};
    use tessera_store::commerce::customers::{self, NewCustomer};
    use tessera_store::commerce::insights::{self, Window};
    use tessera_store::commerce::transactions::{self, NewTransaction};
    let mut conn = migrated(db);
    let org = organizations::insert(&mut conn, &OrgName::parse("Shop").unwrap())
        .unwrap()
        .id;
    let customer = customers::insert_many(
        &mut conn,
        org,
        &[NewCustomer {
            email: "a@shop.example".into(),
            registration_date: minute(0),
            region: "Europe".into(),
        }],
    )
    .unwrap()[0];
    let product = catalog::insert_products(
        &mut conn,
        org,
        &[NewProduct {
            name: "Cable".into(),
            category: "Accessories".into(),
            price_cents: 999,
            stock_quantity: 50,
            supplier_id: None,
        }],
    )
    .unwrap()[0];
    let tx = |m: u32, status| NewTransaction {
        customer_id: customer,
        product_id: product,
        quantity: 2,
        price_cents: 999,
        payment_method: PaymentMethod::Paypal,
        status,
        at: minute(m),
        risk_score: Some(0.0),
        fraud_check_json: None,
    };
    transactions::insert_many(
        &mut conn,
        org,
        &[
            tx(1, TransactionStatus::Completed),
            tx(2, TransactionStatus::Flagged),
            tx(3, TransactionStatus::Completed),
        ],
    )
    .unwrap();
    let all = insights::by_customer(&mut conn, org, Window::default()).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].count, all[0].amount_cents), (3, 3 * 1998));
    assert_eq!(all[0].last_at, Some(minute(3)));
    let done = Window {
        completed_only: true,
        ..Window::default()
    };
    let completed = insights::by_customer(&mut conn, org, done).unwrap();
    assert_eq!(
        (completed[0].count, completed[0].amount_cents),
        (2, 2 * 1998)
    );
    let since = Window {
        since: Some(minute(2)),
        until: Some(minute(3)),
        ..Window::default()
    };
    assert_eq!(
        insights::summary(&mut conn, org, since).unwrap(),
        (1, 1998, 1)
    );
    assert_eq!(
        insights::by_product(&mut conn, org, Window::default()).unwrap(),
        [(product, 6, 3 * 1998)]
    );
    assert_eq!(
        insights::by_region(&mut conn, org, Window::default()).unwrap(),
        [("Europe".to_owned(), 3 * 1998, 1)]
    );
    assert_eq!(
        insights::active_months(&mut conn, org).unwrap(),
        [(customer, "2026-03".to_owned())]
    );
    let hour = transactions::hour_of(minute(0));
    assert_eq!(
        insights::hourly(&mut conn, org, hour, hour).unwrap(),
        [(hour, 3 * 1998, 3)]
    );
});

on_every_backend!(concurrent_raises_of_one_condition_open_one_alert, |db| {
    use tessera_domain::alerts::{AlertKind, Severity};
    use tessera_store::alerts::system_alerts::{open, raise};
    let mut conn = migrated(db);
    let org = organizations::insert(&mut conn, &OrgName::parse("Busy").unwrap())
        .unwrap()
        .id;
    drop(conn);
    std::thread::scope(|s| {
        for i in 0..8 {
            let pool = db.pool.clone();
            s.spawn(move || {
                let mut conn = pool.get().unwrap();
                raise(
                    &mut conn,
                    org,
                    AlertKind::LowStock,
                    Severity::Warning,
                    &format!("poll {i}"),
                    r#"{"products":[]}"#,
                    minute(i),
                )
                .unwrap();
            });
        }
    });
    let mut conn = db.pool.get().unwrap();
    let alerts = open(&mut conn, org).unwrap();
    assert_eq!(alerts.len(), 1, "one condition, one open alert");
});
