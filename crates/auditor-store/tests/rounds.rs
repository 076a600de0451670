//! The shared rounds against a real PostgreSQL server: the one `tests/pg/with-postgres.sh`
//! starts for `make test` (its URL in `AUDITOR_TEST_POSTGRES`). Each test makes its own
//! database. Without a server these tests fail, saying how to get one; they never skip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_store::rounds::Rounds;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A fresh database on the test server, as a URL.
async fn database() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let url = std::env::var("AUDITOR_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "AUDITOR_TEST_POSTGRES is not set: run the tests with `make test`, or wrap them \
             in tests/pg/with-postgres.sh -- cargo test (it starts a throwaway PostgreSQL \
             from the machine's initdb and pg_ctl; Debian: apt-get install -y postgresql)"
        )
    });
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {url}: {e}"));
    tokio::spawn(conn);
    let name = format!(
        "rounds_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

fn accounts(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{:012}", 100_000_000_000 + i))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_round_is_opened_once_however_many_replicas_look() {
    let url = database().await;
    let mut replicas = Vec::new();
    for i in 0..3 {
        replicas.push(
            Rounds::connect(&url, &format!("replica-{i}"))
                .await
                .unwrap(),
        );
    }
    let accts = accounts(30);
    let every = Duration::from_secs(3600);
    let opened =
        futures::future::join_all(replicas.iter_mut().map(|r| r.open_due_round(every, &accts)))
            .await;
    let rounds: Vec<i64> = opened.into_iter().filter_map(|r| r.unwrap()).collect();
    assert_eq!(rounds.len(), 1, "exactly one replica opens the round");
    // Not due again until an hour has passed.
    for r in &mut replicas {
        assert_eq!(r.open_due_round(every, &accts).await.unwrap(), None);
    }
    let p = replicas[0].progress(rounds[0]).await.unwrap().unwrap();
    assert_eq!((p.pending, p.running, p.complete), (30, 0, 0));
    assert_eq!(replicas[0].latest().await.unwrap(), Some(rounds[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_claiming_together_audit_every_account_exactly_once() {
    let url = database().await;
    let mut first = Rounds::connect(&url, "replica-0").await.unwrap();
    let round = first
        .open_due_round(Duration::from_secs(3600), &accounts(30))
        .await
        .unwrap()
        .unwrap();
    let mut replicas = vec![first];
    for i in 1..3 {
        replicas.push(
            Rounds::connect(&url, &format!("replica-{i}"))
                .await
                .unwrap(),
        );
    }
    let lease = Duration::from_secs(60);
    let claimed = futures::future::join_all(replicas.iter().map(|r| async move {
        let mut mine = Vec::new();
        while let Some(c) = r.claim(round, lease).await.unwrap() {
            assert!(!c.takeover);
            tokio::task::yield_now().await;
            assert!(r.finish(&c, true, None).await.unwrap());
            mine.push(c.account);
        }
        mine
    }))
    .await;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for a in claimed.iter().flatten() {
        *seen.entry(a.clone()).or_default() += 1;
    }
    assert_eq!(seen.len(), 30);
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
    let p = replicas[0].progress(round).await.unwrap().unwrap();
    assert_eq!(
        (p.pending, p.running, p.complete, p.takeovers),
        (0, 0, 30, 0)
    );
    assert!(p.is_complete());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_left_to_run_out_is_taken_over_and_its_former_holder_cannot_finish() {
    let url = database().await;
    let mut a = Rounds::connect(&url, "replica-a").await.unwrap();
    let b = Rounds::connect(&url, "replica-b").await.unwrap();
    let round = a
        .open_due_round(Duration::from_secs(3600), &accounts(1))
        .await
        .unwrap()
        .unwrap();
    let short = Duration::from_millis(800);
    let held = a.claim(round, short).await.unwrap().expect("a claims it");
    // Renewed, the lease holds: b finds nothing to take.
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(a.heartbeat(&held, short).await.unwrap());
        assert_eq!(b.claim(round, short).await.unwrap(), None);
    }
    // a stops renewing (killed): once the lease runs out, b takes the account over.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let taken = b
        .claim(round, short)
        .await
        .unwrap()
        .expect("b takes it over");
    assert!(taken.takeover);
    assert_eq!(taken.account, held.account);
    assert!(!a.heartbeat(&held, short).await.unwrap());
    assert!(!a.finish(&held, true, Some(1)).await.unwrap());
    assert!(b.finish(&taken, true, Some(2)).await.unwrap());
    let p = b.progress(round).await.unwrap().unwrap();
    assert_eq!((p.complete, p.takeovers), (1, 1));
    let rows = b.accounts(round).await.unwrap();
    assert_eq!(rows[0].holder.as_deref(), Some("replica-b"));
    assert_eq!(
        (rows[0].account.as_str(), rows[0].state.as_str()),
        (taken.account.as_str(), "complete")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_run_completes_the_round_as_failed() {
    let url = database().await;
    let mut r = Rounds::connect(&url, "replica-0").await.unwrap();
    let round = r
        .open_due_round(Duration::from_secs(3600), &accounts(2))
        .await
        .unwrap()
        .unwrap();
    let one = r
        .claim(round, Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let p = r.progress(round).await.unwrap().unwrap();
    assert!(!p.is_complete());
    assert!(r.finish(&one, false, None).await.unwrap());
    let two = r
        .claim(round, Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert!(r.finish(&two, true, Some(7)).await.unwrap());
    let p = r.progress(round).await.unwrap().unwrap();
    assert_eq!((p.complete, p.failed), (1, 1));
    assert!(p.is_complete());
    assert_eq!(r.progress(round + 1).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_is_not_opened_while_the_one_before_is_unfinished_and_a_release_gives_back() {
    let url = database().await;
    let mut a = Rounds::connect(&url, "replica-a").await.unwrap();
    let b = Rounds::connect(&url, "replica-b").await.unwrap();
    // Due again at once (a zero interval), but round 1 has an account left.
    let round = a
        .open_due_round(Duration::ZERO, &accounts(2))
        .await
        .unwrap()
        .unwrap();
    let lease = Duration::from_secs(60);
    let c1 = a.claim(round, lease).await.unwrap().unwrap();
    assert!(a.finish(&c1, true, None).await.unwrap());
    assert!(!a.is_due().await.unwrap());
    assert_eq!(
        a.open_due_round(Duration::ZERO, &accounts(2))
            .await
            .unwrap(),
        None
    );
    // A replica that stops gives its account back: pending again, claimed at once by another.
    let c2 = a.claim(round, lease).await.unwrap().unwrap();
    assert!(a.release(&c2).await.unwrap());
    assert!(!a.heartbeat(&c2, lease).await.unwrap(), "no longer its");
    let again = b.claim(round, lease).await.unwrap().unwrap();
    assert_eq!(
        (again.account.as_str(), again.takeover),
        (c2.account.as_str(), false)
    );
    assert!(b.finish(&again, false, None).await.unwrap());
    // Round 1 finished (one complete, one failed): round 2 opens.
    assert!(a.is_due().await.unwrap());
    let next = a
        .open_due_round(Duration::from_secs(3600), &accounts(2))
        .await
        .unwrap();
    assert_eq!(next, Some(round + 1));
    let recent = b.recent(5).await.unwrap();
    assert_eq!(
        recent
            .iter()
            .map(|p| (p.round, p.complete, p.failed, p.pending))
            .collect::<Vec<_>>(),
        [(round + 1, 0, 0, 2), (round, 1, 1, 0)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_every_holder_dies_on_is_failed_so_the_round_finishes() {
    let url = database().await;
    let mut a = Rounds::connect(&url, "replica-a").await.unwrap();
    let round = a
        .open_due_round(Duration::from_secs(3600), &accounts(1))
        .await
        .unwrap()
        .unwrap();
    let lease = Duration::from_millis(300);
    // Claimed, and left to lapse, by MAX_LAPSES replicas in turn.
    for i in 0..auditor_store::rounds::MAX_LAPSES {
        let r = Rounds::connect(&url, &format!("doomed-{i}")).await.unwrap();
        assert!(r.claim(round, lease).await.unwrap().is_some(), "claim {i}");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    assert_eq!(
        a.claim(round, lease).await.unwrap(),
        None,
        "not handed out again"
    );
    let p = a.progress(round).await.unwrap().unwrap();
    assert_eq!((p.failed, p.running, p.pending), (1, 0, 0));
    assert!(p.is_complete());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_claiming_and_renewing_at_once_each_claim_takes_one_account() {
    let url = database().await;
    let mut first = Rounds::connect(&url, "replica-0").await.unwrap();
    let round = first
        .open_due_round(Duration::from_secs(3600), &accounts(200))
        .await
        .unwrap()
        .unwrap();
    let mut replicas = vec![first];
    for i in 1..4 {
        replicas.push(
            Rounds::connect(&url, &format!("replica-{i}"))
                .await
                .unwrap(),
        );
    }
    let lease = Duration::from_secs(60);
    // Each replica claims, renews its lease (as its renewer does, on the same connection)
    // and finishes, as fast as it can: every claim must take exactly one account.
    let claimed = futures::future::join_all(replicas.iter().map(|r| async move {
        let mut mine = Vec::new();
        loop {
            let c = match r.claim(round, lease).await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => panic!("a claim failed: {e}"),
            };
            let (beat, _) = futures::join!(r.heartbeat(&c, lease), r.progress(round));
            assert!(beat.unwrap());
            assert!(r.finish(&c, true, None).await.unwrap());
            mine.push(c.account);
        }
        mine
    }))
    .await;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for a in claimed.iter().flatten() {
        *seen.entry(a.clone()).or_default() += 1;
    }
    assert_eq!(seen.len(), 200);
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
    let p = replicas[0].progress(round).await.unwrap().unwrap();
    assert_eq!((p.complete, p.running, p.pending), (200, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_takes_one_account_whatever_plan_the_server_picks() {
    let url = database().await;
    // Nested loops only: a subquery on a join's inner side may be scanned again for each
    // outer row, and each scan would pick (and claim) another account.
    let forced = format!("{url}?options=-c%20enable_hashjoin%3Doff%20-c%20enable_mergejoin%3Doff");
    let mut r = Rounds::connect(&forced, "replica-a").await.unwrap();
    let round = r
        .open_due_round(Duration::from_secs(3600), &accounts(30))
        .await
        .unwrap()
        .unwrap();
    for n in 1..=3 {
        let c = r
            .claim(round, Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
        assert!(!c.takeover);
        let p = r.progress(round).await.unwrap().unwrap();
        assert_eq!(
            (p.running, p.pending),
            (n, 30 - n),
            "claim {n} took one account"
        );
    }
}
