import { readFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { bubble, newUserContext, openChatFromDirectory, signUp, uniqueCredentials } from './helpers';

/** Socket → RabbitMQ → messages → back out, on a busy machine. */
const LIVE_TIMEOUT_MS = 20_000;

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(kind: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(kind, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A `width` × `height` RGB PNG of stripes, made by hand (no image library in the e2e suite). */
function png(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x += 1) row.set([(x * 4) % 256, (y * 4) % 256, 160], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' +
    '2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
);

test('an image and a PDF reach the other person: thumbnail, viewer, download with its name', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const alice = uniqueCredentials('fa');
  const bob = uniqueCredentials('fb');
  const aliceContext = await newUserContext(browser);
  const bobContext = await newUserContext(browser, { acceptDownloads: true });
  try {
    const alicePage = await aliceContext.newPage();
    const bobPage = await bobContext.newPage();
    await signUp(alicePage, alice);
    await signUp(bobPage, bob);
    await openChatFromDirectory(alicePage, bob.username);
    await openChatFromDirectory(bobPage, alice.username);

    await alicePage.getByTestId('attach-input').setInputFiles([
      { name: 'stripes.png', mimeType: 'image/png', buffer: png(640, 480) },
      { name: 'report.pdf', mimeType: 'application/pdf', buffer: PDF },
    ]);
    await expect(alicePage.locator('[data-testid="upload"][data-status="done"]')).toHaveCount(2, {
      timeout: LIVE_TIMEOUT_MS,
    });
    const composer = alicePage.getByRole('textbox', { name: /^Message to / });
    await composer.fill('Here are the files');
    await composer.press('Enter');
    await expect(alicePage.getByTestId('upload')).toHaveCount(0);

    const received = bubble(bobPage, 'Here are the files');
    await expect(received).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    const thumbnail = received.getByRole('img', { name: 'stripes.png' });
    await expect(thumbnail).toBeVisible();
    await expect
      .poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: LIVE_TIMEOUT_MS })
      .toBe(400);

    await received.getByRole('button', { name: 'View stripes.png' }).click();
    const viewer = bobPage.getByTestId('image-viewer');
    await expect(viewer).toBeVisible();
    await expect
      .poll(() => viewer.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBe(640);
    await bobPage.keyboard.press('Escape');
    await expect(viewer).toHaveCount(0);

    await expect(received.getByTestId('attachment-file')).toContainText('report.pdf');
    const downloading = bobPage.waitForEvent('download');
    await received.getByRole('link', { name: 'Download report.pdf' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('report.pdf');
    const path = await download.path();
    expect((await readFile(path)).equals(PDF)).toBe(true);
  } finally {
    await aliceContext.close();
    await bobContext.close();
  }
});

test('a file over the limit is refused with a clear error, and nothing is sent', async ({ browser }) => {
  const alice = uniqueCredentials('fc');
  const bob = uniqueCredentials('fd');
  const aliceContext = await newUserContext(browser);
  const bobContext = await newUserContext(browser);
  try {
    const alicePage = await aliceContext.newPage();
    await signUp(alicePage, alice);
    await signUp(await bobContext.newPage(), bob);
    await openChatFromDirectory(alicePage, bob.username);

    await alicePage.getByTestId('attach-input').setInputFiles({
      name: 'huge.bin',
      mimeType: 'application/octet-stream',
      buffer: Buffer.alloc(25 * 1024 * 1024 + 1),
    });
    await expect(alicePage.getByTestId('upload-error')).toHaveText(
      'huge.bin is too large: files can be at most 25 MB.',
    );
    await expect(alicePage.getByRole('button', { name: 'Send' })).toHaveAttribute('aria-disabled', 'true');
    await alicePage.getByRole('button', { name: 'Remove huge.bin' }).click();
    await expect(alicePage.getByTestId('upload')).toHaveCount(0);
  } finally {
    await aliceContext.close();
    await bobContext.close();
  }
});
