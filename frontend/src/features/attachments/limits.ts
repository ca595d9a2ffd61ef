/** Attachments' rules as the browser knows them (contract §8), for instant feedback: the server
 *  decides (its limit is a setting), and its answer wins. */

/** `ATTACHMENT_MAX_BYTES`'s default: 25 MiB. */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
/** The most files one message carries. */
export const MAX_ATTACHMENTS = 10;

/** The image types shown inline (and with a thumbnail). */
const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function isInlineImage(contentType: string): boolean {
  return INLINE_IMAGES.has(contentType);
}

/** "512 B", "1.5 KB", "25 MB" (binary units, one decimal under 10). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}

/** What a list shows of a message: its text, or for a message of files only what it carries. */
export function filesPreview(message: { content: string; attachments?: { filename: string }[] }): string {
  const files = message.attachments ?? [];
  if (message.content || files.length === 0) return message.content;
  const [only] = files;
  return files.length === 1 && only ? `📎 ${only.filename}` : `📎 ${files.length} files`;
}
