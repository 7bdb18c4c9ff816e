import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import { chromium as chromiumDriver } from 'playwright-core';
import type { StatusReport } from '@cpsbackup/server';
import { SeededRandom } from '@cpsbackup/testkit';
import { rawBackup, rawSession, readUntil, runCli, until, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

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
      .replace(/\s+/g, ' ')
      .replace(/ ([,:])/g, '$1');
    expect(text).toContain('3 clients: 0 failed, 1 partial, 0 overdue, 1 never, 1 ok');
    // Problems first, worst first: the partial one, then the one never backed up.
    expect(text).toMatch(
      /Needs attention: 2 clients, worst first broken PARTIAL 0000001 partial: include \S*\/<b>nowhere could not be read \(ENOENT\) · never backed up never NEVER never backed up All clients/,
    );
    expect(text).toMatch(/web1 OK \d{4}-\d\d-\d\d \d\d:\d\d \d+s ago 0000002 available 2 backups/);
    // A reason is text, never markup: the path's "<b>" shows as typed.
    expect(text).toMatch(/broken PARTIAL never 0000001 partial: include \S*\/<b>nowhere could not be read \(ENOENT\) 1 backup 0 B size of the last 1 backup/);
    expect(dom).not.toContain('<b>nowhere');
    expect(text).toMatch(/never NEVER never none 0 backups 0 B no data/);
    expect(dom).toContain('size of the last 2 backups: max 1.2 MiB');
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

/** The RGB(A) pixels of an 8-bit PNG, filters undone: to look at colours on a screenshot. */
function pixelsOf(file: string): { width: number; height: number; at: (x: number, y: number) => [number, number, number] } {
  const png = fs.readFileSync(file);
  const { width, height, rows } = readPng(file);
  const colourType = png[8 + 8 + 9]!; // IHDR's data starts at 16; colour type is its 10th byte
  const bpp = colourType === 6 ? 4 : 3;
  const stride = width * bpp;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = rows[y * (stride + 1)]!;
    const line = rows.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[y * stride + i - bpp]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = i >= bpp && y > 0 ? out[(y - 1) * stride + i - bpp]! : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter]!;
      out[y * stride + i] = (line[i]! + pred) & 0xff;
    }
  }
  return { width, height, at: (x, y) => [out[y * stride + x * bpp]!, out[y * stride + x * bpp + 1]!, out[y * stride + x * bpp + 2]!] };
}

/** The fleet: 462 clients backed up, 18 late, 4 whose last backup failed, 2 partial, 14 never backed up. */
const FLEET = {
  ok: Array.from({ length: 462 }, (_, i) => `srv-${String((i * 7919) % 1000).padStart(3, '0')}`),
  late: Array.from({ length: 18 }, (_, i) => `db-${String(i).padStart(2, '0')}`),
  failed: Array.from({ length: 4 }, (_, i) => `web-${String(i).padStart(2, '0')}`),
  partial: ['mail-00', 'mail-01'],
  never: Array.from({ length: 14 }, (_, i) => `new-${String(i).padStart(2, '0')}`),
};
const TOKEN = 'page-token-0123';

(CHROMIUM ? describe : describe.skip)('the status page with 500 clients, problems first, in a real Chromium', () => {
  // All but the never-seen share one certificate (ssl_peer_cn): 500 keys would cost minutes.
  const clients: Record<string, string[]> = {};
  for (const n of [...FLEET.ok, ...FLEET.failed, ...FLEET.partial]) clients[n] = ['ssl_peer_cn = fleet'];
  for (const n of FLEET.late) clients[n] = ['ssl_peer_cn = fleet', 'expected_interval = 1s'];
  for (const n of FLEET.never) clients[n] = [];
  const { root, pki, server } = useServer('status-page-500', { status: true, quiet: true, conf: [`status_token = ${TOKEN}`], clients });
  let base: string;
  const attention = [...FLEET.failed, ...FLEET.partial, ...FLEET.late, ...FLEET.never];
  const status = async (): Promise<StatusReport> =>
    (await fetch(`${base}status`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as Promise<StatusReport>;

  beforeAll(async () => {
    base = `http://127.0.0.1:${server.statusPort}/`;
    const cert = pki.client('fleet');
    const file = [{ path: '/etc/hostname', content: Buffer.from('a host\n') }];
    // Real backups through the real server, four at a time: the late ones first (their 1 s interval runs out meanwhile).
    const backedUp = [...FLEET.late, ...FLEET.failed, ...FLEET.ok];
    for (let i = 0; i < backedUp.length; i += 4) await Promise.all(backedUp.slice(i, i + 4).map((n) => rawBackup(server, n, cert, file)));
    // A failed backup: the connection is lost mid-way, as when a node goes down.
    for (const n of FLEET.failed) {
      const { socket, conn } = await rawSession(server, n, cert);
      await conn.send({ beginBackup: {} });
      await readUntil(conn, (m) => m.msg === 'backupStarted');
      socket.destroy();
    }
    // A partial one: the real agent, one of its include roots missing.
    for (const n of FLEET.partial) {
      const conf = writeNodeConf(path.join(root, n), server, { cname: n, cert, include: [path.join(root, 'no-such-dir')] });
      expect((await runCli(['-c', conf, '-e'])).code).toBe(9);
    }
    await until('every problem to show on /status', async () => {
      const s = await status();
      return (
        s.clients.filter((c) => c.overdue && c.lastSuccess).length === FLEET.late.length &&
        s.clients.filter((c) => c.lastResult?.status === 'error').length === FLEET.failed.length
      );
    });
  }, 600_000);

  test('the first screen (1280x800) names every client that needs attention; a screenshot shows them', async () => {
    const browser = await chromiumDriver.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, httpCredentials: { username: 'anyone', password: TOKEN } });
      const page = await context.newPage();
      const res = await page.goto(base);
      expect(res?.status()).toBe(200);
      expect(await page.textContent('#summary')).toMatch(/^500 clients: 4 failed, 2 partial, 18 overdue, 14 never, 462 ok · /);
      // Each name in the attention list: its box wholly within the first viewport.
      const seen = await page.$$eval('#attention li', (items) =>
        items.map((li) => {
          const r = li.getBoundingClientRect();
          return {
            name: li.querySelector('a')!.textContent!,
            state: li.querySelector('.st')!.textContent!,
            top: r.top,
            bottom: r.bottom,
            left: r.left,
            right: r.right,
          };
        }),
      );
      expect(seen.map((s) => s.name).sort()).toEqual([...attention].sort());
      for (const s of seen) {
        expect(s.top).toBeGreaterThanOrEqual(0);
        expect(s.bottom).toBeLessThanOrEqual(800);
        expect(s.left).toBeGreaterThanOrEqual(0);
        expect(s.right).toBeLessThanOrEqual(1280);
      }
      // Worst first: failed, partial, overdue, never.
      expect(seen.map((s) => s.state)).toEqual([
        ...Array(4).fill('FAILED'),
        ...Array(2).fill('PARTIAL'),
        ...Array(18).fill('OVERDUE'),
        ...Array(14).fill('NEVER'),
      ]);
      // Every client in the table, one row each.
      expect(await page.locator('tbody tr').count()).toBe(500);

      // The screenshot: the first screen, the red edge of each item that needs attention there in pixels.
      const shot = path.join(root, 'page-500.png');
      await page.screenshot({ path: shot });
      const px = pixelsOf(shot);
      expect([px.width, px.height]).toEqual([1280, 800]);
      const red = (x: number, y: number) => {
        const [r, g, b] = px.at(x, y);
        return Math.abs(r - 0xb4) < 12 && Math.abs(g - 0x23) < 12 && Math.abs(b - 0x23) < 12;
      };
      for (const s of seen) expect({ name: s.name, red: red(Math.round(s.left) + 1, Math.round((s.top + s.bottom) / 2)) }).toEqual({ name: s.name, red: true });
      expect(fs.statSync(shot).size).toBeLessThan(300_000);
      // STATUS_PAGE_PNG=docs/status-page.png: the picture the docs show.
      if (process.env.STATUS_PAGE_PNG) fs.copyFileSync(shot, process.env.STATUS_PAGE_PNG);

      // Sorting and filtering: a column header link and the form, no script.
      await page.click('th a:text("Client")');
      const first = await page.locator('tbody td.name').first().textContent();
      expect(first).toBe([...Object.keys(clients)].sort()[0]);
      await page.selectOption('select[name=state]', 'overdue');
      await page.click('button[type=submit]');
      expect(new URL(page.url()).searchParams.get('state')).toBe('overdue');
      expect(await page.locator('tbody td.name').allTextContents()).toEqual([...FLEET.late].sort());
      expect(await page.$$eval('script', (s) => s.length)).toBe(0);
    } finally {
      await browser.close();
    }
  });

  test('the token: a browser is challenged (Basic), tools keep Bearer, /metrics stays Bearer only', async () => {
    const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
    const none = await fetch(base);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="cpsbackupd"/);
    expect(await none.text()).toMatch(/any user name and the token as password/);
    expect((await fetch(base, { headers: basic('x', TOKEN) })).status).toBe(200);
    expect((await fetch(base, { headers: basic('x', 'wrong') })).status).toBe(401);
    expect((await fetch(base, { headers: basic('x', TOKEN.slice(0, -1)) })).status).toBe(401);
    expect((await fetch(base, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${base}status`, { headers: basic('', TOKEN) })).status).toBe(200);
    // The page is sent gzipped to whoever accepts it: 500 clients in a few KB.
    const zipped = await new Promise<http.IncomingMessage & { bytes: number }>((resolve, reject) =>
      http
        .get(base, { headers: { 'accept-encoding': 'gzip', ...basic('x', TOKEN) } }, (res) => {
          let bytes = 0;
          res.on('data', (d: Buffer) => (bytes += d.length));
          res.on('end', () => resolve(Object.assign(res, { bytes })));
        })
        .on('error', reject),
    );
    expect(zipped.statusCode).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.bytes).toBeLessThan(60_000);
    // The login form: a session cookie holding an HMAC of the token (not the token), HttpOnly, SameSite=Strict.
    const login = (token: string) => fetch(`${base}login`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
    expect((await login('nope')).status).toBe(401);
    const signedIn = await login(TOKEN);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/');
    const cookie = signedIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^cpsbackup_status=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0]!;
    expect((await fetch(base, { headers: { cookie: session } })).status).toBe(200);
    expect((await fetch(base, { headers: { cookie: `cpsbackup_status=${'0'.repeat(64)}` } })).status).toBe(401);
    expect((await fetch(`${base}metrics`, { headers: { cookie: session } })).status).toBe(401);
    const metricsBasic = await fetch(`${base}metrics`, { headers: basic('x', TOKEN) });
    expect(metricsBasic.status).toBe(401);
    expect(metricsBasic.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(`${base}metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);

    // A browser without the token sees the challenge's text; with it, the page.
    const browser = await chromiumDriver.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      // Challenged with nothing to give, Chromium gives up on the page; with a wrong password it shows the 401's text.
      const denied = await (await browser.newContext()).newPage();
      await expect(denied.goto(base)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      const wrong = await (await browser.newContext({ httpCredentials: { username: 'x', password: 'nope' } })).newPage();
      expect((await wrong.goto(base))?.status()).toBe(401);
      expect(await wrong.textContent('body')).toMatch(/a browser signs in with any user name and the token as password/);
      // The form, as a person fills it in: then the page, and a cookie script cannot read.
      const formContext = await browser.newContext();
      const form = await formContext.newPage();
      expect((await form.goto(`${base}login`))?.status()).toBe(200);
      await form.fill('input[name=token]', TOKEN);
      await Promise.all([form.waitForURL(base), form.click('button[type=submit]')]);
      expect(await form.title()).toMatch(/^cpsbackup: 500 clients: 4 failed/);
      expect(await formContext.cookies()).toEqual([
        expect.objectContaining({ name: 'cpsbackup_status', httpOnly: true, sameSite: 'Strict', secure: false, path: '/' }),
      ]);
      expect(await form.evaluate('document.cookie')).toBe('');
      const right = await (await browser.newContext({ httpCredentials: { username: 'x', password: TOKEN } })).newPage();
      expect((await right.goto(base))?.status()).toBe(200);
      expect(await right.title()).toMatch(/^cpsbackup: 500 clients: 4 failed/);
    } finally {
      await browser.close();
    }
  });
});
