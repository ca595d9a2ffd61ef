import { describe, expect, it } from 'vitest';
import { formatBytes, isInlineImage, MAX_ATTACHMENT_BYTES, filesPreview } from './limits';
import { checkBeforeUpload, describeRefusal } from './upload';

describe('uploads', () => {
  it('refuses a file over the limit before sending a byte', () => {
    expect(checkBeforeUpload({ name: 'big.mov', size: MAX_ATTACHMENT_BYTES + 1 })?.code).toBe('too_large');
    expect(checkBeforeUpload({ name: 'big.mov', size: MAX_ATTACHMENT_BYTES + 1 })?.message).toBe(
      'big.mov is too large: files can be at most 25 MB.',
    );
    expect(checkBeforeUpload({ name: 'ok.png', size: MAX_ATTACHMENT_BYTES })).toBeNull();
  });

  it('says why the server refused, in words', () => {
    expect(describeRefusal('a.zip', 413, 'too_large', '').message).toContain('too large');
    expect(describeRefusal('a.zip', 413, 'too_large', 'Files are at most 5 MiB.').message).toBe(
      'a.zip is too large. Files are at most 5 MiB.',
    );
    expect(describeRefusal('a.zip', 413, 'payload_too_large', '').code).toBe('too_large');
    expect(describeRefusal('a.zip', 413, 'quota_exceeded', '').message).toContain('storage quota');
    expect(describeRefusal('bomb.png', 400, 'invalid_field', 'Images are at most 50 megapixels.').message).toBe(
      'bomb.png was refused: Images are at most 50 megapixels.',
    );
    expect(describeRefusal('a.txt', 0, '', '').code).toBe('network');
    expect(describeRefusal('a.txt', 503, 'unavailable', '').message).toContain('try again');
  });

  it('shows sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MB');
  });

  it('shows only raster images inline', () => {
    expect(isInlineImage('image/png')).toBe(true);
    expect(isInlineImage('image/svg+xml')).toBe(false);
    expect(isInlineImage('text/html')).toBe(false);
  });

  it('previews a message of files only by its files', () => {
    expect(filesPreview({ content: 'hi', attachments: [{ filename: 'a.png' }] })).toBe('hi');
    expect(filesPreview({ content: '', attachments: [{ filename: 'a.png' }] })).toBe('📎 a.png');
    expect(filesPreview({ content: '', attachments: [{ filename: 'a' }, { filename: 'b' }] })).toBe('📎 2 files');
    expect(filesPreview({ content: '' })).toBe('');
  });
});
