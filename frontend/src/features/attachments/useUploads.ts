/** The files being attached to the next message: each uploads at once, with its progress, and
 *  can be cancelled or removed; the message may be sent once every upload has finished. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Attachment } from '../../api/types';
import { MAX_ATTACHMENTS } from './limits';
import { uploadAttachment, UploadError } from './upload';

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  /** 0 to 1. */
  progress: number;
  status: 'uploading' | 'done' | 'failed';
  attachment: Attachment | null;
  error: string | null;
  /** A local preview of an image, revoked when the item goes. */
  previewUrl: string | null;
}

export interface Uploads {
  items: UploadItem[];
  /** Starts uploading `files` (beyond the per-message limit they are refused). */
  add: (files: File[]) => void;
  /** Cancels an upload in progress, or removes a finished or failed one. */
  remove: (key: string) => void;
  /** Forgets everything (after a send). */
  clear: () => void;
  /** Uploaded and ready to send, in order. */
  ready: Attachment[];
  busy: boolean;
}

export function useUploads(): Uploads {
  const [items, setItems] = useState<UploadItem[]>([]);
  const controllers = useRef(new Map<string, AbortController>());

  const update = useCallback((key: string, change: Partial<UploadItem>) => {
    setItems((all) => all.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);

  const count = items.length;
  const add = useCallback(
    (files: File[]) => {
      const room = MAX_ATTACHMENTS - count;
      const added = files.map((file, index): UploadItem => {
        const key = crypto.randomUUID();
        if (index >= room) {
          return failed(key, file, `${file.name}: a message carries at most ${MAX_ATTACHMENTS} files.`);
        }
        const controller = new AbortController();
        controllers.current.set(key, controller);
        uploadAttachment(file, {
          signal: controller.signal,
          onProgress: (sent, total) => update(key, { progress: total > 0 ? sent / total : 0 }),
        })
          .then(
            (attachment) => update(key, { status: 'done', progress: 1, attachment }),
            (error: unknown) => {
              if (error instanceof UploadError && error.code === 'cancelled') return;
              const message = error instanceof Error ? error.message : `${file.name} could not be uploaded.`;
              update(key, { status: 'failed', error: message });
            },
          )
          .finally(() => controllers.current.delete(key));
        return {
          key,
          name: file.name,
          size: file.size,
          progress: 0,
          status: 'uploading',
          attachment: null,
          error: null,
          previewUrl: previewOf(file),
        };
      });
      setItems((current) => [...current, ...added]);
    },
    [count, update],
  );

  const remove = useCallback((key: string) => {
    controllers.current.get(key)?.abort();
    controllers.current.delete(key);
    setItems((all) => {
      const gone = all.find((item) => item.key === key);
      if (gone?.previewUrl) revoke(gone.previewUrl);
      return all.filter((item) => item.key !== key);
    });
  }, []);

  const clear = useCallback(() => {
    setItems((all) => {
      for (const item of all) if (item.previewUrl) revoke(item.previewUrl);
      return [];
    });
  }, []);

  // Leaving the conversation cancels what is still uploading.
  useEffect(() => {
    const running = controllers.current;
    return () => {
      for (const controller of running.values()) controller.abort();
    };
  }, []);

  const ready = items.flatMap((item) => (item.status === 'done' && item.attachment ? [item.attachment] : []));
  const busy = items.some((item) => item.status === 'uploading');
  return { items, add, remove, clear, ready, busy };
}

function failed(key: string, file: File, error: string): UploadItem {
  return {
    key,
    name: file.name,
    size: file.size,
    progress: 0,
    status: 'failed',
    attachment: null,
    error,
    previewUrl: null,
  };
}

/** A local address of an image's bytes to preview it (none where object URLs do not exist). */
function previewOf(file: File): string | null {
  if (!file.type.startsWith('image/') || typeof URL.createObjectURL !== 'function') return null;
  return URL.createObjectURL(file);
}

function revoke(url: string) {
  if (typeof URL.revokeObjectURL === 'function') URL.revokeObjectURL(url);
}
