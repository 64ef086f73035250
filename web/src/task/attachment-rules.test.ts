import { refusalOf, size } from './attachment-rules.ts';

const MB = 1024 * 1024;

describe('files refused before an upload starts', () => {
  test('types: the browser type when allowed, else the extension; anything else is refused', () => {
    expect(refusalOf({ name: 'a.png', type: 'image/png', size: 10 }, 0)).toBeNull();
    // Browsers give no type (or a generic one) for Markdown and often CSV: the extension decides.
    expect(refusalOf({ name: 'notes.md', type: '', size: 10 }, 0)).toBeNull();
    expect(refusalOf({ name: 'data.CSV', type: 'application/octet-stream', size: 10 }, 0)).toBeNull();
    expect(refusalOf({ name: 'tool.exe', type: 'application/x-msdownload', size: 10 }, 0)).toMatch(
      /^“tool\.exe” cannot be attached/,
    );
    expect(refusalOf({ name: 'page.html', type: 'text/html', size: 10 }, 0)).toMatch(/cannot be attached/);
  });

  test('sizes: empty, over 10 MB a file, past 50 MB the task', () => {
    expect(refusalOf({ name: 'e.txt', type: 'text/plain', size: 0 }, 0)).toBe('“e.txt” is empty.');
    expect(refusalOf({ name: 'a.pdf', type: 'application/pdf', size: 10 * MB }, 0)).toBeNull();
    expect(refusalOf({ name: 'b.pdf', type: 'application/pdf', size: 12.5 * MB }, 0)).toBe(
      '“b.pdf” is too large (12.5 MB): a file can be at most 10 MB.',
    );
    expect(refusalOf({ name: 'c.pdf', type: 'application/pdf', size: 6 * MB }, 45 * MB)).toBe(
      "“c.pdf” does not fit: a task's files can add up to 50 MB, and 45 MB are used.",
    );
    expect(refusalOf({ name: 'd.pdf', type: 'application/pdf', size: 5 * MB }, 45 * MB)).toBeNull();
  });

  test('byte counts read as people say them', () => {
    expect([size(512), size(40 * 1024), size(2.5 * MB), size(10 * MB)]).toEqual([
      '512 B',
      '40 KB',
      '2.5 MB',
      '10 MB',
    ]);
  });
});
