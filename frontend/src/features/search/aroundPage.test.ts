import { describe, expect, it } from 'vitest';
import { message } from '../../test/chatFixtures';
import { advanceSyncedSeq, emptyThread, insertMessage, type Thread } from '../messages/thread';
import { holdAroundPage } from './aroundPage';
import type { AroundPage } from './types';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const page = (seqs: number[], hasMoreBefore: boolean, hasMoreAfter: boolean): AroundPage => ({
  messages: seqs.map((seq) => message(seq)),
  hasMore: hasMoreBefore,
  hasMoreBefore,
  hasMoreAfter,
});

function readyThread(seqs: number[], hasOlder: boolean): Thread {
  const thread = emptyThread('bob');
  for (const seq of seqs) insertMessage(thread, message(seq));
  thread.syncedSeq = (seqs[0] ?? 1) - 1;
  advanceSyncedSeq(thread);
  thread.status = 'ready';
  thread.hasOlder = hasOlder;
  return thread;
}

const held = (thread: Thread) => thread.ids.map((id) => thread.byId[id]?.seq);

describe('holding a page around a message', () => {
  it('replaces an unloaded thread with the page and asks for the newer messages', () => {
    const thread = emptyThread('bob');
    thread.status = 'loading';
    expect(holdAroundPage(thread, page(range(40, 59), true, true))).toBe(true);
    expect(held(thread)).toEqual(range(40, 59));
    expect(thread.syncedSeq).toBe(59);
    expect(thread.gapDetected).toBe(false);
    expect(thread.hasOlder).toBe(true);
    expect(thread.status).toBe('ready');
  });

  it('extends the held window backwards when the page reaches it', () => {
    const thread = readyThread(range(51, 100), true);
    expect(holdAroundPage(thread, page(range(26, 51), true, true))).toBe(false);
    expect(held(thread)).toEqual(range(26, 100));
    expect(thread.syncedSeq).toBe(100);
    expect(thread.hasOlder).toBe(true);
  });

  it('replaces the window when a hole would lie between the page and what is held', () => {
    const thread = readyThread(range(51, 100), true);
    expect(holdAroundPage(thread, page(range(1, 10), false, true))).toBe(true);
    expect(held(thread)).toEqual(range(1, 10));
    expect(thread.syncedSeq).toBe(10);
    expect(thread.hasOlder).toBe(false);
  });

  it('leaves the thread alone for an empty page', () => {
    const thread = readyThread(range(1, 3), false);
    expect(holdAroundPage(thread, page([], false, false))).toBe(false);
    expect(held(thread)).toEqual([1, 2, 3]);
  });
});
