import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeLifecycle, FakeWebSocket } from '../../test/fakeWebSocket';
import {
  DEAD_SOCKET_CLOSE_CODE,
  PING_INTERVAL_MS,
  PONG_TIMEOUT_MS,
  ReconnectingSocket,
  type RefreshOutcome,
  type SessionCheck,
  type SocketStatus,
} from './ReconnectingSocket';

interface Harness {
  socket: ReconnectingSocket;
  events: FakeLifecycle;
  frames: Record<string, unknown>[];
  opens: boolean[];
  statuses: SocketStatus[];
  refresh: ReturnType<typeof vi.fn<() => Promise<RefreshOutcome>>>;
  checkSession: ReturnType<typeof vi.fn<() => Promise<SessionCheck>>>;
  sessionEnded: ReturnType<typeof vi.fn<() => void>>;
}

function harness(
  refreshOutcome: RefreshOutcome = 'refreshed',
  sessionCheck: SessionCheck = 'valid',
): Harness {
  const events = new FakeLifecycle();
  const frames: Record<string, unknown>[] = [];
  const opens: boolean[] = [];
  const statuses: SocketStatus[] = [];
  const refresh = vi.fn(async () => refreshOutcome);
  const checkSession = vi.fn(async () => sessionCheck);
  const sessionEnded = vi.fn();
  const socket = new ReconnectingSocket({
    url: 'ws://gochat.test/ws/chat',
    createSocket: FakeWebSocket.factory,
    events,
    random: () => 1, // the upper end of each backoff step: 500, 1000, 2000, ...
    refresh,
    checkSession,
    onFrame: (frame) => frames.push(frame),
    onOpen: ({ reconnected }) => opens.push(reconnected),
    onStatus: (status) => statuses.push(status),
    onSessionEnded: sessionEnded,
  });
  return { socket, events, frames, opens, statuses, refresh, checkSession, sessionEnded };
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('connecting', () => {
  it('opens one socket to the URL and passes frames on, except pongs', () => {
    const h = harness();
    h.socket.start();
    h.socket.start();
    expect(FakeWebSocket.instances).toHaveLength(1);
    const ws = FakeWebSocket.latest();
    expect(ws.url).toBe('ws://gochat.test/ws/chat');
    ws.open();
    ws.receive({ type: 'pong' });
    ws.receive({ type: 'message.new', message: {} });
    expect(h.frames).toEqual([{ type: 'message.new', message: {} }]);
    expect(h.opens).toEqual([false]);
    expect(h.socket.currentStatus).toBe('open');
  });

  it('ignores frames that are not JSON objects', () => {
    const h = harness();
    h.socket.start();
    const ws = FakeWebSocket.latest();
    ws.open();
    ws.onmessage?.(new MessageEvent('message', { data: 'not json' }));
    ws.onmessage?.(new MessageEvent('message', { data: '[1,2]' }));
    expect(h.frames).toEqual([]);
  });
});

describe('reconnecting', () => {
  it('reconnects with exponential backoff after a drop, and resets it after an open', async () => {
    const h = harness();
    h.socket.start();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().serverClose(1006);
    expect(h.socket.currentStatus).toBe('reconnecting');

    await vi.advanceTimersByTimeAsync(499);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.instances).toHaveLength(2);

    // Fails to connect twice more: 1 s, then 2 s.
    FakeWebSocket.latest().failToConnect();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(FakeWebSocket.instances).toHaveLength(3);
    FakeWebSocket.latest().failToConnect();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(FakeWebSocket.instances).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.instances).toHaveLength(4);

    FakeWebSocket.latest().open();
    expect(h.opens).toEqual([false, true]);
    FakeWebSocket.latest().serverClose(1001);
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeWebSocket.instances).toHaveLength(5);
  });

  it('never waits more than about ten seconds between attempts', async () => {
    const h = harness();
    h.socket.start();
    for (let i = 0; i < 12; i += 1) {
      FakeWebSocket.latest().failToConnect();
      await vi.advanceTimersByTimeAsync(10_000);
    }
    expect(FakeWebSocket.instances).toHaveLength(13);
    h.socket.stop();
  });

  it('checks the session when a socket never opened (the upgrade may have been a 401)', async () => {
    const h = harness();
    h.socket.start();
    FakeWebSocket.latest().failToConnect();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.checkSession).toHaveBeenCalledOnce();
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('ends the session when that check says it is over', async () => {
    const h = harness('refreshed', 'ended');
    h.socket.start();
    FakeWebSocket.latest().failToConnect();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(h.sessionEnded).toHaveBeenCalledOnce();
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('stops for good: no reconnect, no listeners, the socket closed', async () => {
    const h = harness();
    h.socket.start();
    const ws = FakeWebSocket.latest();
    ws.open();
    h.socket.stop();
    expect(ws.closedWith).toBe(1000);
    expect(h.events.listenerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(h.socket.currentStatus).toBe('stopped');
  });
});

describe('close 4001 (session ended or token expired)', () => {
  it('refreshes the session, then reconnects at once', async () => {
    const h = harness('refreshed');
    h.socket.start();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().serverClose(4001);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.refresh).toHaveBeenCalledOnce();
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(h.sessionEnded).not.toHaveBeenCalled();
  });

  it('treats a refused refresh as signed out and stays down', async () => {
    const h = harness('ended');
    h.socket.start();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().serverClose(4001);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(h.sessionEnded).toHaveBeenCalledOnce();
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('backs off when the refresh could not be attempted (network, 5xx)', async () => {
    const h = harness('failed');
    h.socket.start();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().serverClose(4001);
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(h.sessionEnded).not.toHaveBeenCalled();
  });

  it('ignores a refresh that finishes after stop()', async () => {
    let finish: (outcome: RefreshOutcome) => void = () => {};
    const h = harness();
    h.refresh.mockImplementation(() => new Promise((resolve) => (finish = resolve)));
    h.socket.start();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().serverClose(4001);
    h.socket.stop();
    finish('refreshed');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});

describe('dead sockets', () => {
  it('pings every 25 s and replaces a socket that does not answer within 10 s', async () => {
    const h = harness();
    h.socket.start();
    const ws = FakeWebSocket.latest();
    ws.open();
    await vi.advanceTimersByTimeAsync(PING_INTERVAL_MS);
    expect(ws.sentOfType('ping')).toHaveLength(1);
    ws.receive({ type: 'pong' });
    await vi.advanceTimersByTimeAsync(PING_INTERVAL_MS);
    expect(ws.sentOfType('ping')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(PONG_TIMEOUT_MS);
    expect(ws.closedWith).toBe(DEAD_SOCKET_CLOSE_CODE);
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(h.statuses).toContain('reconnecting');
  });

  it('drops the socket when the browser goes offline and reconnects at once when back online', async () => {
    const h = harness();
    h.socket.start();
    const ws = FakeWebSocket.latest();
    ws.open();
    h.events.fire('offline');
    expect(ws.closedWith).toBe(DEAD_SOCKET_CLOSE_CODE);
    expect(h.socket.isOpen).toBe(false);
    h.events.fire('online');
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.latest().open();
    expect(h.opens).toEqual([false, true]);
  });

  it('re-pings an open socket when the page becomes visible again (after sleep)', async () => {
    const h = harness();
    h.socket.start();
    const ws = FakeWebSocket.latest();
    ws.open();
    h.events.visible = false;
    h.events.fire('visibilitychange');
    expect(ws.sentOfType('ping')).toHaveLength(0);
    h.events.visible = true;
    h.events.fire('visibilitychange');
    expect(ws.sentOfType('ping')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(PONG_TIMEOUT_MS);
    expect(ws.closedWith).toBe(DEAD_SOCKET_CLOSE_CODE);
  });

  it('reconnects at once when the page becomes visible while waiting for a backoff', async () => {
    const h = harness();
    h.socket.start();
    FakeWebSocket.latest().open();
    for (let i = 0; i < 4; i += 1) {
      FakeWebSocket.latest().serverClose(1006);
      await vi.advanceTimersByTimeAsync(10_000);
    }
    const before = FakeWebSocket.instances.length;
    FakeWebSocket.latest().failToConnect();
    await vi.advanceTimersByTimeAsync(0);
    h.events.fire('visibilitychange');
    expect(FakeWebSocket.instances).toHaveLength(before + 1);
  });
});
