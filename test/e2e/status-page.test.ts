import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import { SeededRandom } from '@cpsbackup/testkit';
import { runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/** Debian's chromium (make test-deps installs it). */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((f) => fs.existsSync(f));

function chromium(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      CHROMIUM!,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars', '--no-first-run', ...args],
      { timeout: 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => (err ? reject(new Error(`chromium failed: ${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

/** Width, height and the inflated (filtered) pixel rows of a PNG: enough to tell a rendered page from a blank one. */
function readPng(file: string): { width: number; height: number; rows: Buffer } {
  const png = fs.readFileSync(file);
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  return { width, height, rows: inflateSync(Buffer.concat(idat)) };
}

(CHROMIUM ? describe : describe.skip)('the status page in a real headless Chromium', () => {
  const { root, pki, server } = useServer('status-page', {
    status: true,
    clients: { web1: ['expected_interval = 1h'], never: [], broken: [] },
  });
  let base: string;
  beforeAll(() => (base = `http://127.0.0.1:${server.statusPort}/`));

  test('every client with its state, last success, result and reason; readable on a phone', async () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    const rnd = new SeededRandom('page');
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(data, `f${i}`), rnd.bytes(100_000));
    const web = writeNodeConf(path.join(root, 'web'), server, { cname: 'web1', cert: pki.client('web1'), include: [data] });
    expect((await runCli(['-c', web, '-e'])).code).toBe(0);
    fs.writeFileSync(path.join(data, 'more'), rnd.bytes(300_000));
    expect((await runCli(['-c', web, '-e'])).code).toBe(0);
    const broken = writeNodeConf(path.join(root, 'broken'), server, { cname: 'broken', cert: pki.client('broken'), include: [path.join(root, '<b>nowhere')] });
    expect((await runCli(['-c', broken, '-e'])).code).toBe(9);

    // The DOM as Chromium built it: the text a person reads.
    const dom = await chromium(['--dump-dom', base]);
    const text = dom
      .replace(/<style[\s\S]*?<\/style>/, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/\s+/g, ' ');
    expect(text).toContain('3 clients · 2 overdue · 1 failing');
    expect(text).toMatch(/web1 OK last success 0000002 · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · \d+s ago last result 0000002 available size 2 backups/);
    // A reason is text, never markup: the path's "<b>" shows as typed.
    expect(text).toMatch(/broken NEVER last success never last result 0000001 partial : include \S*\/<b>nowhere could not be read \(ENOENT\)/);
    expect(dom).not.toContain('<b>nowhere');
    expect(text).toMatch(/never NEVER last success never size 0 backups/);
    expect(text).toContain('size, last 2 (max 1.2 MiB)');
    expect(dom).not.toContain('<script');

    // A phone-sized screenshot: the right size, and a page, not a blank.
    const shot = path.join(root, 'page.png');
    await chromium([`--screenshot=${shot}`, '--window-size=390,844', base]);
    const { width, height, rows } = readPng(shot);
    expect([width, height]).toEqual([390, 844]);
    const distinct = new Set(rows).size;
    expect(distinct).toBeGreaterThan(40);
    expect(dom).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });
});
