import { describe, expect, it } from 'vitest';
import { ACK_TIMEOUT_MS, Outbox } from './Outbox';

const msg = (id: string) => ({ clientMsgId: id, to: 'bob', content: `text ${id}` });
const ids = (list: { clientMsgId: string }[]) => list.map((m) => m.clientMsgId);

describe('Outbox', () => {
  it('hands out every unacked send, in order, once per connection', () => {
    const outbox = new Outbox();
    outbox.add(msg('a'));
    outbox.add(msg('b'));
    expect(ids(outbox.takeDue(0))).toEqual(['a', 'b']);
    expect(outbox.takeDue(1)).toEqual([]);
  });

  it('sends everything again after a reconnect, until acked', () => {
    const outbox = new Outbox();
    outbox.add(msg('a'));
    outbox.add(msg('b'));
    outbox.takeDue(0);
    outbox.acknowledge('a');
    outbox.resetForNewConnection();
    expect(ids(outbox.takeDue(10))).toEqual(['b']);
    outbox.acknowledge('b');
    outbox.resetForNewConnection();
    expect(outbox.takeDue(20)).toEqual([]);
    expect(outbox.size).toBe(0);
  });

  it('sends again on the same connection when no ack came in time', () => {
    const outbox = new Outbox();
    outbox.add(msg('a'));
    outbox.takeDue(0);
    expect(outbox.nextDueAt()).toBe(ACK_TIMEOUT_MS);
    expect(outbox.takeDue(ACK_TIMEOUT_MS - 1)).toEqual([]);
    expect(ids(outbox.takeDue(ACK_TIMEOUT_MS))).toEqual(['a']);
  });

  it('defers a send the server could not take, with a growing pause', () => {
    const outbox = new Outbox();
    outbox.add(msg('a'));
    outbox.takeDue(0);
    expect(outbox.defer('a', 100)).toBe(1_000);
    expect(outbox.takeDue(1_099)).toEqual([]);
    expect(ids(outbox.takeDue(1_100))).toEqual(['a']);
    expect(outbox.defer('a', 2_000)).toBe(2_000);
    expect(outbox.nextDueAt()).toBe(4_000);
    expect(outbox.defer('missing', 0)).toBeNull();
  });

  it('keeps the original position when a failed send is retried', () => {
    const outbox = new Outbox();
    outbox.add(msg('a'));
    outbox.add(msg('b'));
    outbox.takeDue(0);
    outbox.add(msg('a'));
    expect(ids(outbox.takeDue(1))).toEqual(['a']);
  });

  it('forgets dropped and cleared sends', () => {
    const outbox = new Outbox();
    outbox.add(msg('a'));
    outbox.add(msg('b'));
    expect(outbox.drop('a')).toBe(true);
    expect(outbox.has('a')).toBe(false);
    outbox.clear();
    expect(outbox.size).toBe(0);
    expect(outbox.nextDueAt()).toBeNull();
  });
});
