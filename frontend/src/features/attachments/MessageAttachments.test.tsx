import { fireEvent, render, screen } from '@testing-library/react';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Attachment } from '../../api/types';
import { MessageAttachments } from './MessageAttachments';

const image: Attachment = {
  id: 'a1',
  filename: 'cat.png',
  contentType: 'image/png',
  size: 2048,
  width: 800,
  height: 600,
  url: '/api/messages/attachments/a1',
  thumbnailUrl: '/api/messages/attachments/a1/thumbnail',
};

const pdf: Attachment = {
  id: 'a2',
  filename: 'report.pdf',
  contentType: 'application/pdf',
  size: 3 * 1024 * 1024,
  width: null,
  height: null,
  url: '/api/messages/attachments/a2',
  thumbnailUrl: null,
};

// The dialogs' code loads on first use (`onDemand`); loaded here first, so the waits below time
// the UI, not the test runner's first transform of those modules.
beforeAll(() => import('./ImageViewer'));

describe('MessageAttachments', () => {
  it('shows images as thumbnails and other files as cards with a download link', () => {
    render(<MessageAttachments attachments={[image, pdf]} />);
    const thumbnail = screen.getByRole('img', { name: 'cat.png' });
    expect(thumbnail.getAttribute('src')).toBe(image.thumbnailUrl);
    const download = screen.getByRole('link', { name: 'Download report.pdf' });
    expect(download.getAttribute('href')).toBe(pdf.url);
    expect(download.getAttribute('download')).toBe('report.pdf');
    expect(screen.getByText('3.0 MB')).toBeTruthy();
  });

  it('opens the full-size image in a viewer and closes it', async () => {
    render(<MessageAttachments attachments={[image]} />);
    fireEvent.click(screen.getByRole('button', { name: 'View cat.png' }));
    const viewer = await screen.findByTestId('image-viewer');
    expect(viewer.querySelector('img')?.getAttribute('src')).toBe(image.url);
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByTestId('image-viewer')).toBeNull();
  });

  it('never shows an SVG inline', () => {
    render(
      <MessageAttachments
        attachments={[{ ...pdf, id: 'a3', filename: 'x.svg', contentType: 'application/octet-stream' }]}
      />,
    );
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.getByRole('link', { name: 'Download x.svg' })).toBeTruthy();
  });
});
