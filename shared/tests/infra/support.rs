use std::sync::{Arc, Mutex};
use std::time::Duration;

use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, UserRegistered};
use shared::ids::UserId;
use shared::testing::TestInfra;

pub const WAIT: Duration = Duration::from_secs(30);

/// A test database of `name` with one table, `things (id int PRIMARY KEY)`.
pub async fn infra_with_things(name: &str) -> TestInfra {
    let infra = TestInfra::new(name).await;
    infra
        .db()
        .await
        .batch_execute("CREATE TABLE things (id int PRIMARY KEY)")
        .await
        .unwrap();
    infra
}

/// What a handler saw, and how it should answer.
#[derive(Default)]
pub struct Recorder {
    pub seen: Mutex<Vec<Envelope<UserRegistered>>>,
    pub behaviour: Mutex<Behaviour>,
}

#[derive(Clone, Copy, Default)]
pub enum Behaviour {
    #[default]
    Succeed,
    FailTransiently,
    FailPermanently,
    Panic,
}

impl Handler<UserRegistered> for Recorder {
    async fn handle(&self, envelope: Envelope<UserRegistered>) -> Result<(), HandleError> {
        self.seen.lock().unwrap().push(envelope);
        let behaviour = *self.behaviour.lock().unwrap();
        match behaviour {
            Behaviour::Succeed => Ok(()),
            Behaviour::FailTransiently => {
                Err(HandleError::Transient(anyhow::anyhow!("database is down")))
            }
            Behaviour::FailPermanently => {
                Err(HandleError::Permanent(anyhow::anyhow!("cannot ever work")))
            }
            Behaviour::Panic => panic!("handler bug"),
        }
    }
}

impl Recorder {
    pub fn with(behaviour: Behaviour) -> Arc<Self> {
        let recorder = Self::default();
        *recorder.behaviour.lock().unwrap() = behaviour;
        Arc::new(recorder)
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    pub fn usernames(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|e| e.data.username.clone())
            .collect()
    }
}

pub fn registered(username: &str) -> Envelope<UserRegistered> {
    Envelope::new(UserRegistered {
        user_id: UserId::new(),
        username: username.to_owned(),
    })
}
