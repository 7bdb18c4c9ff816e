import fc from 'fast-check';
import { pluginLineText, untrustedText } from './untrusted-text';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
// eslint-disable-next-line no-control-regex
const SPECIAL = /[\x00-\x1f\x7f-\x9f|]/g;

describe('untrustedText / pluginLineText: node-controlled text on a terminal or a plugin line', () => {
  test('an escape sequence is shown escaped, not sent to the terminal', () => {
    expect(untrustedText('/data/\x1b]0;PWNED\x07\x1b[2J')).toBe('/data/\\x1b]0;PWNED\\x07\\x1b[2J');
    expect(untrustedText('a\nb\r\x7f\u009b')).toBe('a\\x0ab\\x0d\\x7f\\x9b');
    expect(pluginLineText('oops | evil=1;;;\nnext')).toBe('oops \\x7c evil=1;;;\\x0anext');
  });

  test('the output never holds a control character (nor, on a plugin line, a "|")', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(untrustedText(s)).not.toMatch(CONTROL);
        const line = pluginLineText(s);
        expect(line).not.toMatch(CONTROL);
        expect(line).not.toContain('|');
      }),
    );
  });

  test('printable text, UTF-8 included, is unchanged', () => {
    const printable = fc.string({ unit: 'binary' }).map((s) => s.replace(SPECIAL, ''));
    fc.assert(
      fc.property(printable, (s) => {
        expect(untrustedText(s)).toBe(s);
        expect(pluginLineText(s)).toBe(s);
      }),
    );
    expect(untrustedText('café ✓ \\x1b literal')).toBe('café ✓ \\x1b literal');
  });
});
