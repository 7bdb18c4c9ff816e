import fc from 'fast-check';
import { escapeName, unescapeName } from './escaped-names';

describe('names as ls -b prints them', () => {
  test.each([
    ['/srv/plain.txt', '/srv/plain.txt'],
    ['/srv/two words', '/srv/two\\ words'],
    ['/srv/line\nbreak', '/srv/line\\nbreak'],
    ['/srv/back\\slash', '/srv/back\\\\slash'],
    ['/srv/été', '/srv/été'],
  ])('%j prints as %s', (name, printed) => {
    expect(escapeName(Buffer.from(name))).toBe(printed);
    expect(unescapeName(printed).toString()).toBe(name);
  });

  test('bytes that are not UTF-8 print as octal and come back as the same bytes', () => {
    const latin1 = Buffer.from([0x2f, 0x63, 0x61, 0x66, 0xe9]); // "/caf" + Latin-1 é
    expect(escapeName(latin1)).toBe('/caf\\351');
    expect(unescapeName('/caf\\351').equals(latin1)).toBe(true);
    expect(escapeName(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\\355\\240\\200'); // a UTF-16 surrogate is not UTF-8
  });

  test('a plain space and UTF-8 typed without escapes are taken as they are', () => {
    expect(unescapeName('/srv/two words').toString()).toBe('/srv/two words');
  });

  test('property: every name survives escape then unescape, and its escaped form has no space, newline or control character', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (bytes) => {
        const name = Buffer.from(bytes);
        const printed = escapeName(name);
        expect(unescapeName(printed).equals(name)).toBe(true);
        const unescaped = printed.replace(/\\(?:[0-7]{3}|.)/g, '');
        expect([...unescaped].filter((ch) => ch.charCodeAt(0) <= 0x20 || (ch.charCodeAt(0) >= 0x7f && ch.charCodeAt(0) <= 0x9f))).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });
});
