//! Group conversations over HTTP (contract section 6): creation, the role table row by row,
//! ownership, leaving, the size limit, and what non-members and removed members get (404,
//! exactly as for a group that does not exist).

use serde_json::{Value, json};
use shared::events::{ConversationCreated, MemberRemoved, RoleChanged};
use shared::testing::{Answer, TestUser};

use crate::helpers::{TestApp, WAIT, spawn_app, spawn_app_with};

/// A group of ann (owner), bob (admin), carol and dave (members), and erin outside it.
struct Scene {
    app: TestApp,
    ann: TestUser,
    bob: TestUser,
    carol: TestUser,
    dave: TestUser,
    erin: TestUser,
    id: String,
}

async fn scene() -> Scene {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    let erin = app.user("erin").await;
    let group = app.group(&ann, "Launch", &[&bob, &carol, &dave]).await;
    let id = group["id"].as_str().unwrap().to_owned();
    let promoted = app
        .call(
            &ann,
            "PUT",
            &role_path(&id, &bob),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    Scene {
        app,
        ann,
        bob,
        carol,
        dave,
        erin,
        id,
    }
}

fn members_path(id: &str) -> String {
    format!("/api/messages/conversations/{id}/members")
}

fn member_path(id: &str, user: &TestUser) -> String {
    format!("/api/messages/conversations/{id}/members/{}", user.id)
}

fn role_path(id: &str, user: &TestUser) -> String {
    format!("{}/role", member_path(id, user))
}

fn group_path(id: &str) -> String {
    format!("/api/messages/conversations/{id}")
}

async fn patch(app: &TestApp, who: &TestUser, id: &str, body: Value) -> Answer {
    app.call(who, "PATCH", &group_path(id), Some(body)).await
}

async fn add(app: &TestApp, who: &TestUser, id: &str, user: &TestUser) -> Answer {
    let body = json!({"userIds": [user.id.to_string()]});
    app.call(who, "POST", &members_path(id), Some(body)).await
}

async fn set_role(
    app: &TestApp,
    who: &TestUser,
    id: &str,
    target: &TestUser,
    role: &str,
) -> Answer {
    app.call(
        who,
        "PUT",
        &role_path(id, target),
        Some(json!({"role": role})),
    )
    .await
}

async fn remove(app: &TestApp, who: &TestUser, id: &str, target: &TestUser) -> Answer {
    app.call(who, "DELETE", &member_path(id, target), None)
        .await
}

async fn unread(app: &TestApp, id: &str, who: &TestUser) -> Option<i64> {
    let (_, body) = app.get(Some(who), &group_path(id)).await;
    body["conversation"]["unreadCount"].as_i64()
}

fn roles(members: &Value) -> Vec<(String, String)> {
    members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user"]["username"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn creating_a_group_makes_the_caller_owner_and_opens_its_timeline() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let mut created = app.infra.probe::<ConversationCreated>().await;
    // Repeats and the caller herself are ignored.
    let group = app
        .group(&ann, "  Launch  ", &[&bob, &carol, &bob, &ann])
        .await;
    assert_eq!(group["kind"], "group");
    assert_eq!(group["name"], "Launch");
    assert_eq!(group["topic"], "");
    assert_eq!(group["myRole"], "owner");
    assert_eq!(group["memberCount"], 3);
    assert_eq!(group["peer"], Value::Null);
    assert_eq!(group["peerLastReadSeq"], Value::Null);
    assert_eq!(group["unreadCount"], 0);
    let first = &group["lastMessage"];
    assert_eq!(
        (first["seq"].as_i64(), first["kind"].as_str()),
        (Some(1), Some("system"))
    );
    assert_eq!(first["system"]["event"], "created");
    assert_eq!(first["system"]["actorId"], ann.id.to_string());
    assert_eq!(first["senderId"], ann.id.to_string());
    assert_eq!(first["content"], "");
    assert_eq!(first["system"]["userIds"].as_array().unwrap().len(), 3);
    let id = group["id"].as_str().unwrap();

    let event = created.next(WAIT).await.data;
    assert_eq!(event.conversation_id.to_string(), id);
    assert_eq!(event.owner_id, ann.id);
    assert_eq!(event.member_ids.len(), 3);

    let (status, as_bob) = app.get(Some(&bob), &group_path(id)).await;
    assert_eq!(status, 200);
    assert_eq!(as_bob["conversation"]["myRole"], "member");
    let (_, list) = app.get(Some(&carol), "/api/messages/conversations").await;
    assert_eq!(list["conversations"][0]["id"], id);
    let members = app.call(&bob, "GET", &members_path(id), None).await;
    assert_eq!(members.status, 200, "{}", members.body);
    assert_eq!(
        roles(&members.body),
        [("ann", "owner"), ("bob", "member"), ("carol", "member")]
            .map(|(n, r)| (n.into(), r.into()))
    );
}

#[actix_web::test]
async fn a_bad_name_or_an_unknown_member_is_a_400_and_too_many_a_409() {
    let app = spawn_app_with(|config| config.group_max_members = 3).await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    let post = |body: Value| app.call(&ann, "POST", "/api/messages/conversations", Some(body));
    for name in ["", "   ", &"x".repeat(101)] {
        let answer = post(json!({"name": name, "memberIds": []})).await;
        answer.assert_error(400, "invalid_field");
        assert!(answer.body["error"]["fields"]["name"].is_string());
    }
    let ghost = TestUser::new("ghost");
    let answer = post(json!({"name": "x", "memberIds": [ghost.id.to_string()]})).await;
    answer.assert_error(400, "invalid_field");
    assert!(answer.body["error"]["fields"]["memberIds"].is_string());
    let ids = [&bob, &carol, &dave].map(|u| u.id.to_string());
    post(json!({"name": "x", "memberIds": ids}))
        .await
        .assert_error(409, "group_full");

    // Adding past the limit is refused and adds nobody.
    let group = app.group(&ann, "Three", &[&bob, &carol]).await;
    let id = group["id"].as_str().unwrap();
    app.call(
        &ann,
        "POST",
        &members_path(id),
        Some(json!({"userIds": [dave.id.to_string()]})),
    )
    .await
    .assert_error(409, "group_full");
    let members = app.call(&ann, "GET", &members_path(id), None).await;
    assert_eq!(roles(&members.body).len(), 3);
}

#[actix_web::test]
async fn every_row_of_the_role_table_is_allowed_or_refused_as_the_contract_says() {
    let s = scene().await;
    let app = &s.app;
    let id = s.id.as_str();

    // Rename and set the topic: owner and admin yes, member no.
    assert_eq!(
        patch(app, &s.ann, id, json!({"name": "Launch 2"}))
            .await
            .status,
        200
    );
    let by_admin = patch(app, &s.bob, id, json!({"topic": "Friday"})).await;
    assert_eq!(by_admin.status, 200, "{}", by_admin.body);
    assert_eq!(by_admin.body["conversation"]["topic"], "Friday");
    patch(app, &s.carol, id, json!({"name": "Mine"}))
        .await
        .assert_error(403, "forbidden");

    // Add members: owner and admin yes, member no.
    add(app, &s.carol, id, &s.erin)
        .await
        .assert_error(403, "forbidden");
    assert_eq!(add(app, &s.bob, id, &s.erin).await.status, 200);

    // Roles: only the owner; nobody changes the owner's role but by handing over.
    set_role(app, &s.bob, id, &s.carol, "admin")
        .await
        .assert_error(403, "forbidden");
    set_role(app, &s.carol, id, &s.dave, "admin")
        .await
        .assert_error(403, "forbidden");
    set_role(app, &s.ann, id, &s.ann, "admin")
        .await
        .assert_error(403, "forbidden");
    set_role(app, &s.ann, id, &s.carol, "boss")
        .await
        .assert_error(400, "invalid_field");
    assert_eq!(
        set_role(app, &s.ann, id, &s.carol, "admin").await.status,
        200
    );
    assert_eq!(
        set_role(app, &s.ann, id, &s.carol, "member").await.status,
        200
    );

    // Remove: the owner anyone, an admin members only, a member nobody.
    remove(app, &s.carol, id, &s.dave)
        .await
        .assert_error(403, "forbidden");
    remove(app, &s.bob, id, &s.ann)
        .await
        .assert_error(403, "forbidden");
    assert_eq!(
        set_role(app, &s.ann, id, &s.dave, "admin").await.status,
        200
    );
    remove(app, &s.bob, id, &s.dave)
        .await
        .assert_error(403, "forbidden");
    assert_eq!(remove(app, &s.bob, id, &s.erin).await.status, 204);
    assert_eq!(remove(app, &s.ann, id, &s.dave).await.status, 204);

    let members = app.call(&s.ann, "GET", &members_path(id), None).await;
    assert_eq!(
        roles(&members.body),
        [("ann", "owner"), ("bob", "admin"), ("carol", "member")]
            .map(|(n, r)| (n.into(), r.into()))
    );
    // Each change is a system message: created, role (bob), renamed, topic, added, role (carol)
    // twice, role (dave), removed twice.
    let (_, history) = app
        .get(
            Some(&s.carol),
            &format!("{}/messages?limit=100", group_path(id)),
        )
        .await;
    let events: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["system"]["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "created",
            "role.changed",
            "renamed",
            "topic.changed",
            "member.added",
            "role.changed",
            "role.changed",
            "role.changed",
            "member.removed",
            "member.removed"
        ]
    );
}

#[actix_web::test]
async fn handing_over_makes_the_old_owner_an_admin() {
    let s = scene().await;
    let mut changed = s.app.infra.probe::<RoleChanged>().await;
    let answer = s
        .app
        .call(
            &s.ann,
            "PUT",
            &role_path(&s.id, &s.carol),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["conversation"]["myRole"], "admin");
    let mut seen = [changed.next(WAIT).await.data, changed.next(WAIT).await.data];
    seen.sort_by_key(|e| e.user_id == s.carol.id);
    assert_eq!(
        (seen[0].user_id, seen[0].role),
        (s.ann.id, shared::events::Role::Admin)
    );
    assert_eq!(
        (seen[1].user_id, seen[1].role),
        (s.carol.id, shared::events::Role::Owner)
    );
    let members = s.app.call(&s.dave, "GET", &members_path(&s.id), None).await;
    assert_eq!(roles(&members.body)[0], ("carol".into(), "owner".into()));
    // The new owner can now do what only an owner can.
    let demote = s
        .app
        .call(
            &s.carol,
            "PUT",
            &role_path(&s.id, &s.ann),
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(demote.status, 200, "{}", demote.body);
}

#[actix_web::test]
async fn when_the_owner_leaves_the_longest_standing_admin_becomes_owner() {
    let s = scene().await;
    let mut removed = s.app.infra.probe::<MemberRemoved>().await;
    let left = s
        .app
        .call(&s.ann, "DELETE", &member_path(&s.id, &s.ann), None)
        .await;
    assert_eq!(left.status, 204, "{}", left.body);
    let event = removed.next(WAIT).await.data;
    assert_eq!((event.user_id, event.actor_id), (s.ann.id, s.ann.id));
    assert_eq!(event.reason, shared::events::RemovalReason::Left);
    let members = s.app.call(&s.bob, "GET", &members_path(&s.id), None).await;
    assert_eq!(roles(&members.body)[0], ("bob".into(), "owner".into()));
    // And without an admin, the longest-standing member.
    let left = s
        .app
        .call(&s.bob, "DELETE", &member_path(&s.id, &s.bob), None)
        .await;
    assert_eq!(left.status, 204);
    let members = s
        .app
        .call(&s.carol, "GET", &members_path(&s.id), None)
        .await;
    assert_eq!(roles(&members.body)[0], ("carol".into(), "owner".into()));
}

#[actix_web::test]
async fn a_group_whose_last_member_leaves_is_deleted_with_its_messages() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let group = app.group(&ann, "Alone", &[]).await;
    let id = group["id"].as_str().unwrap();
    app.send_into(&ann, id, "talking to myself").await;
    let left = app.call(&ann, "DELETE", &member_path(id, &ann), None).await;
    assert_eq!(left.status, 204);
    let db = app.infra.db().await;
    let uuid: uuid::Uuid = id.parse().unwrap();
    for table in ["conversations WHERE id", "messages WHERE conversation_id"] {
        let count: i64 = db
            .query_one(&format!("SELECT count(*) FROM {table} = $1"), &[&uuid])
            .await
            .unwrap()
            .get(0);
        assert_eq!(count, 0, "{table}");
    }
    let (status, _) = app.get(Some(&ann), &group_path(id)).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn outsiders_and_removed_members_get_404_everywhere_exactly_as_for_no_group() {
    let s = scene().await;
    let app = &s.app;
    let removed = app
        .call(&s.ann, "DELETE", &member_path(&s.id, &s.dave), None)
        .await;
    assert_eq!(removed.status, 204);
    let nowhere = shared::ids::ConversationId::new().to_string();
    for outsider in [&s.erin, &s.dave] {
        for id in [s.id.as_str(), nowhere.as_str()] {
            let calls: Vec<(&str, String, Option<Value>)> = vec![
                ("GET", group_path(id), None),
                ("PATCH", group_path(id), Some(json!({"name": "mine"}))),
                ("GET", format!("{}/messages", group_path(id)), None),
                ("GET", members_path(id), None),
                (
                    "POST",
                    members_path(id),
                    Some(json!({"userIds": [outsider.id.to_string()]})),
                ),
                ("DELETE", member_path(id, &s.carol), None),
                ("DELETE", member_path(id, outsider), None),
                (
                    "PUT",
                    role_path(id, &s.carol),
                    Some(json!({"role": "admin"})),
                ),
            ];
            for (method, path, body) in calls {
                let answer = app.call(outsider, method, &path, body).await;
                answer.assert_error(404, "not_found");
                assert_eq!(
                    answer.body,
                    json!({"error": {"code": "not_found", "message": answer.body["error"]["message"]}}),
                    "{method} {path}"
                );
            }
        }
        let (_, list) = app.get(Some(outsider), "/api/messages/conversations").await;
        assert!(
            list["conversations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["id"] != s.id.as_str()),
            "{} does not list it",
            outsider.username
        );
    }
}

#[actix_web::test]
async fn member_routes_of_a_direct_conversation_are_a_400() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    app.send(&ann, &bob, 1).await;
    let (_, list) = app.get(Some(&ann), "/api/messages/conversations").await;
    let direct = &list["conversations"][0];
    assert_eq!(direct["kind"], "direct");
    assert_eq!(direct["myRole"], Value::Null);
    assert_eq!(direct["peer"]["id"], bob.id.to_string());
    let id = direct["id"].as_str().unwrap();
    for (method, path, body) in [
        ("PATCH", group_path(id), Some(json!({"name": "x"}))),
        ("GET", members_path(id), None),
        ("POST", members_path(id), Some(json!({"userIds": []}))),
        ("DELETE", member_path(id, &bob), None),
        ("PUT", role_path(id, &bob), Some(json!({"role": "admin"}))),
    ] {
        app.call(&ann, method, &path, body)
            .await
            .assert_error(400, "invalid_field");
    }
    let (status, one) = app.get(Some(&ann), &group_path(id)).await;
    assert_eq!(status, 200);
    assert_eq!(one["conversation"]["peer"]["username"], "bob");
}

#[actix_web::test]
async fn unread_counts_are_exact_per_member_and_system_messages_never_count() {
    let s = scene().await;
    let app = &s.app;
    app.send_into(&s.ann, &s.id, "one").await;
    app.send_into(&s.bob, &s.id, "two").await;
    assert_eq!(unread(app, &s.id, &s.carol).await, Some(2));
    assert_eq!(unread(app, &s.id, &s.ann).await, Some(1));
    assert_eq!(unread(app, &s.id, &s.bob).await, Some(1));
    // A member added now has nothing unread, though the whole history is theirs to see.
    let added = app
        .call(
            &s.ann,
            "POST",
            &members_path(&s.id),
            Some(json!({"userIds": [s.erin.id.to_string()]})),
        )
        .await;
    assert_eq!(added.status, 200);
    assert_eq!(unread(app, &s.id, &s.erin).await, Some(0));
    let (status, history) = app
        .get(Some(&s.erin), &format!("{}/messages", group_path(&s.id)))
        .await;
    assert_eq!(status, 200);
    assert!(
        history["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["content"] == "one")
    );
}
