//! The retail store (issue 13) on SQLite, PostgreSQL and MySQL: per-organisation numbers, the
//! order state machine with its stock moves, concurrent approvals and fulfilments that move
//! stock exactly once, and 32 clients moving stock between a few stores without a row going
//! negative or the total changing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{Duration, NaiveDateTime};
use tessera_domain::retail::{
    OrderAction, OrderDraft, OrderStatus, ProductDraft, StaffDraft, StoreDraft,
};
use tessera_domain::{OrgId, OrgName};
use tessera_store::retail::inventory::{self, InventoryFilter};
use tessera_store::retail::orders::{self, Change, OrderFilter, OrderRefusal};
use tessera_store::retail::{products, staff, stores};
use tessera_store::{migrations, organizations, DbConn};

fn at(minutes: i64) -> NaiveDateTime {
    tessera_store::now() - Duration::days(1) + Duration::minutes(minutes)
}

fn store(code: &str, region: &str, kind: &str) -> StoreDraft {
    StoreDraft::parse(
        &format!("Store {code}"),
        code,
        "1 Main St",
        "Austin",
        "TX",
        "78701",
        region,
        kind,
    )
    .unwrap()
}

/// An organisation with a warehouse (store 1) and stores 2..=`stores`, one product and
/// `stock` cases of it at every store.
fn shop(conn: &mut DbConn, name: &str, count: usize, stock: i64) -> OrgId {
    let org = organizations::insert(conn, &OrgName::parse(name).unwrap())
        .unwrap()
        .id;
    let mut drafts = vec![store("WH", "Central", "Warehouse")];
    for i in 2..=count {
        drafts.push(store(
            &format!("S{i}"),
            if i % 2 == 0 { "West" } else { "East" },
            "Urban",
        ));
    }
    stores::insert_many(conn, org, &drafts, at(0)).unwrap();
    products::insert_many(
        conn,
        org,
        &[ProductDraft::parse("Cherry Cola 2L", "Fizz", "Cola", "6x2L", 12.5).unwrap()],
        at(0),
    )
    .unwrap();
    let items: Vec<(i64, i64, i64)> = (1..=count as i64).map(|s| (s, 1, stock)).collect();
    inventory::insert_many(conn, org, &items, at(0)).unwrap();
    org
}

fn levels(conn: &mut DbConn, org: OrgId) -> Vec<(i64, i64, i64)> {
    let (rows, _) = inventory::list(conn, org, &InventoryFilter::default(), 0, 1000).unwrap();
    let mut v: Vec<_> = rows
        .into_iter()
        .map(|r| (r.item.store, r.item.quantity_cases, r.item.reserved_cases))
        .collect();
    v.sort();
    v
}

fn order(conn: &mut DbConn, org: OrgId, to: i64, cases: i64) -> i64 {
    let draft = OrderDraft::parse(1, to, 1, cases, None, None, Some("test")).unwrap();
    orders::create(conn, org, &draft, at(10))
        .unwrap()
        .unwrap()
        .order
        .number
}

fn act(action: OrderAction) -> Change {
    Change {
        action,
        version: None,
        quantity_cases: None,
        notes: None,
    }
}

fn migrated(db: &support::TestDb) -> tessera_store::PooledConn {
    let mut conn = db.pool.get().unwrap();
    migrations::run_pending(&mut conn).unwrap();
    conn
}

on_every_backend!(numbers_are_per_organisation_and_stable, |db| {
    let mut conn = migrated(db);
    let a = shop(&mut conn, "Retail A", 3, 10);
    let b = shop(&mut conn, "Retail B", 2, 10);
    assert_eq!(stores::find(&mut conn, a, 1).unwrap().code, "WH");
    assert_eq!(stores::find(&mut conn, b, 1).unwrap().code, "WH");
    assert!(stores::find(&mut conn, b, 3).is_err(), "b has two stores");
    let first = order(&mut conn, a, 2, 1);
    let second = order(&mut conn, a, 3, 1);
    let other = order(&mut conn, b, 2, 1);
    assert_eq!((first, second, other), (1, 2, 1));
    let view = orders::find(&mut conn, a, 2).unwrap();
    assert_eq!(view.order.order_number, "ORD000002");
    assert_eq!(view.to_store.number, 3);
    // staff numbers are the organisation's own as well
    let s = staff::insert_many(
        &mut conn,
        b,
        &[staff::NewStaff {
            draft: StaffDraft::parse(
                "rm",
                "Rita",
                "Mann",
                "rita@example.com",
                None,
                "regional_manager",
                Some(1),
                None,
            )
            .unwrap(),
            user_id: None,
        }],
        at(0),
    )
    .unwrap();
    assert_eq!((s[0].number, s[0].store), (1, Some(1)));
    // one organisation never reads another's rows by number
    assert!(orders::find(&mut conn, b, 2).is_err());
});

on_every_backend!(
    opening_a_store_or_adding_a_product_stocks_empty_rows,
    |db| {
        let mut conn = migrated(db);
        let org = shop(&mut conn, "Retail C", 2, 10);
        let other = shop(&mut conn, "Retail D", 1, 10);
        let opened =
            stores::create(&mut conn, org, &store("S3", "West", "Tourist"), at(1)).unwrap();
        assert_eq!(opened.number, 3);
        assert_eq!(levels(&mut conn, org), [(1, 10, 0), (2, 10, 0), (3, 0, 0)]);
        let cola = ProductDraft::parse("Cola", "Fizz", "Cola", "6x2L", 3.0).unwrap();
        let added = products::create(&mut conn, org, &cola, at(2)).unwrap();
        assert_eq!(added.number, 2);
        let (rows, total) =
            inventory::list(&mut conn, org, &InventoryFilter::default(), 0, 100).unwrap();
        assert_eq!(total, 6);
        let new_rows: Vec<_> = rows
            .iter()
            .filter(|r| r.item.product == 2)
            .map(|r| (r.item.store, r.item.quantity_cases))
            .collect();
        assert_eq!(new_rows.len(), 3);
        assert!(new_rows.iter().all(|(_, q)| *q == 0));
        // the other organisation's stores got nothing
        assert_eq!(levels(&mut conn, other), [(1, 10, 0)]);
        assert_stock_agrees(&mut conn, org);
        // a code in use is refused and leaves nothing behind
        assert!(matches!(
            stores::create(&mut conn, org, &store("S3", "West", "Urban"), at(3)),
            Err(tessera_store::StoreError::Conflict(_))
        ));
        assert_eq!(levels(&mut conn, org).len(), 6);
        assert_stock_agrees(&mut conn, org);
        // a new price and category move the product's stock between the kept totals
        for n in 1..=3 {
            inventory::adjust(&mut conn, org, n, 7 * n, at(3))
                .unwrap()
                .unwrap();
        }
        let dearer = ProductDraft::parse("Cola", "Fizz", "Juice", "6x2L", 4.25).unwrap();
        products::update(&mut conn, org, 1, &dearer).unwrap();
        assert_stock_agrees(&mut conn, org);
        let changed = stores::update(&mut conn, org, 3, &store("S3", "East", "Urban")).unwrap();
        assert_eq!(
            (changed.region.as_str(), changed.created_at),
            ("East", opened.created_at)
        );
        assert!(stores::update(&mut conn, other, 3, &store("S3", "East", "Urban")).is_err());
        // an account of another organisation is not linked; a member's is, and unlinked again
        let s = staff::insert_many(
            &mut conn,
            org,
            &[staff::NewStaff {
                draft: StaffDraft::parse(
                    "rm",
                    "Rita",
                    "Mann",
                    "rita@example.com",
                    None,
                    "regional_manager",
                    None,
                    None,
                )
                .unwrap(),
                user_id: None,
            }],
            at(4),
        )
        .unwrap();
        let member = |conn: &mut DbConn, org: OrgId, email: &str| {
            use tessera_domain::{Email, FullName, Role};
            tessera_store::users::insert(
                conn,
                &tessera_store::users::NewUser {
                    org_id: org,
                    email: &Email::parse(email).unwrap(),
                    full_name: &FullName::parse("Some One").unwrap(),
                    password_hash: "$2b$04$notarealhash",
                    role: Role::Editor,
                },
            )
            .unwrap()
            .id
        };
        let mine = member(&mut conn, org, "mine@example.com");
        let theirs = member(&mut conn, other, "theirs@example.com");
        assert!(matches!(
            staff::link(&mut conn, org, s[0].number, Some(theirs)),
            Err(tessera_store::StoreError::Conflict(_))
        ));
        let linked = staff::link(&mut conn, org, s[0].number, Some(mine)).unwrap();
        assert_eq!(linked.user_id, Some(mine));
        assert_eq!(
            staff::of_user(&mut conn, org, mine)
                .unwrap()
                .map(|s| s.number),
            Some(1)
        );
        assert_eq!(
            staff::link(&mut conn, org, s[0].number, None)
                .unwrap()
                .user_id,
            None
        );
        // a change that links a foreign account is refused whole: the fields stay as they were
        let renamed = StaffDraft::parse(
            "rm",
            "Rosa",
            "Mann",
            "rita@example.com",
            None,
            "regional_manager",
            None,
            None,
        )
        .unwrap();
        assert!(matches!(
            staff::update(&mut conn, org, s[0].number, &renamed, Some(Some(theirs))),
            Err(tessera_store::StoreError::Conflict(_))
        ));
        assert_eq!(
            staff::find(&mut conn, org, s[0].number).unwrap().first_name,
            "Rita"
        );
        let changed =
            staff::update(&mut conn, org, s[0].number, &renamed, Some(Some(mine))).unwrap();
        assert_eq!(
            (changed.first_name.as_str(), changed.user_id),
            ("Rosa", Some(mine))
        );
        let kept = staff::update(&mut conn, org, s[0].number, &renamed, None).unwrap();
        assert_eq!(kept.user_id, Some(mine), "no account given: the link stays");
    }
);

on_every_backend!(the_state_machine_reserves_moves_and_releases_stock, |db| {
    let mut conn = migrated(db);
    let org = shop(&mut conn, "Machine", 3, 100);
    let o = order(&mut conn, org, 2, 30);
    // fulfil before approval is refused and changes nothing
    let r = orders::apply(&mut conn, org, o, &act(OrderAction::Fulfil), at(11)).unwrap();
    assert!(matches!(
        r,
        Err(OrderRefusal::NotAllowed {
            status: OrderStatus::PendingReview,
            ..
        })
    ));
    // approval reserves at the warehouse
    let v = orders::apply(&mut conn, org, o, &act(OrderAction::Approve), at(12))
        .unwrap()
        .unwrap();
    assert_eq!(
        (v.order.status, v.order.version),
        (OrderStatus::Approved, 2)
    );
    assert_eq!(
        levels(&mut conn, org),
        [(1, 100, 30), (2, 100, 0), (3, 100, 0)]
    );
    // a stale version is refused
    let stale = Change {
        version: Some(1),
        ..act(OrderAction::Fulfil)
    };
    assert!(matches!(
        orders::apply(&mut conn, org, o, &stale, at(13)).unwrap(),
        Err(OrderRefusal::StaleVersion {
            current: 2,
            sent: 1,
            ..
        })
    ));
    // editing an approved order re-checks the reservation: more than available is refused
    let too_much = Change {
        quantity_cases: Some(101),
        ..act(OrderAction::Edit)
    };
    assert!(matches!(
        orders::apply(&mut conn, org, o, &too_much, at(13)).unwrap(),
        Err(OrderRefusal::NotEnoughStock {
            available: 70,
            requested: 71,
            ..
        })
    ));
    let less = Change {
        quantity_cases: Some(20),
        notes: Some(Some("fewer".into())),
        ..act(OrderAction::Edit)
    };
    let v = orders::apply(&mut conn, org, o, &less, at(14))
        .unwrap()
        .unwrap();
    assert_eq!((v.order.quantity_cases, v.order.version), (20, 3));
    assert_eq!(
        levels(&mut conn, org),
        [(1, 100, 20), (2, 100, 0), (3, 100, 0)]
    );
    // fulfilment moves the cases and the reservation in one go
    let v = orders::apply(&mut conn, org, o, &act(OrderAction::Fulfil), at(15))
        .unwrap()
        .unwrap();
    assert_eq!(v.order.status, OrderStatus::Fulfilled);
    assert!(v.order.fulfilled_date.is_some());
    assert_eq!(
        levels(&mut conn, org),
        [(1, 80, 0), (2, 120, 0), (3, 100, 0)]
    );
    // nothing moves a fulfilled order again
    for action in [
        OrderAction::Approve,
        OrderAction::Fulfil,
        OrderAction::Cancel,
        OrderAction::Edit,
    ] {
        let r = orders::apply(&mut conn, org, o, &act(action), at(16)).unwrap();
        assert!(
            matches!(
                r,
                Err(OrderRefusal::NotAllowed {
                    status: OrderStatus::Fulfilled,
                    ..
                })
            ),
            "{action:?}"
        );
    }
    // cancelling an approved order releases its reservation and keeps the reason
    let c = order(&mut conn, org, 3, 50);
    orders::apply(&mut conn, org, c, &act(OrderAction::Approve), at(17))
        .unwrap()
        .unwrap();
    assert_eq!(levels(&mut conn, org)[0], (1, 80, 50));
    let cancel = Change {
        notes: Some(Some("Order cancelled by user".into())),
        ..act(OrderAction::Cancel)
    };
    let v = orders::apply(&mut conn, org, c, &cancel, at(18))
        .unwrap()
        .unwrap();
    assert_eq!(v.order.status, OrderStatus::Cancelled);
    assert_eq!(
        v.order.notes.as_deref(),
        Some("test\nCancellation reason: Order cancelled by user")
    );
    assert_eq!(levels(&mut conn, org)[0], (1, 80, 0));
    // approval beyond what is available is a refusal naming the numbers
    let big = order(&mut conn, org, 2, 81);
    assert!(matches!(
        orders::apply(&mut conn, org, big, &act(OrderAction::Approve), at(19)).unwrap(),
        Err(OrderRefusal::NotEnoughStock {
            store: 1,
            product: 1,
            available: 80,
            requested: 81
        })
    ));
    assert_eq!(
        orders::find(&mut conn, org, big).unwrap().order.status,
        OrderStatus::PendingReview
    );
    // stock set by hand never goes below what is reserved
    let first = order(&mut conn, org, 2, 10);
    orders::apply(&mut conn, org, first, &act(OrderAction::Approve), at(20))
        .unwrap()
        .unwrap();
    let (rows, _) = inventory::list(
        &mut conn,
        org,
        &InventoryFilter {
            store: Some(1),
            ..Default::default()
        },
        0,
        10,
    )
    .unwrap();
    let n = rows[0].item.number;
    assert!(inventory::set_stock(&mut conn, org, n, 9, at(21))
        .unwrap()
        .is_err());
    let v = inventory::set_stock(&mut conn, org, n, 10, at(21))
        .unwrap()
        .unwrap();
    assert_eq!((v.item.quantity_cases, v.item.reserved_cases), (10, 10));
    // the status summary counts every status, even those with no order
    let s = orders::status_summary(
        &mut conn,
        org,
        &OrderFilter::default(),
        tessera_store::now(),
    )
    .unwrap();
    let count = |st: OrderStatus| s.counts.iter().find(|c| c.0 == st).unwrap().1;
    assert_eq!(
        (
            count(OrderStatus::PendingReview),
            count(OrderStatus::Approved),
            count(OrderStatus::Fulfilled),
            count(OrderStatus::Cancelled)
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(s.total_cases, 20 + 50 + 81 + 10);
    assert_counts_agree(&mut conn, org, tessera_store::now());
    assert_stock_agrees(&mut conn, org);
});

on_every_backend!(
    concurrent_approvals_and_fulfilments_of_one_order_move_stock_once,
    |db| {
        let mut conn = migrated(db);
        let org = shop(&mut conn, "Race", 2, 100);
        let o = order(&mut conn, org, 2, 40);
        drop(conn);
        for action in [OrderAction::Approve, OrderAction::Fulfil] {
            let won: usize = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        let pool = db.pool.clone();
                        s.spawn(move || {
                            let mut c = pool.get().unwrap();
                            orders::apply(&mut c, org, o, &act(action), at(30))
                                .unwrap()
                                .is_ok()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap())
                    .filter(|w| *w)
                    .count()
            });
            assert_eq!(won, 1, "{action:?}: exactly one wins");
        }
        let mut conn = db.pool.get().unwrap();
        assert_eq!(levels(&mut conn, org), [(1, 60, 0), (2, 140, 0)]);
        let v = orders::find(&mut conn, org, o).unwrap();
        assert_eq!(
            (v.order.status, v.order.version),
            (OrderStatus::Fulfilled, 3)
        );
    }
);

on_every_backend!(thirty_two_clients_moving_stock_keep_every_row_whole, |db| {
    let mut conn = migrated(db);
    let org = shop(&mut conn, "Busy shop", 4, 50);
    // orders between every pair of stores, in both directions
    let mut placed = Vec::new();
    for i in 0..96i64 {
        let from = 1 + i % 4;
        let to = 1 + (i + 1 + i / 4 % 3) % 4;
        let draft = OrderDraft::parse(from, to, 1, 1 + i % 7, None, None, None).unwrap();
        placed.push(
            orders::create(&mut conn, org, &draft, at(40))
                .unwrap()
                .unwrap()
                .order
                .number,
        );
    }
    drop(conn);
    std::thread::scope(|s| {
        // meanwhile the product is re-priced and re-categorised: the kept stock totals follow
        let pool = db.pool.clone();
        s.spawn(move || {
            for k in 0..12 {
                let mut c = pool.get().unwrap();
                let category = if k % 2 == 0 { "Soda" } else { "Cola" };
                let draft =
                    ProductDraft::parse("Cola", "Fizz", category, "6x2L", 10.0 + k as f64).unwrap();
                products::update(&mut c, org, 1, &draft).unwrap();
            }
        });
        for client in 0..32usize {
            let pool = db.pool.clone();
            let placed = &placed;
            s.spawn(move || {
                for k in 0..placed.len() {
                    // a connection per order: 33 threads share the test's small pool
                    let mut c = pool.get().unwrap();
                    let o = placed[(client * 7 + k) % placed.len()];
                    for action in [
                        OrderAction::Approve,
                        OrderAction::Fulfil,
                        OrderAction::Cancel,
                    ] {
                        // refusals (taken by another client, not enough stock) are expected
                        let _ = orders::apply(&mut c, org, o, &act(action), at(41)).unwrap();
                    }
                }
            });
        }
    });
    let mut conn = db.pool.get().unwrap();
    let rows = levels(&mut conn, org);
    assert!(
        rows.iter().all(|(_, q, r)| *q >= 0 && *r >= 0 && r <= q),
        "{rows:?}"
    );
    assert_eq!(
        rows.iter().map(|r| r.1).sum::<i64>(),
        200,
        "stock is moved, never made"
    );
    assert!(
        rows.iter().all(|r| r.2 == 0),
        "every order ended fulfilled or cancelled: {rows:?}"
    );
    let s = orders::status_summary(
        &mut conn,
        org,
        &OrderFilter::default(),
        tessera_store::now(),
    )
    .unwrap();
    let pending: i64 = s
        .counts
        .iter()
        .filter(|c| matches!(c.0, OrderStatus::PendingReview | OrderStatus::Approved))
        .map(|c| c.1)
        .sum();
    assert_eq!(pending, 0);
    assert_counts_agree(&mut conn, org, tessera_store::now());
    assert_stock_agrees(&mut conn, org);
});

/// The status summary and the list's count from the per-day counts agree with counting the
/// orders themselves, for no filter, a region, day ranges around the service level's cutoff.
fn assert_counts_agree(conn: &mut DbConn, org: OrgId, now: NaiveDateTime) {
    let today = inventory::day_of(now);
    let cutoff = inventory::day_of(now - Duration::days(2));
    let ranges = [
        (None, None),
        (Some(today - 30), Some(today)),
        (Some(cutoff), Some(cutoff)),
        (Some(cutoff - 1), Some(cutoff + 1)),
        (None, Some(cutoff - 1)),
        (Some(cutoff + 1), None),
        (Some(today + 1), None),
    ];
    for region in [None, Some("West".to_owned()), Some("Nowhere".to_owned())] {
        for (from_day, to_day) in ranges {
            let filter = OrderFilter {
                region: region.clone(),
                from_day,
                to_day,
                ..Default::default()
            };
            let fast = orders::status_summary(conn, org, &filter, now).unwrap();
            let scanned = orders::status_summary_scanned(conn, org, &filter, now).unwrap();
            assert_eq!(fast, scanned, "{filter:?}");
            for status in [
                None,
                Some(OrderStatus::PendingReview),
                Some(OrderStatus::Fulfilled),
            ] {
                let f = OrderFilter {
                    status,
                    ..filter.clone()
                };
                let (_, total) = orders::list(conn, org, &f, now, 0, 1).unwrap();
                let expected = match status {
                    Some(st) => scanned.counts.iter().find(|c| c.0 == st).unwrap().1,
                    None => scanned.counts.iter().map(|c| c.1).sum(),
                };
                assert_eq!(total, expected, "{f:?}");
            }
        }
    }
}

on_every_backend!(
    the_counts_per_day_agree_with_the_orders_under_every_filter,
    |db| {
        let mut conn = migrated(db);
        let org = shop(&mut conn, "Counted", 4, 1000);
        let now = tessera_store::now();
        // orders every 7 hours over the last 8 days, to stores in both regions, some moved on
        let mut placed = Vec::new();
        for k in 0..28i64 {
            let when = now - Duration::hours(7 * k + 1);
            let draft = OrderDraft::parse(1, 2 + k % 3, 1, 1 + k, None, None, None).unwrap();
            let o = orders::create(&mut conn, org, &draft, when)
                .unwrap()
                .unwrap();
            placed.push(o.order.number);
        }
        assert_counts_agree(&mut conn, org, now);
        for (k, n) in placed.iter().enumerate() {
            let moves: &[OrderAction] = match k % 4 {
                0 => &[OrderAction::Approve, OrderAction::Fulfil],
                1 => &[OrderAction::Approve],
                2 => &[OrderAction::Cancel],
                _ => &[],
            };
            for m in moves {
                orders::apply(&mut conn, org, *n, &act(*m), now)
                    .unwrap()
                    .unwrap();
            }
        }
        let edit = Change {
            quantity_cases: Some(99),
            ..act(OrderAction::Edit)
        };
        orders::apply(&mut conn, org, placed[1], &edit, now)
            .unwrap()
            .unwrap();
        assert_counts_agree(&mut conn, org, now);
        // counts lost (orders written by other means) are computed again on the next change
        {
            use diesel::prelude::*;
            use tessera_store::schema::retail_order_days as d;
            diesel::delete(d::table.filter(d::org_id.eq(org.to_string())))
                .execute(&mut conn)
                .unwrap();
        }
        let mut cancelled = 0;
        for n in &placed {
            let r = orders::apply(&mut conn, org, *n, &act(OrderAction::Cancel), now).unwrap();
            cancelled += i64::from(r.is_ok());
        }
        let fast = orders::status_summary(&mut conn, org, &OrderFilter::default(), now).unwrap();
        let count = |st: OrderStatus| fast.counts.iter().find(|c| c.0 == st).unwrap().1;
        assert_eq!(cancelled, 14, "the pending and the approved ones");
        assert_eq!(
            (
                count(OrderStatus::PendingReview),
                count(OrderStatus::Approved)
            ),
            (0, 0)
        );
        // every day and store an order moved on is whole again: its cancelled orders included
        assert!(count(OrderStatus::Cancelled) >= cancelled, "{fast:?}");
    }
);

/// The inventory KPI totals from the kept stock per store and category agree with one pass
/// over the rows, for no filter, a region, a category and a store.
fn assert_stock_agrees(conn: &mut DbConn, org: OrgId) {
    use tessera_store::retail::insights::{inventory_totals, inventory_totals_scanned};
    let filters = [
        InventoryFilter::default(),
        InventoryFilter {
            region: Some("West".into()),
            ..Default::default()
        },
        InventoryFilter {
            category: Some("Cola".into()),
            ..Default::default()
        },
        InventoryFilter {
            store: Some(1),
            category: Some("Cola".into()),
            ..Default::default()
        },
    ];
    for f in filters {
        for threshold in [0, 50] {
            let kept = inventory_totals(conn, org, &f, threshold).unwrap();
            let scanned = inventory_totals_scanned(conn, org, &f, threshold).unwrap();
            assert_eq!(kept, scanned, "{f:?} at {threshold}");
        }
    }
}
