-- Events already applied, by envelope id: consumers insert here in the same transaction as
-- their effect, so a redelivered event changes nothing the second time.
CREATE TABLE processed_events (
    event_id     uuid PRIMARY KEY,
    processed_at timestamptz NOT NULL DEFAULT now()
);
