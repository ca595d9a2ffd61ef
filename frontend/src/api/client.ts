/**
 * The one way the app talks HTTP to the gateway.
 *
 * Error policy: every failure (a non-2xx answer, an unreadable body, a network error or a
 * timeout) becomes an `ApiError` carrying the contract's `{code, message, fields}`. When the
 * server did not send the contract body (an nginx 502 page, say) the client invents a code
 * (`unavailable`, `rate_limited`, `http_<status>`, `network_error`, `timeout`,
 * `invalid_response`) so callers only ever switch on `code`.
 *
 * Session policy: the `auth` cookie lives about 15 minutes. A 401 from any call that is not
 * itself part of the sign-in handshake (see `NO_REFRESH_PATHS`) makes the client
 * `POST /api/auth/refresh` once and retry the call once. Refresh tokens rotate and presenting a
 * rotated one revokes the session, so refreshes are single-flight in a tab and serialised across
 * tabs with the Web Locks API where the browser has it. When the refresh is refused, the
 * session-expired handler runs (the store uses it to sign the user out locally).
 */

/** Server-side validation messages, keyed by request field (`email`, `username`, ...). */
export type FieldErrors = Record<string, string>;

/** A plain, serialisable view of an `ApiError`, fit for Redux state and `rejectWithValue`. */
export interface ApiErrorPayload {
  /** HTTP status, or 0 when no answer arrived. */
  status: number;
  code: string;
  message: string;
  fields: FieldErrors;
  /** From `Retry-After` on a 429 or 503, when present. */
  retryAfterSeconds: number | null;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldErrors;
  readonly retryAfterSeconds: number | null;

  constructor(payload: ApiErrorPayload) {
    super(payload.message);
    this.name = 'ApiError';
    this.status = payload.status;
    this.code = payload.code;
    this.fields = payload.fields;
    this.retryAfterSeconds = payload.retryAfterSeconds;
  }

  toPayload(): ApiErrorPayload {
    return {
      status: this.status,
      code: this.code,
      message: this.message,
      fields: { ...this.fields },
      retryAfterSeconds: this.retryAfterSeconds,
    };
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** Turns anything thrown into a payload; unknown throwables become `unexpected`. */
export function toApiErrorPayload(error: unknown): ApiErrorPayload {
  if (isApiError(error)) return error.toPayload();
  return {
    status: 0,
    code: 'unexpected',
    message: error instanceof Error ? error.message : 'Something went wrong.',
    fields: {},
    retryAfterSeconds: null,
  };
}

/**
 * Calls whose 401 means "wrong credentials" or "no session", never "token expired". The
 * sign-outs and `currentuser` are deliberately not here: with a stale `auth` cookie they must
 * still reach (and revoke, or report) the session the `refresh` cookie keeps alive.
 */
const NO_REFRESH_PATHS = new Set(['/api/auth/signin', '/api/auth/signup', '/api/auth/refresh']);

const REFRESH_PATH = '/api/auth/refresh';
const REFRESH_LOCK = 'gochat-auth-refresh';

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. Omit for a bodiless request. */
  body?: unknown;
  /** Null and undefined values are left out. */
  query?: Record<string, QueryValue>;
  signal?: AbortSignal;
  /** Set to false for calls that must not trigger a silent refresh (public endpoints). */
  refreshOnUnauthorized?: boolean;
}

let onSessionExpired: (() => void) | null = null;

/** Registers what to do when a refresh is refused (the session is over). */
export function setSessionExpiredHandler(handler: (() => void) | null): void {
  onSessionExpired = handler;
}

/** Performs one API call and returns the parsed JSON body (`undefined` for a 204). */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const url = withQuery(path, options.query);
  const response = await send(url, options);

  const mayRefresh = options.refreshOnUnauthorized ?? !NO_REFRESH_PATHS.has(path);
  if (response.status !== 401 || !mayRefresh) return readBody<T>(response);

  const outcome = await refreshSession();
  if (outcome === 'refreshed') {
    // The 401 is not the answer any more; read it to the end so the browser finishes the request.
    await discardBody(response);
    const retried = await send(url, options);
    if (retried.status === 401) onSessionExpired?.();
    return readBody<T>(retried);
  }
  if (outcome === 'ended') onSessionExpired?.();
  // Either way the original 401 is the honest answer for this call.
  return readBody<T>(response);
}

export const api = {
  get: <T>(path: string, options: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    apiRequest<T>(path, { ...options, method: 'GET' }),
  post: <T>(path: string, body?: unknown, options: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    apiRequest<T>(path, { ...options, method: 'POST', body }),
};

export type RefreshOutcome = 'refreshed' | 'ended' | 'failed';

let refreshInFlight: Promise<RefreshOutcome> | null = null;

/**
 * Rotates the session cookies. `ended` means the server refused (no or revoked session);
 * `failed` means we could not tell (network, 5xx, 429) and the session may still be alive.
 */
export function refreshSession(): Promise<RefreshOutcome> {
  refreshInFlight ??= withRefreshLock(postRefresh).finally(() => {
    refreshInFlight = null;
  });
  return refreshInFlight;
}

async function postRefresh(): Promise<RefreshOutcome> {
  try {
    const response = await fetch(REFRESH_PATH, {
      method: 'POST',
      credentials: 'include',
      headers: { Accept: 'application/json' },
    });
    // The cookies are the answer; the body is read only so the browser can finish the request
    // (an unread body keeps it open, and tools that wait for the network to go quiet wait).
    await discardBody(response);
    if (response.ok) return 'refreshed';
    return response.status === 401 || response.status === 403 ? 'ended' : 'failed';
  } catch {
    return 'failed';
  }
}

async function withRefreshLock(task: () => Promise<RefreshOutcome>): Promise<RefreshOutcome> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return task();
  // The lock is held until `task` settles; the next tab then refreshes with the new cookie.
  return await locks.request(REFRESH_LOCK, task);
}

/** Reads a body nobody needs; a failure to read it changes nothing. */
async function discardBody(response: Response): Promise<void> {
  try {
    await response.arrayBuffer();
  } catch {
    // The answer was already complete enough: status and cookies are what counted.
  }
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined) params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function send(url: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  try {
    return await fetch(url, {
      method: options.method ?? 'GET',
      headers,
      body,
      credentials: 'include',
      signal: options.signal,
    });
  } catch (error) {
    throw transportError(error);
  }
}

function transportError(error: unknown): ApiError {
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  if (name === 'TimeoutError') {
    return localError('timeout', 'The server took too long to answer.');
  }
  if (name === 'AbortError') {
    return localError('aborted', 'The request was cancelled.');
  }
  return localError('network_error', 'Could not reach the server. Check your connection and try again.');
}

function localError(code: string, message: string): ApiError {
  return new ApiError({ status: 0, code, message, fields: {}, retryAfterSeconds: null });
}

async function readBody<T>(response: Response): Promise<T> {
  if (response.status === 204 || response.status === 205) return undefined as T;

  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw transportError(error);
  }

  let data: unknown = undefined;
  let parsed = text.length === 0;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
      parsed = true;
    } catch {
      parsed = false;
    }
  }

  if (response.ok) {
    if (!parsed) {
      throw new ApiError({
        status: response.status,
        code: 'invalid_response',
        message: 'The server sent an unexpected response.',
        fields: {},
        retryAfterSeconds: null,
      });
    }
    return data as T;
  }
  throw errorFromResponse(response, data);
}

function errorFromResponse(response: Response, data: unknown): ApiError {
  const retryAfterSeconds = parseRetryAfter(response.headers.get('Retry-After'));
  const body = readContractError(data);
  if (body) return new ApiError({ status: response.status, retryAfterSeconds, ...body });
  return new ApiError({
    status: response.status,
    retryAfterSeconds,
    fields: {},
    ...fallbackError(response.status),
  });
}

/** Reads `{error: {code, message, fields?}}`; anything else is not the contract body. */
function readContractError(
  data: unknown,
): { code: string; message: string; fields: FieldErrors } | null {
  if (!isRecord(data) || !isRecord(data.error)) return null;
  const { code, message, fields } = data.error;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return { code, message, fields: normaliseFields(fields) };
}

/** Accepts `{field: "msg"}` and, defensively, `{field: ["msg", ...]}`. */
function normaliseFields(fields: unknown): FieldErrors {
  const result: FieldErrors = {};
  if (!isRecord(fields)) return result;
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') result[key] = value;
    else if (Array.isArray(value)) {
      const messages = value.filter((item): item is string => typeof item === 'string');
      if (messages.length > 0) result[key] = messages.join(' ');
    }
  }
  return result;
}

function fallbackError(status: number): { code: string; message: string } {
  if (status === 429) return { code: 'rate_limited', message: 'Too many requests. Please wait a moment.' };
  if (status === 502 || status === 503 || status === 504) {
    return { code: 'unavailable', message: 'The service is temporarily unavailable. Please try again shortly.' };
  }
  if (status === 401) return { code: 'unauthorized', message: 'You are not signed in.' };
  if (status === 404) return { code: 'not_found', message: 'Not found.' };
  return { code: `http_${status}`, message: `The request failed (HTTP ${status}).` };
}

function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
