import type { LifecycleEvents, WebSocketLike } from '../features/realtime/ReconnectingSocket';

/**
 * A WebSocket double the test drives by hand: `open()`, `receive(frame)`, `serverClose(code)`.
 * Every instance a factory made is kept in `FakeWebSocket.instances`, newest last.
 */
export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  static latest(): FakeWebSocket {
    const socket = FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
    if (!socket) throw new Error('no socket was created');
    return socket;
  }

  static factory = (url: string): FakeWebSocket => {
    const socket = new FakeWebSocket(url);
    FakeWebSocket.instances.push(socket);
    return socket;
  };

  readonly url: string;
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  /** Frames the client sent, parsed. */
  readonly sent: Record<string, unknown>[] = [];
  /** The code the client closed with, if it did. */
  closedWith: number | null = null;

  constructor(url: string) {
    this.url = url;
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  /** The frames of one `type` the client sent. */
  sentOfType(type: string): Record<string, unknown>[] {
    return this.sent.filter((frame) => frame.type === type);
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  receive(frame: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(frame) }));
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code, reason }));
  }

  /** The upgrade failed (for example an HTTP 401): close without ever opening. */
  failToConnect(): void {
    this.readyState = 3;
    this.onerror?.(new Event('error'));
    this.onclose?.(new CloseEvent('close', { code: 1006 }));
  }
}

/** `online`/`offline`/`visibilitychange` the test fires itself. */
export class FakeLifecycle implements LifecycleEvents {
  visible = true;
  private readonly listeners = new Map<string, Set<() => void>>();

  addEventListener(type: string, listener: () => void): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)?.add(listener);
  }

  removeEventListener(type: string, listener: () => void): void {
    this.listeners.get(type)?.delete(listener);
  }

  isVisible(): boolean {
    return this.visible;
  }

  fire(type: 'online' | 'offline' | 'visibilitychange'): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) listener();
  }

  listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }
}
