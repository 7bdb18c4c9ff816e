import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { backupTree, readTree } from '@cpsbackup/testkit/store-trees';
import { type BackupInfo } from './catalog';
import { createRecordsKey, readRecordsKey } from './backup-records';
import { isStoreError } from './errors';
import { repairCatalog } from './repair';
import { Store } from './store';

/**
 * The backup records are the catalog's independent copy: a damaged catalog
 * row never overwrites one, the repair keeps whichever copy verifies
 * against the packs, and a record altered, swapped or put back by someone
 * who can write the storage (but has not the server's key) is reported and
 * never trusted.
 */

const BASE = { packTargetSize: 256 * 1024, flushThreshold: 128 * 1024 };

function tree(seed: string, files: number): Map<string, Buffer> {
  const rnd = new SeededRandom(seed);
  const t = new Map<string, Buffer>();
  for (let i = 0; i < files; i++) t.set(`/${seed}/f${i}`, rnd.bytes(4_000 + i * 1_013));
  return t;
}

/** A listing without what only the catalog's own numbering says (ids, parent links). */
function listed(b: BackupInfo): Record<string, unknown> {
  const { id: _id, parentId: _parent, ...rest } = b;
  return rest;
}

let dir: string;
let conf: string;
let keyFile: string;
let opts: typeof BASE & { recordsKey: string };

beforeEach(() => {
  dir = tempDir('record-integrity');
  conf = tempDir('record-integrity-conf'); // where server.conf and the TLS keys would be: the key lives there, not in the store
  keyFile = path.join(conf, 'records.key');
  opts = { ...BASE, recordsKey: keyFile };
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(conf, { recursive: true, force: true });
});

const record = (name: string) => path.join(dir, 'records', name);

/** alpha 1, 2 (labelled, on 1), 3; beta 1; gamma 1: what each restores, and the listing. */
async function populate(): Promise<{ trees: Map<string, Map<string, Buffer>>; before: BackupInfo[] }> {
  const store = await Store.open(dir, opts);
  const trees = new Map<string, Map<string, Buffer>>();
  try {
    const a1 = await backupTree(store, 'alpha', (trees.set('alpha/1', tree('a1', 6)), trees.get('alpha/1')!));
    const a2 = await backupTree(store, 'alpha', (trees.set('alpha/2', new Map([...tree('a1', 6), ...tree('a2', 4)])), trees.get('alpha/2')!), a1.id);
    await store.setBackupLabel(a2.id, 'before upgrade', null);
    await backupTree(store, 'alpha', (trees.set('alpha/3', tree('a3', 3)), trees.get('alpha/3')!), a2.id);
    await backupTree(store, 'beta', (trees.set('beta/1', tree('b1', 5)), trees.get('beta/1')!));
    await backupTree(store, 'gamma', (trees.set('gamma/1', tree('g1', 2)), trees.get('gamma/1')!));
    return { trees, before: store.listBackups() };
  } finally {
    await store.close();
  }
}

async function expectRestores(store: Store, trees: Map<string, Map<string, Buffer>>, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    const [client, number] = key.split('/') as [string, string];
    const got = await readTree(store, store.getBackupByNumber(client, Number(number)).id);
    const want = trees.get(key)!;
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [p, c] of want) expect(got.get(p)!.equals(c)).toBe(true);
  }
}

/** Opens, expects the records reported (log lines come from these, with what to do), verify not clean; then closes. */
async function expectReported(client: string, pattern: RegExp): Promise<void> {
  const store = await Store.open(dir, opts);
  try {
    const problems = store.recordProblems(client).map((p) => p.message);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
    for (const p of problems) expect(p).toMatch(/--repair-catalog/);
    expect((await store.stats()).recordProblems).toEqual(expect.arrayContaining(problems));
    const v = await store.verify();
    expect(v.ok).toBe(false);
    expect(v.catalogProblems).toEqual(expect.arrayContaining(problems.map((p) => `backup records: ${p}`)));
  } finally {
    await store.close();
  }
}

function removeCatalog(): void {
  for (const f of fs.readdirSync(dir)) if (f.startsWith('catalog.db')) fs.rmSync(path.join(dir, f));
}

/** Changes one field of backup `number` of alpha in the closed catalog, as a flipped bit would (SQLite sees nothing wrong). */
function damageRow(number: number, change: (row: Record<string, unknown>, db: Database.Database) => [string, unknown]): void {
  const db = new Database(path.join(dir, 'catalog.db'));
  try {
    const row = db.prepare(`SELECT b.* FROM backups b JOIN clients c ON c.id = b.client_id WHERE c.name = 'alpha' AND b.number = ?`).get(number) as Record<
      string,
      unknown
    >;
    const [column, value] = change(row, db);
    db.prepare(`UPDATE backups SET ${column} = ? WHERE id = ?`).run(value, row.id);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

const flipBit = (buf: Buffer, at: number): Buffer => {
  const b = Buffer.from(buf);
  b[at]! ^= 0x10;
  return b;
};

describe('a catalog row damaged in any field its record holds: every start leaves the record alone and says so; the repair keeps the copy that verifies', () => {
  const damages: Array<[string, (row: Record<string, unknown>, db: Database.Database) => [string, unknown]]> = [
    ["manifest (the file list's root ids)", (r) => ['manifest', flipBit(r.manifest as Buffer, 5)]],
    ['status: error', () => ['status', 'error']],
    ['status: deleting (the start then drops the row)', () => ['status', 'deleting']],
    ['number', (r) => ['number', (r.number as number) ^ 8]],
    ['client', (_r, db) => ['client_id', db.prepare(`SELECT id FROM clients WHERE name = 'beta'`).pluck().get()]],
    ['started_at', (r) => ['started_at', (r.started_at as number) ^ (1 << 20)]],
    ['finished_at', (r) => ['finished_at', (r.finished_at as number) ^ 1]],
    ['file_count', (r) => ['file_count', (r.file_count as number) ^ 2]],
    ['logical_bytes', (r) => ['logical_bytes', (r.logical_bytes as number) ^ 256]],
    ['manifest_format', (r) => ['manifest_format', (r.manifest_format as number) ^ 1]],
    ['id', (r) => ['id', (r.id as number) ^ 16]],
    [
      "manifest: another backup's file list (which reads whole)",
      (_r, db) => [
        'manifest',
        db.prepare(`SELECT b.manifest FROM backups b JOIN clients c ON c.id = b.client_id WHERE c.name = 'alpha' AND b.number = 3`).pluck().get(),
      ],
    ],
  ];

  test.each(damages)('%s', async (_field, change) => {
    const { trees, before } = await populate();
    const victim = record('backups/alpha/0000002');
    const recorded = fs.readFileSync(victim);
    damageRow(2, change);

    await expectReported('alpha', /backup 2 of alpha|catalog lists backup \d+ of (alpha|beta)/);
    await expectReported('alpha', /backup 2 of alpha/); // a second start: still reported, still not overwritten
    expect(fs.readFileSync(victim).equals(recorded)).toBe(true);
    // GC (asked by an operator, or by any client's retention) deletes nothing meanwhile: what only the record names stays.
    const packs = fs.readdirSync(path.join(dir, 'packs'), { recursive: true }).sort();
    const waiting = await Store.open(dir, opts);
    try {
      await expect(waiting.gc(Date.now() + 48 * 3600_000)).rejects.toThrow(
        /GC stopped before deleting anything: the backup records and the catalog disagree .*run cpsbackupd --repair-catalog first/,
      );
    } finally {
      await waiting.close();
    }
    expect(fs.readdirSync(path.join(dir, 'packs'), { recursive: true }).sort()).toEqual(packs);

    const r = await repairCatalog(dir, 'catalog', undefined, keyFile);
    expect(r.disagreements.join('\n')).toMatch(/backup 2 of alpha/);
    expect(r.backups).toEqual({ available: 5, error: 0 });
    const store = await Store.open(dir, opts);
    try {
      expect(store.recordProblems()).toEqual([]);
      expect(store.listBackups().map(listed)).toEqual(before.map(listed));
      await expectRestores(store, trees, [...trees.keys()]);
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('records altered by someone who can write the storage but has not the key', () => {
  /** Rebuilds from the storage alone; expects `gone` refused and not listed, and everything listed to restore as it was made. */
  /**
   * Rebuilds from the storage alone; expects `gone` refused and not listed, and everything listed to restore as it
   * was made. `unrecovered`: backups a trusted client record lists whose own record is refused: still listed in the
   * records, reported at start, and GC deletes nothing meanwhile (their data is still in the packs).
   */
  async function rebuildExpecting(
    trees: Map<string, Map<string, Buffer>>,
    gone: readonly string[],
    refused: RegExp[],
    unrecovered: readonly string[] = [],
    gcHeld = unrecovered.length > 0,
  ): Promise<void> {
    removeCatalog();
    const r = await repairCatalog(dir, 'storage', undefined, keyFile);
    for (const re of refused) expect(r.refusedRecords).toEqual(expect.arrayContaining([expect.stringMatching(re)]));
    expect(r.unrecoveredBackups.sort()).toEqual(unrecovered.map((k) => `backup ${k.split('/')[1]} of ${k.split('/')[0]}`).sort());
    const packs = fs.readdirSync(path.join(dir, 'packs'), { recursive: true }).sort();
    const store = await Store.open(dir, opts);
    try {
      const now = store.listBackups().map((b) => `${b.client}/${b.number}`);
      expect(now.sort()).toEqual([...trees.keys()].filter((k) => !gone.includes(k)).sort());
      await expectRestores(store, trees, now);
      if (!gcHeld) {
        expect(store.recordProblems()).toEqual([]);
        expect((await store.verify()).ok).toBe(true);
      } else {
        for (const k of unrecovered) {
          const [client, number] = k.split('/') as [string, string];
          expect(store.recordProblems(client).map((p) => p.message)).toContainEqual(expect.stringContaining(`backup ${Number(number)} of ${client}`));
        }
        await expect(store.gc(Date.now() + 48 * 3600_000)).rejects.toThrow(/GC stopped before deleting anything/);
      }
    } finally {
      await store.close();
    }
    expect(fs.readdirSync(path.join(dir, 'packs'), { recursive: true }).sort()).toEqual(packs);
  }

  test.each([
    ['two backups', 'backups/alpha/0000001', 'backups/beta/0000001', ['alpha/1', 'beta/1']],
    ["two clients' own records", 'clients/alpha', 'clients/beta', ['alpha/1', 'alpha/2', 'alpha/3', 'beta/1']],
  ])(
    '%s of two clients swapped: both reported, a backup whose own record fails is refused until repaired, a rebuild takes neither',
    async (_what, a, b, gone) => {
      const { trees } = await populate();
      const bytesA = fs.readFileSync(record(a));
      fs.writeFileSync(record(a), fs.readFileSync(record(b)));
      fs.writeFileSync(record(b), bytesA);
      await expectReported('alpha', /fails its integrity check/);
      await expectReported('beta', /fails its integrity check/);
      const store = await Store.open(dir, opts);
      try {
        // A backup's record that fails its check vouches for nothing: refused. Under a client record that fails, a backup whose own record matches its row is served.
        const refused = a.startsWith('backups/') ? gone : [];
        for (const key of refused) {
          const [client, number] = key.split('/') as [string, string];
          await expect(readTree(store, store.getBackupByNumber(client, Number(number)).id)).rejects.toThrow(
            /cannot be trusted until the server's operator repairs the catalog/,
          );
        }
        await expectRestores(
          store,
          trees,
          [...trees.keys()].filter((k) => !refused.includes(k)),
        );
      } finally {
        await store.close();
      }
      // Two backup records swapped: each backup is still listed by its client's record, so neither is given up.
      // Two client records swapped: their records stay where they are (reported; GC deletes nothing of their backups).
      await rebuildExpecting(trees, gone, [new RegExp(`^${a}: .*integrity`), new RegExp(`^${b}: .*integrity`)], a.startsWith('backups/') ? gone : [], true);
    },
  );

  test("a deleted backup's record put back: reported at start, refused by a rebuild; the backup stays deleted", async () => {
    const { trees } = await populate();
    const replayed = fs.readFileSync(record('backups/alpha/0000003'));
    let store = await Store.open(dir, opts);
    await store.deleteBackup(store.getBackupByNumber('alpha', 3).id);
    await store.close();
    expect(fs.existsSync(record('backups/alpha/0000003'))).toBe(false);
    fs.writeFileSync(record('backups/alpha/0000003'), replayed);

    await expectReported('alpha', /backup 3 of alpha is of a backup that was deleted/);
    store = await Store.open(dir, opts);
    try {
      expect(store.listBackups('alpha').map((b) => b.number)).toEqual([1, 2]);
    } finally {
      await store.close();
    }
    trees.delete('alpha/3');
    await rebuildExpecting(trees, [], [/^backups\/alpha\/0000003: its backup was deleted/]);
  });

  test("a deleted backup's record put back with its client's record of the time: the start opens and reports it (no call to rebuild from the records), GC deletes nothing", async () => {
    await populate();
    const oldBackup = fs.readFileSync(record('backups/alpha/0000003'));
    const oldClient = fs.readFileSync(record('clients/alpha'));
    let store = await Store.open(dir, opts);
    await store.deleteBackup(store.getBackupByNumber('alpha', 3).id);
    await store.gc(); // its row purged: the catalog holds nothing of backup 3 but its number handed out
    await store.close();
    fs.writeFileSync(record('backups/alpha/0000003'), oldBackup);
    fs.writeFileSync(record('clients/alpha'), oldClient);

    // Not taken for a catalog older than the storage (which would send the operator to rebuild from the records).
    await expectReported('alpha', /backup 3 of alpha/);
    store = await Store.open(dir, opts);
    try {
      expect(store.listBackups('alpha').map((b) => b.number)).toEqual([1, 2]);
      await expect(store.gc()).rejects.toThrow(/GC stopped before deleting anything/);
    } finally {
      await store.close();
    }
  });

  test('a backup its record does not vouch for is never deleted, whoever asks: its record may be its only sound copy', async () => {
    await populate();
    const victim = record('backups/alpha/0000002');
    const recorded = fs.readFileSync(victim);
    damageRow(2, (r) => ['manifest', flipBit(r.manifest as Buffer, 5)]);
    const store = await Store.open(dir, opts);
    try {
      await expect(store.deleteBackup(store.getBackupByNumber('alpha', 2).id)).rejects.toThrow(
        /backup 2 of alpha cannot be trusted until the server's operator repairs the catalog/,
      );
      expect(store.getBackupByNumber('alpha', 2).status).toBe('available');
    } finally {
      await store.close();
    }
    expect(fs.readFileSync(victim).equals(recorded)).toBe(true);
  });

  test.each([
    ['its HMAC', 12],
    ['its backup number', -1],
    ['its file list', -2],
  ])('a byte flipped in %s: reported, never used to rebuild', async (_where, at) => {
    const { trees } = await populate();
    const file = record('backups/alpha/0000002');
    const bytes = fs.readFileSync(file);
    const text = bytes.toString('utf8');
    const offset = at === -1 ? text.indexOf('"number":') + 9 : at === -2 ? text.indexOf('"base64":"') + 12 : at;
    bytes[offset] = bytes[offset] === 0x31 ? 0x32 : 0x31;
    fs.writeFileSync(file, bytes);
    await expectReported('alpha', /backup 2 of alpha (fails its integrity check|is not a record this server wrote)/);
    await rebuildExpecting(trees, ['alpha/2'], [/^backups\/alpha\/0000002: /], ['alpha/2']);
  });
});

describe('the records key', () => {
  test('kept outside the store, private to the server; a store whose records are signed will not start or rebuild without it', async () => {
    await populate();
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(
      fs
        .readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.includes('key')),
    ).toEqual([]);
    fs.renameSync(keyFile, `${keyFile}.kept`);
    let failure: unknown;
    try {
      await (await Store.open(dir, opts)).close();
    } catch (err) {
      failure = err;
    }
    expect(isStoreError(failure, 'RECORDS_KEY_MISSING')).toBe(true);
    expect((failure as Error).message).toContain(`not at ${keyFile}: restore ${keyFile} from the backup of the server's configuration`);
    removeCatalog();
    await expect(repairCatalog(dir, 'storage', undefined, keyFile)).rejects.toThrow(/are signed, but the key that signs them is not at/);
    expect(fs.existsSync(keyFile)).toBe(false); // no new key was made over signed records
  });

  test('records of a version that did not sign them are signed once, where they agree with the catalog, and said so', async () => {
    const { trees } = await populate();
    // As an earlier version left them: each its row as JSON, no key anywhere.
    for (const name of fs.readdirSync(path.join(dir, 'records'), { recursive: true }).map(String)) {
      const file = record(name);
      if (!fs.statSync(file).isFile() || !/^(clients|backups)\//.test(name)) continue;
      const row = (JSON.parse(fs.readFileSync(file, 'utf8')) as { record: Record<string, unknown> }).record;
      delete row.live;
      delete row.through;
      fs.writeFileSync(file, JSON.stringify(row) + '\n');
    }
    fs.rmSync(keyFile);
    let store = await Store.open(dir, opts);
    try {
      expect(store.recordsAdopted).toBe(8); // 3 clients, 5 backups
      expect(store.recordProblems()).toEqual([]);
    } finally {
      await store.close();
    }
    expect(fs.readFileSync(record('backups/beta/0000001'), 'utf8')).toMatch(/^\{"hmac":"[0-9a-f]{64}"/);
    store = await Store.open(dir, opts);
    try {
      expect(store.recordsAdopted).toBe(0);
      expect(store.recordProblems()).toEqual([]);
    } finally {
      await store.close();
    }
    removeCatalog();
    await repairCatalog(dir, 'storage', undefined, keyFile);
    store = await Store.open(dir, opts);
    try {
      await expectRestores(store, trees, [...trees.keys()]);
    } finally {
      await store.close();
    }
  });
  test('a key other users may read or change is refused at open and repair, as ssh refuses a loose private key; a group key is made 0640 whatever the umask', async () => {
    await populate();
    for (const mode of [0o644, 0o604, 0o602, 0o601, 0o660, 0o620, 0o610]) {
      fs.chmodSync(keyFile, mode);
      expect(() => readRecordsKey(keyFile)).toThrow(/whoever reads it can forge backup records; make it readable by its owner only \(chmod 0600/);
      await expect(Store.open(dir, opts)).rejects.toThrow(`the records key ${keyFile} is ${mode & 0o007 ? 'open to every user' : 'writable by its group'}`);
      await expect(repairCatalog(dir, 'catalog', undefined, keyFile)).rejects.toThrow(/whoever reads it can forge backup records/);
    }
    fs.chmodSync(keyFile, 0o600);
    await (await Store.open(dir, opts)).close();

    const groupKey = path.join(path.dirname(keyFile), 'group.key');
    const umask = process.umask(0o077);
    try {
      createRecordsKey(groupKey, process.getgid!());
    } finally {
      process.umask(umask);
    }
    expect(fs.statSync(groupKey).mode & 0o777).toBe(0o640);
    expect(readRecordsKey(groupKey)?.key).toHaveLength(32);
    const before = fs.readFileSync(groupKey);
    expect(() => createRecordsKey(groupKey)).toThrow(/EEXIST/); // never over a key
    expect(fs.readFileSync(groupKey)).toEqual(before);
  });
});

describe('a catalog row its signed record does not vouch for is never served until --repair-catalog decides', () => {
  /** Opens the closed catalog for a change a hostile hand (or a flipped bit) makes. */
  function withCatalog<T>(change: (db: Database.Database) => T): T {
    const db = new Database(path.join(dir, 'catalog.db'));
    try {
      const r = change(db);
      db.pragma('wal_checkpoint(TRUNCATE)');
      return r;
    } finally {
      db.close();
    }
  }
  const idOf = (db: Database.Database, client: string, number: number) =>
    db.prepare(`SELECT b.id FROM backups b JOIN clients c ON c.id = b.client_id WHERE c.name = ? AND b.number = ?`).pluck().get(client, number) as number;

  /** Expects every read of backup `number` of `client` (restore, show, as a parent) refused, naming it and the repair. */
  async function expectRefused(store: Store, client: string, number: number): Promise<void> {
    const b = store.getBackupByNumber(client, number);
    const refusal = new RegExp(`backup ${number} of ${client} cannot be trusted until the server's operator repairs the catalog .*cpsbackupd --repair-catalog`);
    await expect(readTree(store, b.id)).rejects.toThrow(refusal);
    expect(() => store.manifestIds(b.id)).toThrow(refusal); // where the server's reads of it (restore, show, a parent's list) start
    await expect(store.chunksOf(b.id).next()).rejects.toThrow(refusal);
    expect(() => store.beginBackup({ client, parentId: b.id })).toThrow(refusal);
    expect(store.untrustedReason(b)).toBeDefined();
  }

  test("the manifest of a backup swapped with another client's: refused, not a parent; the repair keeps the record's, which restores bit-exact", async () => {
    const { trees } = await populate();
    withCatalog((db) =>
      db.prepare(`UPDATE backups SET manifest = (SELECT manifest FROM backups WHERE id = ?) WHERE id = ?`).run(idOf(db, 'beta', 1), idOf(db, 'alpha', 2)),
    );
    await expectReported('alpha', /backup 2 of alpha disagrees with the catalog \(manifest\)/);
    let store = await Store.open(dir, opts);
    try {
      await expectRefused(store, 'alpha', 2);
      await expectRestores(store, trees, ['alpha/1', 'alpha/3', 'beta/1', 'gamma/1']); // the rest is served as before
    } finally {
      await store.close();
    }
    await repairCatalog(dir, 'catalog', undefined, keyFile);
    store = await Store.open(dir, opts);
    try {
      expect(store.recordProblems()).toEqual([]);
      await expectRestores(store, trees, [...trees.keys()]);
    } finally {
      await store.close();
    }
  });

  test('every catalog field damaged: each backup whose row is no longer as committed is refused, every other restores', async () => {
    const fields: Array<[string, (r: Record<string, unknown>) => unknown]> = [
      ['manifest', (r) => flipBit(r.manifest as Buffer, 5)],
      ['file_count', (r) => (r.file_count as number) ^ 2],
      ['logical_bytes', (r) => (r.logical_bytes as number) ^ 256],
      ['finished_at', (r) => (r.finished_at as number) ^ 1],
      ['number', (r) => (r.number as number) ^ 8],
    ];
    const { trees } = await populate();
    for (const [column, change] of fields) {
      damageRow(2, (r) => [column, change(r)]);
      const store = await Store.open(dir, opts);
      try {
        const damaged = `alpha/${column === 'number' ? 2 ^ 8 : 2}`;
        expect(store.listBackups().map((b) => `${b.client}/${b.number}`)).toContain(damaged);
        for (const b of store.listBackups()) {
          if (`${b.client}/${b.number}` === damaged) await expectRefused(store, b.client, b.number);
          else expect(store.untrustedReason(b)).toBeUndefined();
        }
        await expectRestores(
          store,
          trees,
          [...trees.keys()].filter((k) => k !== 'alpha/2'),
        );
      } finally {
        await store.close();
      }
      await repairCatalog(dir, 'catalog', undefined, keyFile);
    }
    const store = await Store.open(dir, opts);
    try {
      await expectRestores(store, trees, [...trees.keys()]);
    } finally {
      await store.close();
    }
  });

  test.each([
    ["another client's backup (another dedup group)", 'beta'],
    ['the backup of another client on the same account (its dedup group)', 'delta'],
  ])(
    "a forged new row above the client record's through, copying %s: reported, never signed, not served; the repair keeps it only as failed",
    async (_what, from) => {
      const { trees } = await populate();
      let store = await Store.open(dir, opts);
      try {
        store.catalog.ensureClient('delta', 'alpha'); // alpha's account: its chunks dedup with alpha's
        await backupTree(store, 'delta', (trees.set('delta/1', tree('d1', 3)), trees.get('delta/1')!));
      } finally {
        await store.close();
      }
      withCatalog((db) => {
        const alpha = db.prepare(`SELECT id FROM clients WHERE name = 'alpha'`).pluck().get() as number;
        const src = db.prepare(`SELECT * FROM backups WHERE id = ?`).get(idOf(db, from, 1)) as Record<string, unknown>;
        db.prepare(
          `INSERT INTO backups (client_id, number, parent_id, status, started_at, finished_at, file_count, logical_bytes, manifest, manifest_format)
         VALUES (?, 4, NULL, 'available', ?, ?, ?, ?, ?, ?)`,
        ).run(alpha, src.started_at, src.finished_at, src.file_count, src.logical_bytes, src.manifest, src.manifest_format);
        db.prepare(`UPDATE clients SET next_number = 5 WHERE id = ?`).run(alpha);
      });
      await expectReported(
        'alpha',
        /backup 4 of alpha, newer than its client's signed record, but its file list (was not uploaded by this client|is that of another client's backup)/,
      );
      expect(fs.existsSync(record('backups/alpha/0000004'))).toBe(false);
      store = await Store.open(dir, opts);
      try {
        await expectRefused(store, 'alpha', 4);
      } finally {
        await store.close();
      }
      const r = await repairCatalog(dir, 'catalog', undefined, keyFile);
      expect(r.disagreements.join('\n')).toMatch(
        /backup 4 of alpha: no signed record vouched for it and its file list is that of another client's backup; kept as failed/,
      );
      store = await Store.open(dir, opts);
      try {
        expect(store.getBackupByNumber('alpha', 4).status).toBe('error');
        await expectRestores(store, trees, [...trees.keys()]);
      } finally {
        await store.close();
      }
    },
  );

  test('a commit that crashed before its client record was written (a new row of its own file list) is still signed at the next start', async () => {
    const { trees } = await populate();
    const kept = fs.readFileSync(record('clients/alpha'));
    let store = await Store.open(dir, opts);
    try {
      await backupTree(store, 'alpha', (trees.set('alpha/4', tree('a4', 3)), trees.get('alpha/4')!));
    } finally {
      await store.close();
    }
    fs.writeFileSync(record('clients/alpha'), kept); // as if the commit stopped after the catalog
    fs.rmSync(record('backups/alpha/0000004'));
    store = await Store.open(dir, opts);
    try {
      expect(store.recordProblems()).toEqual([]);
      await expectRestores(store, trees, ['alpha/4']);
    } finally {
      await store.close();
    }
    expect(fs.existsSync(record('backups/alpha/0000004'))).toBe(true);
  });

  test.each([3, 2, 1])("a client's next number lowered to %i: reported and raised at start, the next backup takes the next free number", async (lowered) => {
    const { trees } = await populate();
    withCatalog((db) => db.prepare(`UPDATE clients SET next_number = ? WHERE name = 'alpha'`).run(lowered));
    const store = await Store.open(dir, opts);
    try {
      expect(store.recordCorrections).toEqual([expect.stringMatching(new RegExp(`next backup number of client alpha was ${lowered}, below 4 .*raised to 4`))]);
      expect(store.recordProblems()).toEqual([]);
      const b = await backupTree(store, 'alpha', (trees.set('alpha/4', tree('a4', 3)), trees.get('alpha/4')!));
      expect(b.number).toBe(4);
      await expectRestores(store, trees, [...trees.keys()]);
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });
});
