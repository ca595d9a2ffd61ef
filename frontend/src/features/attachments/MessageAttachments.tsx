import { memo, useState } from 'react';
import type { Attachment } from '../../api/types';
import { onDemand } from '../../components/onDemand';
import { FileIcon } from './AttachmentTray';
import { formatBytes, isInlineImage } from './limits';
import './attachments.css';

const ImageViewer = onDemand(() => import('./ImageViewer').then((module) => module.ImageViewer));

/** A message's files: images as thumbnails that open the full-size viewer, everything else as a
 *  card with its name, size and a download link (served as a download, never shown inline). */
export const MessageAttachments = memo(function MessageAttachments({ attachments }: { attachments: Attachment[] }) {
  const [viewing, setViewing] = useState<Attachment | null>(null);
  if (attachments.length === 0) return null;
  return (
    <div className="message-attachments" data-testid="attachments">
      {attachments.map((attachment) =>
        isInlineImage(attachment.contentType) && attachment.thumbnailUrl ? (
          <button
            key={attachment.id}
            type="button"
            className="attachment-thumb"
            aria-label={`View ${attachment.filename}`}
            data-testid="attachment-image"
            onClick={() => setViewing(attachment)}
          >
            <img
              src={attachment.thumbnailUrl}
              alt={attachment.filename}
              loading="lazy"
              style={thumbnailBox(attachment)}
            />
          </button>
        ) : (
          <div key={attachment.id} className="attachment-card" data-testid="attachment-file">
            <FileIcon />
            <div className="attachment-card__body">
              <span className="attachment-card__name" title={attachment.filename}>
                {attachment.filename}
              </span>
              <span className="attachment-card__size">{formatBytes(attachment.size)}</span>
            </div>
            <a
              className="link-button attachment-card__download"
              href={attachment.url}
              download={attachment.filename}
              aria-label={`Download ${attachment.filename}`}
            >
              Download
            </a>
          </div>
        ),
      )}
      {viewing && <ImageViewer attachment={viewing} onClose={() => setViewing(null)} />}
    </div>
  );
});

/** The thumbnail's box before it loads (at most 240 × 240 on screen), so the list does not jump. */
function thumbnailBox(attachment: Attachment): { aspectRatio?: string } {
  if (!attachment.width || !attachment.height) return {};
  return { aspectRatio: `${attachment.width} / ${attachment.height}` };
}
