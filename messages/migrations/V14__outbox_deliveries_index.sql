-- The chat deliveries still waiting in the outbox (a group change made over HTTP, or deliveries
-- the broker did not confirm): the command writer checks for them at every commit, and sends
-- its own deliveries behind them when there are any, so a conversation's deliveries keep their
-- order. Such rows are few and short-lived; the index holds only them.
CREATE INDEX outbox_chat_deliveries ON outbox (position) WHERE exchange = 'ChatDeliveryExchange';
