//! The Redis cache of `GET /api/users`: pages are reused until the directory changes, a change
//! shows at once, and without Redis the list still answers, from Postgres.

use std::time::{Duration, Instant};

use redis::AsyncCommands as _;
use shared::cache::Cache;
use shared::testing::eventually;
use users::cache::ListCache;
use users::directory::Directory;
use users::domain::{ListParams, ListQuery, UsersPage};

use crate::helpers::{TestApp, WAIT, now, spawn_app};

async fn directory_version(app: &TestApp) -> u64 {
    let cache = app.infra.cache();
    let version: Option<u64> = cache
        .connection()
        .get(cache.key("users:directory:version"))
        .await
        .unwrap();
    version.unwrap_or(0)
}

/// Waits until the consumers have bumped the version for `changes` changes: a change is visible
/// in Postgres a moment before its invalidation, and these tests must not mistake one for the
/// other.
async fn wait_for_version(app: &TestApp, changes: u64) {
    eventually("the directory version to settle", WAIT, || async {
        (directory_version(app).await >= changes).then_some(())
    })
    .await;
}

async fn cached_pages(app: &TestApp) -> usize {
    let cache = app.infra.cache();
    let mut connection = cache.connection();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(cache.key("users:list:*"))
        .query_async(&mut connection)
        .await
        .unwrap();
    keys.len()
}

#[actix_web::test]
async fn a_presence_change_shows_in_the_list_at_once() {
    let app = spawn_app().await;
    let people = app.seed(&[("alice", false), ("bob", false)]).await;
    wait_for_version(&app, 2).await;
    assert_eq!(app.usernames(&app.observer, "").await, ["alice", "bob"]);
    assert!(cached_pages(&app).await > 0, "the page was cached");
    let before = directory_version(&app).await;

    app.online(&people[1], now()).await;
    wait_for_version(&app, before + 1).await;

    // No waiting here: the first read after the change must already see it.
    let answer = app.list(&app.observer, "").await;
    assert_eq!(answer.body["users"][0]["username"], "bob");
    assert_eq!(answer.body["users"][0]["status"], "online");
}

#[actix_web::test]
async fn a_cached_page_is_served_until_the_directory_changes() {
    let app = spawn_app().await;
    let people = app.seed(&[("alice", false), ("bob", false)]).await;
    wait_for_version(&app, 2).await;
    assert_eq!(app.usernames(&app.observer, "").await, ["alice", "bob"]);

    // Behind the service's back, so no invalidation: the cached page still says "alice".
    app.infra
        .db()
        .await
        .execute(
            "UPDATE users SET username = 'alicia' WHERE id = $1",
            &[&people[0].id.as_uuid()],
        )
        .await
        .unwrap();
    assert_eq!(app.usernames(&app.observer, "").await, ["alice", "bob"]);
    assert_eq!(app.user(people[0].id).await.body["username"], "alicia");

    // Any change through the bus makes every cached page stale.
    app.register("carol").await;
    eventually("carol to be listed", WAIT, || async {
        let names = app.usernames(&app.observer, "").await;
        (names.len() == 3).then_some(())
    })
    .await;
    assert_eq!(
        app.usernames(&app.observer, "").await,
        ["alicia", "bob", "carol"]
    );
}

#[actix_web::test]
async fn each_caller_and_each_query_has_its_own_cached_page() {
    let app = spawn_app().await;
    let people = app.seed(&[("alice", false), ("bob", false)]).await;

    assert_eq!(app.usernames(&people[0], "").await, ["bob"]);
    assert_eq!(app.usernames(&people[1], "").await, ["alice"]);
    assert_eq!(app.usernames(&people[1], "q=b").await, Vec::<String>::new());
    assert_eq!(
        app.usernames(&app.observer, "sort=username&direction=desc")
            .await,
        ["bob", "alice"]
    );
    assert_eq!(app.usernames(&app.observer, "").await, ["alice", "bob"]);
}

#[actix_web::test]
async fn the_list_is_served_from_postgres_when_redis_is_down() {
    let app = spawn_app().await;
    app.seed(&[("alice", false), ("bob", true)]).await;
    let db = shared::db::pool(&app.infra.database_url, 2).unwrap();
    let query = ListQuery::parse(&ListParams::default()).unwrap();

    // Refused outright, and accepted but never answered (the harder case: it must time out).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("redis://{}", silent.local_addr().unwrap());
    for url in ["redis://127.0.0.1:1", silent_url.as_str()] {
        let cache = Cache::new(url, &app.infra.redis_prefix).unwrap();
        let directory = Directory::new(db.clone(), ListCache::new(cache, Duration::from_secs(30)));

        let started = Instant::now();
        let body = directory.list(app.observer.id, &query).await.unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{url}: took {:?}",
            started.elapsed()
        );
        let page: UsersPage = serde_json::from_slice(&body).unwrap();
        let names: Vec<_> = page.users.iter().map(|u| u.username.as_str()).collect();
        assert_eq!(names, ["bob", "alice"], "{url}");

        // Invalidation without Redis does not fail either.
        directory.list_cache.invalidate().await;
    }
}
