/**
 * File names as `ls -b` prints them, so any name (a newline in it, bytes
 * that are not UTF-8) reads as one unambiguous token and can be given back
 * on the command line: a backslash is `\\`, a space `\ `, tab, newline and
 * carriage return `\t` `\n` `\r`, any other control character and every byte
 * that is not part of valid UTF-8 `\ooo` (octal). Valid UTF-8 text prints
 * as it is.
 */
export function escapeName(name: Buffer): string {
  let out = '';
  for (let i = 0; i < name.length;) {
    const b = name[i]!;
    const len = utf8SequenceLength(name, i);
    if (len > 1) {
      out += name.toString('utf8', i, i + len);
      i += len;
      continue;
    }
    i++;
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x20) out += '\\ ';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

/** The bytes of a name given as escapeName prints it; unescaped text (a plain space, UTF-8) is taken as it is. */
export function unescapeName(text: string): Buffer {
  const parts: Buffer[] = [];
  let plain = '';
  const flush = () => {
    if (plain) parts.push(Buffer.from(plain, 'utf8'));
    plain = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\' || i + 1 === text.length) {
      plain += ch;
      continue;
    }
    const next = text[i + 1]!;
    const octal = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4));
    if (octal) {
      flush();
      parts.push(Buffer.from([parseInt(octal[0], 8) & 0xff]));
      i += 3;
    } else {
      plain += ({ t: '\t', n: '\n', r: '\r' } as Record<string, string>)[next] ?? next;
      i += 1;
    }
  }
  flush();
  return Buffer.concat(parts);
}

/** Length of the valid UTF-8 sequence of two or more bytes at `i`, else 1 (ASCII, or a byte to escape). */
function utf8SequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 1;
  if (len === 1 || i + len > b.length) return 1;
  for (let k = 1; k < len; k++) if ((b[i + k]! & 0xc0) !== 0x80) return 1;
  // Overlong three-byte forms, UTF-16 surrogates and code points past U+10FFFF are not valid UTF-8;
  // C1 controls (U+0080-U+009F) are, but print as octal like the C0 ones.
  const c1 = b[i + 1]!;
  if (c === 0xc2 && c1 < 0xa0) return 1;
  if (c === 0xe0 && c1 < 0xa0) return 1;
  if (c === 0xed && c1 >= 0xa0) return 1;
  if (c === 0xf0 && c1 < 0x90) return 1;
  if (c === 0xf4 && c1 >= 0x90) return 1;
  return len;
}
