import * as net from 'node:net';
import { expect, test } from '@playwright/test';

const SERVICES = ['auth', 'users', 'messages', 'notifications'] as const;

/** How long the backend may take to come up; the status page re-checks every 5 s. */
const SERVICES_UP_TIMEOUT_MS = 45_000;

test('every service answers its version route through the gateway', async ({ page }) => {
  await page.goto('/status');
  await expect(page.getByRole('heading', { name: 'System status' })).toBeVisible();

  // One shared deadline: the four services may come up in any order.
  await Promise.all(
    SERVICES.map((service) =>
      expect(
        page.getByTestId(`service-${service}`),
        `${service} should answer /api/${service}/version through the gateway`,
      ).toHaveAttribute('data-status', 'reachable', { timeout: SERVICES_UP_TIMEOUT_MS }),
    ),
  );
  for (const service of SERVICES) {
    await expect(page.getByTestId(`service-${service}`).getByText('Reachable')).toBeVisible();
  }
  await expect(page.getByText('4 of 4 services answer through the gateway.')).toBeVisible();
});

test('the sign-in form is served', async ({ page }) => {
  await page.goto('/signin');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Email or username')).toBeEditable();
  await expect(page.getByLabel('Password', { exact: true })).toBeEditable();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  await expect(page.getByRole('link', { name: 'Create an account' })).toHaveAttribute('href', '/signup');
});

/** An answer read off a raw socket. */
interface RawAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Sends `request` as raw bytes to the gateway and reads the answer until the server closes (every
 * request here says `Connection: close`): requests no browser or HTTP client would send.
 */
async function rawRequest(baseURL: string, request: Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseURL);
  const answer = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Written without ending our side: nginx takes a half-closed connection for an aborted request.
    const socket = net.connect({ host: hostname, port: Number(port || 80) }, () => socket.write(request));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
  const text = answer.toString('latin1');
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  const contentType = /^content-type: *(.*)$/im.exec(head)?.[1]?.trim() ?? '';
  return { status, contentType, body };
}

/** A request: its line, then `Host` and `Connection: close`, then `more` header lines and `body`. */
function raw(line: string, more: string[] = [], body = ''): Buffer {
  const head = [line, 'Host: gateway', 'Connection: close', ...more].join('\r\n');
  return Buffer.from(`${head}\r\n\r\n${body}`, 'latin1');
}

test('malformed requests get the contract error body from the gateway, never an empty or HTML one', async ({
  baseURL,
}) => {
  const big = 'a'.repeat(9000);
  const junk = Array.from({ length: 200 }, (_, i) => `X-Junk-${i}: v`);
  const cases: { name: string; request: Buffer; status: number; code: string }[] = [
    { name: '%00 in the path', request: raw('GET /api/users/a%00b HTTP/1.1'), status: 400, code: 'bad_request' },
    {
      name: 'a 9 KB header',
      request: raw('GET /api/auth/currentuser HTTP/1.1', [`X-Big: ${big}`]),
      status: 431,
      code: 'headers_too_large',
    },
    {
      name: 'Content-Length with Transfer-Encoding',
      request: raw('POST /api/auth/refresh HTTP/1.1', ['Content-Length: 5', 'Transfer-Encoding: chunked'], '0\r\n\r\n'),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'Transfer-Encoding: chunked, identity',
      request: raw('POST /api/auth/refresh HTTP/1.1', ['Transfer-Encoding: chunked, identity'], '0\r\n\r\n'),
      status: 501,
      code: 'not_implemented',
    },
    {
      name: 'a body over 64 KiB',
      request: raw(
        'POST /api/auth/signin HTTP/1.1',
        ['Content-Type: application/json', 'Content-Length: 70000'],
        ' '.repeat(70000),
      ),
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'a 14 KB URI',
      request: raw(`GET /api/users/${'a'.repeat(14000)} HTTP/1.1`),
      status: 414,
      code: 'uri_too_long',
    },
    // What actix itself refuses with an empty 400 is refused by the gateway first.
    {
      name: 'raw UTF-8 in the path',
      request: raw(`GET /api/users/${Buffer.from('é').toString('latin1')} HTTP/1.1`),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'angle brackets in the query',
      request: raw('GET /api/users?q=<b> HTTP/1.1'),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'a control character in the cookie',
      request: raw('GET /api/auth/currentuser HTTP/1.1', ['Cookie: auth=\x01']),
      status: 400,
      code: 'bad_request',
    },
    // 200 headers would get an empty 431 from actix; only those the services read reach them.
    {
      name: '200 headers',
      request: raw('GET /api/auth/currentuser HTTP/1.1', junk),
      status: 401,
      code: 'unauthenticated',
    },
  ];
  for (const { name, request, status, code } of cases) {
    const answer = await rawRequest(baseURL ?? '', request);
    expect(answer.status, name).toBe(status);
    expect(answer.contentType, name).toMatch(/^application\/json/);
    const body = JSON.parse(answer.body) as { error?: { code?: string; message?: string } };
    expect(body.error?.code, name).toBe(code);
    expect(body.error?.message, name).toBeTruthy();
  }
});
