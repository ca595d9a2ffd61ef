import { vi } from 'vitest';

/** One call as the fake `fetch` saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  search: URLSearchParams;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
  headers: Record<string, string>;
  credentials: RequestCredentials | undefined;
}

export type FetchHandler = (request: RecordedRequest) => Response | Promise<Response>;

/** Replaces the global `fetch` for one test (vitest's `unstubGlobals` restores it). */
export function mockFetch(handler: FetchHandler) {
  const calls: RecordedRequest[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://gochat.test');
    const request: RecordedRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      search: url.searchParams,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      headers: { ...(init?.headers as Record<string, string> | undefined) },
      credentials: init?.credentials,
    };
    calls.push(request);
    return handler(request);
  });
  vi.stubGlobal('fetch', fn);
  return { fn, calls, paths: () => calls.map((call) => `${call.method} ${call.path}`) };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** A contract error body: `{error: {code, message, fields?}}`. */
export function apiError(
  status: number,
  code: string,
  message: string,
  fields?: Record<string, string>,
  headers: Record<string, string> = {},
): Response {
  return json(status, { error: { code, message, ...(fields ? { fields } : {}) } }, headers);
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

export const aliceUser = {
  id: '6f1c1b7e-0b1a-4c55-9a57-1f0b5e1c0001',
  email: 'alice@example.com',
  username: 'alice',
  createdAt: '2025-01-01T00:00:00Z',
};
