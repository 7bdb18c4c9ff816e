import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import parsePrometheus from 'parse-prometheus-text-format';
import type { StatusReport } from '@cpsbackup/server';
import { SeededRandom } from '@cpsbackup/testkit';
import { runCli, snapshotTree, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const CHECK = path.resolve(__dirname, '../../scripts/check_cpsbackup');

function runCheck(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(CHECK, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout }));
  });
}

interface Family {
  name: string;
  metrics: Array<{ value: string; labels?: Record<string, string> }>;
}

/** Where a pack lives in a local store (local-backend.ts: packs/<first two letters>/<name>.pack). */
function packFile(storeDir: string, name: string): string {
  return path.join(storeDir, 'packs', name.slice(0, 2), `${name}.pack`);
}

/** The listing of directory `dir` rots in its pack: the last byte of its stored payload flipped (the catalog stays sound). */
function rotListing(db: Database.Database, storeDir: string, dir: string): void {
  const listing = db
    .prepare(
      `SELECT p.name AS pack, c.offset, c.stored_length AS stored FROM listings l JOIN chunks c ON c.id = l.id JOIN packs p ON p.id = c.pack WHERE l.dir = ?`,
    )
    .get(Buffer.from(dir)) as { pack: string; offset: number; stored: number } | undefined;
  expect(listing).toBeDefined();
  const fd = fs.openSync(packFile(storeDir, listing!.pack), 'r+');
  try {
    const at = listing!.offset + 44 + listing!.stored - 1; // the payload's last byte (a record's header is 44 bytes)
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, at);
    byte[0]! ^= 0xff;
    fs.writeSync(fd, byte, 0, 1, at);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * One damaged backup never takes down the answers about the others:
 * alice's backup 1 has a flipped bit in its catalog row's file list (a root
 * in no pack: the server reports it untrusted), bob's two backups share a
 * directory listing whose stored bytes rotted (their rows are sound, their
 * file lists cannot be read). Listing, showing, the status port, the metrics,
 * `cpsbackup status` and check_cpsbackup all answer, flag those backups
 * with what to do, and carol is reported as before; retention leaves the
 * untrusted backup for --repair-catalog.
 */
describe('a damaged backup row or file list degrades that backup only', () => {
  const { root, pki, server } = useServer('damaged-rows', { status: true, clients: { alice: ['keep = 2'], bob: [], carol: [] } });
  const confs: Record<string, string> = {};
  let base: string;

  beforeAll(async () => {
    base = `http://127.0.0.1:${server.statusPort}`;
    for (const name of ['alice', 'bob', 'carol']) {
      const data = path.join(root, `${name}-data`);
      fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
      const rnd = new SeededRandom(name);
      for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(data, `${name}-top${i}`), rnd.bytes(2_000 + i * 77));
      for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(data, 'sub', `${name}-sub${i}`), rnd.bytes(3_000 + i * 91));
      confs[name] = writeNodeConf(path.join(root, name), server, { cname: name, cert: pki.client(name), include: [data] });
      expect((await runCli(['-c', confs[name]!, '-e'])).code).toBe(0);
    }
    for (const name of ['alice', 'bob']) {
      fs.writeFileSync(path.join(root, `${name}-data`, 'second'), 'only in backup 2'); // sub is unchanged: its listing is shared
      expect((await runCli(['-c', confs[name]!, '-e'])).code).toBe(0);
    }
    const port = server.port;
    await server.stop();

    const db = new Database(path.join(server.storeDir, 'catalog.db'));
    const row = (c: string, n: number) =>
      db.prepare(`SELECT b.id, b.manifest FROM backups b JOIN clients c ON c.id = b.client_id WHERE c.name = ? AND b.number = ?`).get(c, n) as {
        id: number;
        manifest: Buffer;
      };
    // alice 1: bit 0 of its file list's first root flipped (a chunk no pack holds).
    const alice1 = row('alice', 1);
    const flipped = Buffer.from(alice1.manifest);
    flipped[0]! ^= 1;
    db.prepare(`UPDATE backups SET manifest = ? WHERE id = ?`).run(flipped, alice1.id);
    // bob 1 and 2: the listing of bob-data/sub they share rots in its pack (the catalog is sound).
    rotListing(db, server.storeDir, path.join(root, 'bob-data', 'sub'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    await server.start(port);
  });

  test('-l and -l --json list every backup, the damaged ones flagged with what to do; -s of a sound backup works', async () => {
    const text = await runCli(['-c', confs.alice!, '-l']);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^Backup: 0000001 \S+ \S+ untrusted backup 1 of alice cannot be restored until the server's operator repairs the catalog \(.*manifest.*\): the operator must run cpsbackupd --repair-catalog/,
    );
    expect(lines[1]).toMatch(/^Backup: 0000002 \S+ \S+ \(deletable\)$/);
    expect(lines[2]).toMatch(/^Usage: 2 backups, /);

    const json = await runCli(['-c', confs.alice!, '-l', '--json']);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as { backups: Array<{ number: number; status: string; reason: string | null; files: number }> };
    expect(listed.backups.map((b) => [b.number, b.status])).toEqual([
      [1, 'untrusted'],
      [2, 'available'],
    ]);
    expect(listed.backups[0]!.reason).toMatch(/cpsbackupd --repair-catalog/);
    expect(listed.backups[1]!.reason).toBeNull();
    expect(listed.backups[1]!.files).toBeGreaterThanOrEqual(13); // 12 files, second, and directories

    const bob = await runCli(['-c', confs.bob!, '-l', '--json']);
    expect(bob.code).toBe(0);
    const bobs = (JSON.parse(bob.stdout) as { backups: Array<{ number: number; status: string; reason: string }> }).backups;
    expect(bobs.map((b) => [b.number, b.status])).toEqual([
      [1, 'damaged'],
      [2, 'damaged'],
    ]);
    for (const b of bobs) {
      expect(b.reason).toMatch(
        new RegExp(`^backup ${b.number} of bob is damaged: its file list cannot be read \\((listing )?chunk [0-9a-f]{64} .*\\): .*cpsbackupd verify`),
      );
    }
    expect((await runCli(['-c', confs.bob!, '-l'])).stdout).toMatch(
      /^Backup: 0000001 \S+ \S+ damaged \(deletable\) backup 1 of bob is damaged: .*\nBackup: 0000002 \S+ \S+ damaged \(deletable\) backup 2 of bob is damaged: .*\nUsage: 2 backups, /,
    );

    const carol = await runCli(['-c', confs.carol!, '-l']);
    expect(carol.code).toBe(0);
    expect(carol.stdout).toMatch(/^Backup: 0000001 \S+ \S+ \(deletable\)\nUsage: 1 backups, /);

    const show = await runCli(['-c', confs.alice!, '-s', '2']);
    expect(show.stderr).toBe('');
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('alice-sub5');
    expect(show.stdout).toContain('second');
  });

  test('/status, / and /metrics answer and report the damage; cpsbackup status and check_cpsbackup grade each client', async () => {
    const res = await fetch(`${base}/status`);
    expect(res.status).toBe(200);
    const report = (await res.json()) as StatusReport;
    expect(report.store.recordProblems.some((p) => /backup 1 of alice.*disagrees with the catalog.*--repair-catalog/.test(p))).toBe(true);
    const client = (name: string) => report.clients.find((c) => c.name === name)!;
    expect(client('alice').damaged).toEqual([{ number: 1, status: 'untrusted', reason: expect.stringMatching(/cpsbackupd --repair-catalog/) }]);
    expect(client('alice').lastSuccess!.number).toBe(2);
    expect(client('alice').backups).toBe(2);
    expect(client('bob').damaged).toEqual(
      [1, 2].map((number) => ({ number, status: 'damaged', reason: expect.stringMatching(/its file list cannot be read/) })),
    );
    expect(client('bob').lastSuccess).toBeNull(); // neither of its backups can be restored
    expect(client('carol').damaged).toEqual([]);
    expect(client('carol').lastSuccess!.number).toBe(1);
    expect(client('carol').storedBytes).toBeGreaterThan(30_000);

    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/0000001 <span class="tag bad">untrusted<\/span>: backup 1 of alice cannot be restored .*cpsbackupd --repair-catalog/);
    expect(html).toMatch(/0000001 <span class="tag bad">damaged<\/span>: backup 1 of bob is damaged/);
    expect(html).toMatch(/BACKUP RECORDS<\/b>.*backup 1 of alice/);

    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    const families = new Map((parsePrometheus(await metrics.text()) as Family[]).map((f) => [f.name, f]));
    const value = (name: string, c?: string) => Number(families.get(name)!.metrics.find((m) => (c ? m.labels?.client === c : true))!.value);
    expect(value('cpsbackup_client_damaged_backups', 'alice')).toBe(1);
    expect(value('cpsbackup_client_damaged_backups', 'bob')).toBe(2);
    expect(value('cpsbackup_client_damaged_backups', 'carol')).toBe(0);
    expect(value('cpsbackup_store_record_problems')).toBeGreaterThanOrEqual(1);
    expect(value('cpsbackup_client_backups', 'carol')).toBe(1);
    expect(server.logLines().some((l) => l.msg === 'status request failed')).toBe(false);

    const table = await runCli(['status', '--url', base]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^alice +0000002 \d+s ago +2 .* {2}DAMAGED; backup 0000001 untrusted: .*--repair-catalog/m);
    expect(table.stdout).toMatch(/^bob +never +2 .* {2}DAMAGED; backup 0000001 damaged: .*; backup 0000002 damaged: /m);
    expect(table.stdout).toMatch(/^carol +0000001 \d+s ago +1 +\S+ \S+ {2}OK$/m);

    const alice = await runCheck(['--url', base, '--client', 'alice']);
    expect(alice.code).toBe(1);
    expect(alice.stdout).toMatch(
      /^CPSBACKUP WARNING - alice: last backup 0000002 finished \d+s ago, backup 0000001 untrusted: .*cpsbackupd --repair-catalog.* \| alice_age=/,
    );
    const bob = await runCheck(['--url', base, '--client', 'bob']);
    expect(bob.code).toBe(2);
    expect(bob.stdout).toMatch(
      /^CPSBACKUP CRITICAL - bob: no successful backup, backup 0000001 damaged: backup 1 of bob is damaged: .*cpsbackupd verify.*, backup 0000002 damaged: /,
    );
    const carol = await runCheck(['--url', base, '--client', 'carol']);
    expect(carol.code).toBe(0);
    expect(carol.stdout).toMatch(/^CPSBACKUP OK - carol: last backup 0000001 finished \d+s ago \| carol_age=/);
    const all = await runCheck(['--url', base]);
    expect(all.code).toBe(2);
    expect(all.stdout).toMatch(
      /^CPSBACKUP CRITICAL - 1 never, 1 damaged of 3 clients: bob, alice \| .*\nbob: no successful backup, .*damaged.*\nalice: .*untrusted.*\ncarol: last backup 0000001/,
    );
  });

  test('a new backup of alice goes on; retention (keep = 2) neither counts nor deletes the untrusted backup', async () => {
    const next = await runCli(['-c', confs.alice!, '-e', '--json']);
    expect(next.stderr).toBe('');
    expect(next.code).toBe(0);
    expect(JSON.parse(next.stdout).backup.number).toBe(3);
    const listed = JSON.parse((await runCli(['-c', confs.alice!, '-l', '--json'])).stdout) as { backups: Array<{ number: number; status: string }> };
    expect(listed.backups.map((b) => [b.number, b.status])).toEqual([
      [1, 'untrusted'],
      [2, 'available'],
      [3, 'available'],
    ]);
  });
});

describe('a damaged parent file list', () => {
  const { root, pki, server } = useServer('damaged-parent', { clients: { bob: [] } });

  test("does not stop its client's backups: the next one reads every file again, says why, and restores bit-exact", async () => {
    const data = path.join(root, 'bob-data');
    fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
    const rnd = new SeededRandom('parent');
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(data, `top${i}`), rnd.bytes(2_000 + i * 77));
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(data, 'sub', `sub${i}`), rnd.bytes(3_000 + i * 91));
    const conf = writeNodeConf(path.join(root, 'bob'), server, { cname: 'bob', cert: pki.client('bob'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const port = server.port;
    await server.stop();
    // The listing of sub rots in its pack (the catalog is sound).
    const db = new Database(path.join(server.storeDir, 'catalog.db'));
    rotListing(db, server.storeDir, path.join(data, 'sub'));
    db.close();
    await server.start(port);

    fs.writeFileSync(path.join(data, 'sub', 'new'), 'made after the damage');
    const next = await runCli(['-c', conf, '-e', '--json']);
    expect(next.stderr).toBe('');
    expect(next.code).toBe(5); // warnings
    const out = JSON.parse(next.stdout) as { backup: { number: number; warnings: string[] }; counters: { filesRead: number } };
    expect(out.backup.number).toBe(2);
    expect(out.counters.filesRead).toBe(13);
    expect(out.backup.warnings).toHaveLength(1);
    expect(out.backup.warnings[0]).toMatch(
      /^the previous backup \(1\) is damaged: .* does not match its hash: the stored copy is damaged \(its listing of ".*\/sub"\); so every file is read again/,
    );
    expect(server.logLines().some((l) => String(l.msg).startsWith("the parent's file list cannot be read whole"))).toBe(true);
    const to = path.join(root, 'restored');
    const restored = await runCli(['-c', conf, '-i', '2', '--to', to]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
  });
});

/**
 * What still fails a status request (a damaged catalog: the store cannot
 * say what the clients hold) is answered at once, 500 and why to look in
 * the log, never left hanging until status_timeout cuts it.
 */
describe('a status request that fails is answered, not left hanging', () => {
  const { root, pki, server } = useServer('status-fails', { status: true, clients: { cat: [] } });

  test('a damaged catalog: /, /status and /metrics answer 500 at once; check_cpsbackup says UNKNOWN with the answer', async () => {
    const data = path.join(root, 'cat-data');
    fs.mkdirSync(data);
    const rnd = new SeededRandom('cat');
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(data, `f${i}`), rnd.bytes(3_000 + i));
    const conf = writeNodeConf(path.join(root, 'cat'), server, { cname: 'cat', cert: pki.client('cat'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const port = server.port;
    await server.stop();
    // Garbage over an inner page of the chunks table (300 rows need a few pages): every usage lookup meets it.
    const file = path.join(server.storeDir, 'catalog.db');
    const db = new Database(file, { readonly: true });
    const inner = db.prepare(`SELECT pageno FROM dbstat WHERE name = 'chunks' AND pagetype = 'internal'`).pluck().all() as number[];
    db.close();
    const bytes = fs.readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    bytes.fill(0xa5, (inner[0]! - 1) * pageSize + 12, inner[0]! * pageSize);
    fs.writeFileSync(file, bytes);
    await server.start(port);

    const base = `http://127.0.0.1:${server.statusPort}`;
    for (const p of ['/', '/status', '/metrics']) {
      const res = await fetch(base + p);
      expect([p, res.status]).toEqual([p, 500]);
      expect(await res.text()).toBe("internal error: cpsbackupd's log says what failed (status request failed)\n");
    }
    expect(server.logLines().find((l) => l.msg === 'status request failed')?.err).toMatch(/catalog .* is damaged.*--repair-catalog/);
    const check = await runCheck(['--url', base, '--client', 'cat']);
    expect(check.code).toBe(3);
    expect(check.stdout).toMatch(/^CPSBACKUP UNKNOWN - status port \S+ answered HTTP 500: internal error: cpsbackupd's log says what failed/);
    expect((await (await fetch(base + '/health')).json()) as unknown).toEqual({ status: 'ok' });
  });
});
