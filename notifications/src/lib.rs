//! notifications: the notifications WebSocket, stored notifications, Web Push and mutes.
//!
//! Owns: a notification per received message (`notifications`), the usernames that label
//! their senders (`users`), how far each reader has read each conversation
//! (`read_watermarks`), browsers' push subscriptions and how each push ended
//! (`push_subscriptions`, `push_deliveries`, `ended_sessions`), muted conversations (`mutes`)
//! and the outbox of push jobs.
//!
//! Consumes, on durable queues `notifications.<routing key>`: `message.sent` (stores one
//! notification for the receiver, idempotently, pushes it live and queues its Web Push, neither
//! for a muted conversation), `message.read` (marks the reader's notifications of that
//! conversation read up to the seq, including ones whose `message.sent` arrives later),
//! `user.registered` (records the username) and `user.signed.out` (deletes the ended session's
//! push subscriptions); and its own `notifications.push` (see [`push`]). On this node's
//! own inbox: `user.online` / `user.offline` / `user.registered` (fanned out as `presence` and
//! `user.registered` frames), `user.signed.out` (closes that session's sockets with 4001) and
//! `notification.created` (its own live deliveries).
//!
//! Publishes: `user.online` / `user.offline` (presence, through `shared::socket::Presence`) and,
//! on its internal `NotificationsDeliveryExchange`, one `notification.created` per new
//! notification, routed by the owner's id to the nodes that hold the owner's sockets (see
//! [`live`]).
//!
//! Serves `/ws/notifications` (`presence`, `user.registered` and `notification` frames; `ping`),
//! `GET /api/notifications` (keyset-paginated, newest first, with the unread count of unmuted
//! conversations), `POST /api/notifications/read` (`{ids}` or `{all: true}`, only the caller's
//! own), the push key and subscriptions (`/api/notifications/push/...`) and mutes
//! (`/api/notifications/mutes`). Sends Web Push requests to the browsers' push services.
//!
//! A sender whose `user.registered` has not arrived yet is stored without a username; it is
//! filled in when that event arrives, and read as `""` until then.
//!
//! Layout:
//! - [`startup`]: `Application::build` (infrastructure, sockets, inbox, consumers, HTTP);
//!   [`config`]; [`state`]: what the routes share.
//! - [`domain`]: the notification, its preview, the list query, its cursor, the mark-read,
//!   subscription and mute bodies, and push endpoints (the SSRF policy's URL half); pure and
//!   unit-tested.
//! - [`repository`]: all SQL, over any `GenericClient`.
//! - [`live`]: the delivery exchange, its publisher and the per-user bindings of this node.
//! - [`push`]: Web Push: settings, VAPID, payload, the SSRF checks, the client, the worker.
//! - [`routes`]: one file per endpoint; [`protocol`]: what the socket accepts and how opening
//!   and closing drive live delivery; [`frames`]: what it sends.
//! - [`consumers`]: one file per event, durable ones and node-inbox ones.
//! - [`error`]: the one error type and its mapping to HTTP answers and to retry/dead-letter.
//! - [`migrations`]: the embedded schema (`migrations/V*.sql`).

pub mod config;
pub mod consumers;
pub mod domain;
pub mod error;
pub mod frames;
pub mod live;
pub mod migrations;
pub mod protocol;
pub mod push;
pub mod repository;
pub mod routes;
pub mod startup;
pub mod state;
