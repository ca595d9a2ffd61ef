// Seeds a running stack through its public API only (sign-up over HTTP, messages over /ws/chat),
// as a user would, so the pages are audited on data that took the real paths:
//   - a viewer and SEED.users other users (the viewer's directory holds at least that many);
//   - SEED.conversations conversations of the viewer: each peer writes one message (so the list
//     shows unread badges and the bell a count), except the first, the long one, where the
//     viewer and that peer write SEED.longMessages messages between them;
//   - a group of the viewer and SEED.groupMembers of those peers, where the viewer and the first
//     of them write SEED.groupMessages messages.
// Sign-ups go out SEED.concurrency at a time, each from its own loopback address (127.0.N.M):
// the gateway rate-limits sign-up per client address, as it should for real clients.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

/** How much data the budgets are measured on (issue 20). */
export const SEED = {
  users: 1000,
  conversations: 30,
  longMessages: 2000,
  groupMembers: 10,
  groupMessages: 200,
  concurrency: 16,
  /** Unacknowledged sends per socket while filling the long conversation. */
  sendWindow: 64,
};

const PASSWORD = 'lighthouse-pw-1';
const TIMEOUT_MS = 60_000;

/** How to reach the gateway: host header, loopback target, origin, and whether to spread sources. */
export function gatewayOf(baseUrl) {
  const url = new URL(baseUrl);
  const loopback = url.hostname === 'localhost' || url.hostname.startsWith('127.');
  return {
    baseUrl: url.origin,
    host: url.host,
    hostname: loopback ? '127.0.0.1' : url.hostname,
    port: Number(url.port || 80),
    loopback,
    wsBase: url.origin.replace(/^http/, 'ws'),
  };
}

/** The i-th client address in 127.0.0.0/8 (never 127.0.0.1, which everything else uses). */
function sourceAddress(i) {
  return `127.0.${1 + Math.floor(i / 250) % 250}.${2 + (i % 250)}`;
}

/** One HTTP request to the gateway; resolves to {status, headers, body}. */
function request(gateway, method, path, { body, cookie, source } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: gateway.hostname,
        port: gateway.port,
        method,
        path,
        localAddress: gateway.loopback && source ? source : undefined,
        headers: {
          Host: gateway.host,
          Origin: gateway.baseUrl,
          Accept: 'application/json',
          ...(payload ? { 'Content-Type': 'application/json' } : {}),
          ...(cookie ? { Cookie: cookie } : {}),
        },
        timeout: TIMEOUT_MS,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The `auth` and `refresh` cookies of a response, as one Cookie header value. */
function cookiesOf(response) {
  const pairs = (response.headers['set-cookie'] ?? []).map((line) => line.split(';')[0]);
  const auth = pairs.find((pair) => pair.startsWith('auth='));
  if (!auth) throw new Error(`no auth cookie in the answer (status ${response.status})`);
  return pairs.filter((pair) => /^(auth|refresh)=/.test(pair)).join('; ');
}

/** Signs up one user, retrying the gateway's 429 and a starting service's 503. */
async function signUp(gateway, username, source) {
  for (let attempt = 1; ; attempt += 1) {
    const response = await request(gateway, 'POST', '/api/auth/signup', {
      body: { email: `${username}@example.test`, username, password: PASSWORD },
      source,
    });
    if (response.status === 201) {
      return { id: JSON.parse(response.body).user.id, username, cookie: cookiesOf(response) };
    }
    if (![429, 503].includes(response.status) || attempt >= 20) {
      throw new Error(`sign-up of ${username}: ${response.status} ${response.body}`);
    }
    await sleep(250 * Math.min(attempt, 4));
  }
}

/** Runs `work(i)` for i in 0..count, `limit` at a time; resolves to the results in order. */
async function pool(count, limit, work) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

/** An open /ws/chat socket of `user` with a queue of the frames that answer a clientMsgId. */
async function openChat(gateway, user) {
  const socket = new WebSocket(`${gateway.wsBase}/ws/chat`, {
    headers: { Cookie: user.cookie, Origin: gateway.baseUrl },
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`/ws/chat upgrade: ${res.statusCode}`)));
  });
  const waiting = new Map();
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.clientMsgId && waiting.has(frame.clientMsgId)) {
      const resolve = waiting.get(frame.clientMsgId);
      waiting.delete(frame.clientMsgId);
      resolve(frame);
    }
  });
  /** Sends once to `target` (`{to}` or `{conversationId}`); resolves to the answer (ack or error)
   *  for its clientMsgId. */
  const sendOnce = (target, content, clientMsgId) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(clientMsgId);
        reject(new Error(`no answer to a message within ${TIMEOUT_MS} ms`));
      }, TIMEOUT_MS);
      waiting.set(clientMsgId, (frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
      socket.send(JSON.stringify({ type: 'message.send', clientMsgId, ...target, content }));
    });
  /** Sends until acknowledged: `not_found` while messages has not heard of the receiver yet.
   *  `to`: a user id, or `{conversationId}` for a group. */
  const send = async (to, content) => {
    const clientMsgId = randomUUID();
    const target = typeof to === 'string' ? { to } : to;
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const answer = await sendOnce(target, content, clientMsgId);
      if (answer.type === 'message.ack') return answer.message;
      const retriable = ['not_found', 'rate_limited', 'unavailable'].includes(answer.code);
      if (!retriable || Date.now() > deadline) throw new Error(`send refused: ${JSON.stringify(answer)}`);
      await sleep(200);
    }
  };
  return { send, close: () => socket.close() };
}

/** A message text of varied length, so rows wrap to different heights as real chats do. */
function chatText(i) {
  const words = 'so the plan for tomorrow is to meet at the station and walk up the hill before lunch'.split(' ');
  const length = 3 + ((i * 7) % 23);
  return `#${i} ${Array.from({ length }, (_, k) => words[(i + k) % words.length]).join(' ')}`;
}

/** Pages through the viewer's directory until it lists every seeded user (users hears of
 *  sign-ups asynchronously). */
async function waitForDirectory(gateway, viewer, prefix, count) {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    let listed = 0;
    let cursor = null;
    do {
      const query = new URLSearchParams({ q: prefix, limit: '100', ...(cursor ? { cursor } : {}) });
      const response = await request(gateway, 'GET', `/api/users?${query}`, { cookie: viewer.cookie });
      if (response.status !== 200) throw new Error(`GET /api/users: ${response.status} ${response.body}`);
      const page = JSON.parse(response.body);
      listed += page.users.length;
      cursor = page.nextCursor;
    } while (cursor);
    if (listed >= count) return;
    if (Date.now() > deadline) throw new Error(`the directory lists ${listed} of ${count} seeded users`);
    await sleep(500);
  }
}

/**
 * What a previous `seed()` made (its seed.json), with a fresh session of the viewer: so repeated
 * bench runs audit the same data instead of adding another 1,000 users each time.
 */
export async function reuseSeed(baseUrl, seeded) {
  const gateway = gatewayOf(baseUrl);
  const response = await request(gateway, 'POST', '/api/auth/signin', {
    body: { username: seeded.viewer.username, password: PASSWORD },
  });
  if (response.status !== 200) throw new Error(`sign-in of ${seeded.viewer.username}: ${response.status} ${response.body}`);
  return { ...seeded, viewer: { ...seeded.viewer, cookie: cookiesOf(response) } };
}

/**
 * Seeds the stack at `baseUrl`; returns what the pages need: the viewer (with its cookie), the
 * long conversation's peer, and counts.
 */
export async function seed(baseUrl, log = () => {}) {
  const gateway = gatewayOf(baseUrl);
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  const prefix = `lh${tag}_`;
  const started = Date.now();
  const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

  // The viewer and its peers first; the rest of the directory signs up while they write (auth
  // and messages are busy at once instead of one after the other).
  const viewer = await signUp(gateway, `lh${tag}`, sourceAddress(0));
  const signUpAt = (i) => signUp(gateway, `${prefix}${i}`, sourceAddress(i + 1));
  const peers = await pool(SEED.conversations, SEED.concurrency, signUpAt);
  const rest = pool(SEED.users - SEED.conversations, SEED.concurrency, (i) => signUpAt(SEED.conversations + i)).then(
    () => log(`signed up ${SEED.users + 1} users in ${seconds(started)}`),
  );
  rest.catch(() => {});

  const [longPeer, ...others] = peers;
  let group = null;
  const viewerChat = await openChat(gateway, viewer);
  const longPeerChat = await openChat(gateway, longPeer);
  try {
    // One message each way first: both users are then known to messages, and the rest pipelines.
    await viewerChat.send(longPeer.id, chatText(0));
    await longPeerChat.send(viewer.id, chatText(1));
    const half = Math.floor((SEED.longMessages - 2) / 2);
    const fill = (chat, to, offset, count) =>
      pool(count, SEED.sendWindow, (i) => chat.send(to, chatText(offset + 2 * i)));
    const filling = Promise.all([
      fill(viewerChat, longPeer.id, 2, half),
      fill(longPeerChat, viewer.id, 3, SEED.longMessages - 2 - half),
    ]);
    await pool(others.length, SEED.concurrency, async (i) => {
      const chat = await openChat(gateway, others[i]);
      try {
        await chat.send(viewer.id, `Hi! ${chatText(i)}`);
      } finally {
        chat.close();
      }
    });
    await filling;

    const created = await request(gateway, 'POST', '/api/messages/conversations', {
      cookie: viewer.cookie,
      body: { name: 'Lighthouse group', memberIds: others.slice(0, SEED.groupMembers).map((u) => u.id) },
    });
    if (created.status !== 201) throw new Error(`POST /api/messages/conversations: ${created.status} ${created.body}`);
    group = JSON.parse(created.body).conversation;
    const member = await openChat(gateway, others[0]);
    try {
      const into = { conversationId: group.id };
      await pool(SEED.groupMessages, SEED.sendWindow, (i) =>
        (i % 2 === 0 ? viewerChat : member).send(into, chatText(i)),
      );
    } finally {
      member.close();
    }
  } finally {
    viewerChat.close();
    longPeerChat.close();
  }
  log(
    `wrote ${SEED.longMessages} messages to one conversation and started ${others.length} more in ` +
      `${seconds(started)}`,
  );
  await rest;

  await waitForDirectory(gateway, viewer, prefix, SEED.users);
  return {
    viewer,
    longPeer,
    group,
    users: SEED.users,
    conversations: SEED.conversations,
    longMessages: SEED.longMessages,
  };
}
