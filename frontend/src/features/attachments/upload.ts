/**
 * Uploading one file: `POST /api/messages/attachments?filename=` with the file as the raw body,
 * through XMLHttpRequest (fetch reports no upload progress). A 401 (the short-lived token
 * expired) refreshes the session once and starts again.
 */
import { refreshSession } from '../../api/client';
import type { Attachment } from '../../api/types';
import { formatBytes, MAX_ATTACHMENT_BYTES } from './limits';

export const UPLOAD_PATH = '/api/messages/attachments';

/** Why an upload failed, in words for the person who chose the file. */
export class UploadError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'UploadError';
    this.code = code;
  }
}

export interface UploadOptions {
  /** Bytes sent so far, of `total`. */
  onProgress?: (sent: number, total: number) => void;
  /** Aborts the upload (the promise then rejects with code `cancelled`). */
  signal?: AbortSignal;
}

/** Refuses at once what the server would refuse for its size, before sending a byte. */
export function checkBeforeUpload(file: { name: string; size: number }): UploadError | null {
  if (file.size > MAX_ATTACHMENT_BYTES) {
    return tooLarge(file.name);
  }
  return null;
}

function tooLarge(name: string): UploadError {
  return new UploadError(
    'too_large',
    `${name} is too large: files can be at most ${formatBytes(MAX_ATTACHMENT_BYTES)}.`,
  );
}

/** The sentence for a refusal from the server. */
export function describeRefusal(name: string, status: number, code: string, message: string): UploadError {
  // The server's limit is a setting: its own sentence says what it is.
  if (code === 'too_large' && message) return new UploadError(code, `${name} is too large. ${message}`);
  if (code === 'too_large' || (status === 413 && code !== 'quota_exceeded')) return tooLarge(name);
  if (code === 'quota_exceeded') {
    return new UploadError(code, `${name} does not fit: your files use up your storage quota.`);
  }
  if (status === 400) {
    return new UploadError(code || 'refused', `${name} was refused: ${message || 'the server cannot take this file.'}`);
  }
  if (status === 401) return new UploadError('unauthenticated', 'Your session ended: sign in again to upload.');
  if (status === 0) return new UploadError('network', `${name} could not be uploaded: the connection failed.`);
  return new UploadError(code || 'unavailable', `${name} could not be uploaded right now; try again.`);
}

export async function uploadAttachment(file: File, options: UploadOptions = {}): Promise<Attachment> {
  const early = checkBeforeUpload(file);
  if (early) throw early;
  const first = await send(file, options);
  if (first.status !== 401) return settle(file, first);
  const refreshed = await refreshSession();
  if (refreshed !== 'refreshed') return settle(file, first);
  return settle(file, await send(file, options));
}

interface Answer {
  status: number;
  body: unknown;
}

function settle(file: File, answer: Answer): Attachment {
  const body = answer.body as { attachment?: Attachment; error?: { code?: string; message?: string } } | null;
  if (answer.status === 201 && body?.attachment) return body.attachment;
  throw describeRefusal(file.name, answer.status, body?.error?.code ?? '', body?.error?.message ?? '');
}

function send(file: File, { onProgress, signal }: UploadOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new UploadError('cancelled', 'Upload cancelled.'));
      return;
    }
    const request = new XMLHttpRequest();
    request.open('POST', `${UPLOAD_PATH}?filename=${encodeURIComponent(file.name)}`);
    request.withCredentials = true;
    request.responseType = 'json';
    request.setRequestHeader('Accept', 'application/json');
    request.upload.onprogress = (event) => onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onload = () => resolve({ status: request.status, body: request.response as unknown });
    request.onerror = () => resolve({ status: 0, body: null });
    request.onabort = () => reject(new UploadError('cancelled', 'Upload cancelled.'));
    signal?.addEventListener('abort', () => request.abort(), { once: true });
    request.send(file);
  });
}
