/**
 * One WebSocket that stays connected while the user is signed in. Both app sockets
 * (`/ws/chat`, `/ws/notifications`) use it; it knows nothing about their frames beyond `ping`
 * and `pong`.
 *
 * Lifecycle policy:
 * - Any close other than the ones below: reconnect after `reconnectDelay` (exponential, jittered,
 *   capped at about 10 s). A successful open resets the backoff.
 * - Close 4001 (session ended or access token expired): one silent `POST /api/auth/refresh`
 *   (the app's single-flight refresh); reconnect at once if it worked, report the session as
 *   ended if it was refused, back off if it could not be attempted.
 * - A socket that never opened may have been refused with HTTP 401 (the browser hides the
 *   status): ask `checkSession` (an authenticated GET, which refreshes on 401) before retrying.
 * - Dead sockets: a `ping` every 25 s; if nothing arrives within 10 s of a ping the socket is
 *   dropped and replaced. The browser's `offline` event drops it at once; `online` and the page
 *   becoming visible again reconnect at once (or re-ping an open socket, which may have died
 *   while the machine slept).
 */
import { reconnectDelay } from './backoff';

export const PING_INTERVAL_MS = 25_000;
export const PONG_TIMEOUT_MS = 10_000;
/** Close code the server uses when the session ended or the token expired. */
export const SESSION_ENDED_CLOSE_CODE = 4001;
/** Close code this client uses when it gives up on a silent socket. */
export const DEAD_SOCKET_CLOSE_CODE = 4000;

export type SocketStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'offline' | 'stopped';

export type RefreshOutcome = 'refreshed' | 'ended' | 'failed';
export type SessionCheck = 'valid' | 'ended' | 'unknown';

/** The part of the WebSocket API used here, so tests can pass a fake. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

/** Where `online`/`offline`/`visibilitychange` come from (window and document by default). */
export interface LifecycleEvents {
  addEventListener(type: 'online' | 'offline' | 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline' | 'visibilitychange', listener: () => void): void;
  isVisible(): boolean;
}

export interface ReconnectingSocketOptions {
  /** Absolute ws:// or wss:// URL. */
  url: string;
  /** A decoded JSON object frame that is not a `pong`. */
  onFrame: (frame: Record<string, unknown>) => void;
  /** Every successful open; `reconnected` is false for the first one. */
  onOpen?: (info: { reconnected: boolean }) => void;
  onStatus?: (status: SocketStatus) => void;
  /** The server ended the session and a refresh could not revive it. */
  onSessionEnded: () => void;
  /** Rotates the session cookies (the app's single-flight refresh). */
  refresh: () => Promise<RefreshOutcome>;
  /** Tells whether the session is still good, refreshing it if needed. */
  checkSession: () => Promise<SessionCheck>;
  createSocket?: WebSocketFactory;
  events?: LifecycleEvents;
  random?: () => number;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
}

const OPEN = 1;

export function browserLifecycleEvents(): LifecycleEvents {
  return {
    addEventListener: (type, listener) =>
      (type === 'visibilitychange' ? document : window).addEventListener(type, listener),
    removeEventListener: (type, listener) =>
      (type === 'visibilitychange' ? document : window).removeEventListener(type, listener),
    isVisible: () => document.visibilityState !== 'hidden',
  };
}

/** `ws://host/path` or `wss://host/path` for the page's own origin. */
export function sameOriginSocketUrl(path: string): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}${path}`;
}

export class ReconnectingSocket {
  private readonly options: ReconnectingSocketOptions;
  private readonly createSocket: WebSocketFactory;
  private readonly events: LifecycleEvents;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;

  /** The current socket; handlers of replaced sockets check against it and do nothing. */
  private socket: WebSocketLike | null = null;
  /** Whether the current socket reached `open` (a close before that may be an HTTP 401). */
  private socketOpened = false;
  private running = false;
  private everOpened = false;
  /** Consecutive failed attempts, for the backoff. */
  private attempt = 0;
  private status: SocketStatus = 'idle';
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped by every connect, start and stop, so late async results (refresh, session check)
   *  that belong to an earlier socket are ignored. */
  private generation = 0;

  constructor(options: ReconnectingSocketOptions) {
    this.options = options;
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url));
    this.events = options.events ?? browserLifecycleEvents();
    this.pingIntervalMs = options.pingIntervalMs ?? PING_INTERVAL_MS;
    this.pongTimeoutMs = options.pongTimeoutMs ?? PONG_TIMEOUT_MS;
  }

  get currentStatus(): SocketStatus {
    return this.status;
  }

  get isOpen(): boolean {
    return this.socket !== null && this.socketOpened && this.socket.readyState === OPEN;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.everOpened = false;
    this.attempt = 0;
    this.generation += 1;
    this.events.addEventListener('online', this.handleOnline);
    this.events.addEventListener('offline', this.handleOffline);
    this.events.addEventListener('visibilitychange', this.handleVisibility);
    this.connect();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation += 1;
    this.events.removeEventListener('online', this.handleOnline);
    this.events.removeEventListener('offline', this.handleOffline);
    this.events.removeEventListener('visibilitychange', this.handleVisibility);
    this.clearReconnect();
    this.discardSocket(1000, 'signed out');
    this.setStatus('stopped');
  }

  /** Sends a frame if the socket is open; returns whether it was handed to the socket. */
  send(frame: Record<string, unknown>): boolean {
    if (!this.isOpen || !this.socket) return false;
    try {
      this.socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  private connect(): void {
    this.generation += 1;
    this.clearReconnect();
    this.discardSocket(1000, 'replaced');
    this.setStatus(this.everOpened ? 'reconnecting' : 'connecting');
    let socket: WebSocketLike;
    try {
      socket = this.createSocket(this.options.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.socketOpened = false;
    socket.onopen = () => {
      if (socket !== this.socket) return;
      this.socketOpened = true;
      this.attempt = 0;
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.startHeartbeat();
      this.setStatus('open');
      this.options.onOpen?.({ reconnected });
    };
    socket.onmessage = (event) => {
      if (socket !== this.socket) return;
      // Any frame proves the connection is alive.
      this.clearPongTimer();
      const frame = decode(event.data);
      if (!frame || frame.type === 'pong') return;
      this.options.onFrame(frame);
    };
    socket.onerror = () => {
      // A close event always follows; that is where the decision is made.
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      const opened = this.socketOpened;
      this.detach(socket);
      this.afterClose(event.code, opened);
    };
  }

  private afterClose(code: number, opened: boolean): void {
    if (!this.running) return;
    const generation = this.generation;
    if (code === SESSION_ENDED_CLOSE_CODE) {
      this.setStatus('reconnecting');
      void this.options.refresh().then((outcome) => {
        if (generation !== this.generation || !this.running) return;
        if (outcome === 'refreshed') this.connect();
        else if (outcome === 'ended') this.options.onSessionEnded();
        else this.scheduleReconnect();
      });
      return;
    }
    if (!opened) {
      // The upgrade failed: the network, the server, or a 401 the browser does not show us.
      this.setStatus(this.everOpened ? 'reconnecting' : 'connecting');
      void this.options.checkSession().then((check) => {
        if (generation !== this.generation || !this.running) return;
        if (check === 'ended') this.options.onSessionEnded();
        else this.scheduleReconnect();
      });
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    this.clearReconnect();
    const delay = reconnectDelay(this.attempt, this.options.random);
    this.attempt += 1;
    this.setStatus(isBrowserOffline() ? 'offline' : 'reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private readonly handleOnline = () => {
    if (!this.running) return;
    if (this.isOpen) {
      this.pingNow();
      return;
    }
    // Waiting for a backoff, or an attempt that may have started while the network was gone:
    // either way a fresh attempt now is the quickest way back.
    this.attempt = 0;
    this.connect();
  };

  private readonly handleOffline = () => {
    if (!this.running || this.socket === null) return;
    // The socket may look open for minutes; it is not going to deliver anything.
    const opened = this.socketOpened;
    this.discardSocket(DEAD_SOCKET_CLOSE_CODE, 'offline');
    this.afterClose(DEAD_SOCKET_CLOSE_CODE, opened);
  };

  private readonly handleVisibility = () => {
    if (!this.running || !this.events.isVisible()) return;
    this.handleOnline();
  };

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => this.pingNow(), this.pingIntervalMs);
  }

  /** Sends a ping and gives the server `pongTimeoutMs` to show it is still there. */
  private pingNow(): void {
    if (!this.send({ type: 'ping' })) return;
    if (this.pongTimer !== null) return;
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      if (!this.running || this.socket === null) return;
      this.discardSocket(DEAD_SOCKET_CLOSE_CODE, 'no pong');
      this.afterClose(DEAD_SOCKET_CLOSE_CODE, true);
    }, this.pongTimeoutMs);
  }

  private clearPongTimer(): void {
    if (this.pongTimer !== null) clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  private stopHeartbeat(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.clearPongTimer();
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  /** Forgets the current socket at once: its late events are ignored. */
  private discardSocket(code: number, reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.detach(socket);
    try {
      socket.close(code, reason);
    } catch {
      // Already closed, or the browser refused the code; either way it is gone for us.
    }
  }

  private detach(socket: WebSocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onerror = null;
    socket.onclose = null;
    if (socket === this.socket) {
      this.socket = null;
      this.socketOpened = false;
    }
    this.stopHeartbeat();
  }

  private setStatus(status: SocketStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.options.onStatus?.(status);
  }
}

function decode(data: unknown): Record<string, unknown> | null {
  if (typeof data !== 'string') return null;
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function isBrowserOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}
