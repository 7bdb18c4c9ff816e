import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { runCli, snapshotTree, tempDir, TestPostgres, TestServer, writeNodeConf, useServer, directoriesOnTheWay } from '@cpsbackup/testkit/e2e';

const FIXTURES = path.resolve(__dirname, '../fixtures');
const REPO = path.resolve(__dirname, '../..');

function packBytes(storeDir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.pack')) total += fs.statSync(path.join(d, e.name)).size;
    }
  };
  walk(path.join(storeDir, 'packs'));
  return total;
}

describe('the cpsbackup CLI, dump jobs, retention, quotas and permissions', () => {
  const { root, pki, server } = useServer('cli', {
    conf: ['gc_grace = 0'],
    clients: {
      cli: [],
      mongo: [],
      pg: [],
      keeper: ['keep = 3'],
      counted: ['quota_backups = 2'],
      sized: ['quota_bytes = 1M'],
      locked: ['client_can_delete = 0'],
    },
  });

  function tree(name: string, files = 5, size = 20_000): string {
    const dir = path.join(root, name);
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    const rnd = new SeededRandom(name);
    for (let i = 0; i < files; i++) fs.writeFileSync(path.join(dir, i % 2 ? 'sub' : '', `file${i}.txt`), rnd.text(size));
    return dir;
  }

  test('every option and output format', async () => {
    const data = tree('cli-data');
    const conf = writeNodeConf(root, server, { cname: 'cli', cert: pki.client('cli'), include: [data] });

    const help = await runCli(['-h']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--export/);
    expect(help.stdout).toMatch(/8 {2}refused by the server's policy/);
    const twoActions = await runCli(['-c', conf, '-e', '-l']);
    expect(twoActions.code).toBe(2);
    expect(twoActions.stderr).toMatch(/exactly one of -e, -i, -l, -s, -d/);

    const e1 = await runCli(['-c', conf, '-e', '--name', 'before upgrade', '--description', 'taken by hand']);
    expect(e1.code).toBe(0);
    // The tree's 7 entries, and the directories on the way to it (kept for their metadata).
    const entries = 7 + directoriesOnTheWay(data);
    expect(e1.stdout).toMatch(new RegExp(`^Backup 0000001 available: ${entries} entries`));
    expect(e1.stderr).toBe(''); // no TTY: no progress bar
    const e2 = JSON.parse((await runCli(['-c', conf, '-e', '--full', '--json'])).stdout);
    expect(e2.counters.filesRead).toBe(5); // --full reads unchanged files again
    // ... and still sends nothing new of them (at most the listings on the way, which change with what else is there)
    expect(e2.counters.chunksSent).toBeLessThanOrEqual(directoriesOnTheWay(data) + 1);
    expect(e2.counters.chunkBytesSent).toBeLessThan(2048);

    const list = await runCli(['-c', conf, '-l']);
    expect(list.stdout).toMatch(/^Backup: 0000001 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(deletable\) "before upgrade"$/m);
    expect(list.stdout).toMatch(/^Backup: 0000002 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(deletable\)$/m);
    expect(list.stdout).toMatch(/^Usage: 2 backups, .* stored$/m);
    const listJson = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout);
    expect(listJson.backups.map((b: { number: number }) => b.number)).toEqual([1, 2]);
    expect(listJson.backups[0].description).toBe('taken by hand');
    expect(listJson.backups[1].parent).toBe(1);
    expect(listJson.usage.canDelete).toBe(true);

    const show = await runCli(['-c', conf, '-s', '1']);
    expect(show.stdout).toMatch(new RegExp(`^-rw-r--r-- root/root +20000 .* ${data}/file0.txt$`, 'm'));
    expect(show.stdout).toMatch(new RegExp(`^drwxr-xr-x .* ${data}/sub$`, 'm'));
    const showJson = JSON.parse((await runCli(['-c', conf, '-s', '1', '--json'])).stdout);
    expect(showJson.entries).toHaveLength(entries);
    expect(showJson.entries.find((e: { path: string }) => e.path.endsWith('file1.txt'))).toMatchObject({ type: 'file', mode: '0644', size: 20037 - 37 });

    const label = JSON.parse((await runCli(['-c', conf, '--label', '2', '--name', 'nightly', '--json'])).stdout);
    expect(label.name).toBe('nightly');

    const sub = path.join(root, 'cli-restore-sub');
    const r1 = JSON.parse((await runCli(['-c', conf, '-i', '1', '--to', sub, '--prefix', path.join(data, 'sub'), '--json'])).stdout);
    expect(r1.entries).toBe(3);
    expect(fs.readdirSync(path.join(sub, data))).toEqual(['sub']);
    const rx = path.join(root, 'cli-restore-regex');
    expect((await runCli(['-c', conf, '-i', '--to', rx, '--regex', 'file[03]\\.txt$'])).code).toBe(0);
    expect(fs.existsSync(path.join(rx, data, 'file0.txt'))).toBe(true);
    expect(fs.existsSync(path.join(rx, data, 'sub', 'file3.txt'))).toBe(true);
    expect(fs.existsSync(path.join(rx, data, 'file2.txt'))).toBe(false);

    const del = await runCli(['-c', conf, '-d', '1']);
    expect(del.stdout).toMatch(/Backup 0000001 deleted/);
    const gone = await runCli(['-c', conf, '-s', '1']);
    expect(gone.code).toBe(6);
    expect(gone.stderr).toMatch(/client cli has no backup 1/);

    const badConf = path.join(root, 'bad-node.conf');
    fs.writeFileSync(badConf, fs.readFileSync(conf, 'utf8') + 'read_all_fifos = maybe\n');
    const bad = await runCli(['-c', badConf, '-l']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`${badConf}:\\d+: read_all_fifos: expected 0 or 1, got "maybe"`));
    const downConf = writeNodeConf(path.join(root, 'down'), server, { cname: 'cli', cert: pki.client('cli'), include: [data] });
    fs.writeFileSync(downConf, fs.readFileSync(downConf, 'utf8').replace(/port = \d+/, 'port = 1'));
    const down = await runCli(['-c', downConf, '-l']);
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/cannot reach cpsbackupd at 127\.0\.0\.1:1: ECONNREFUSED/);
  });

  test('MongoDB dump jobs: one FIFO per collection, loaded back by mongorestore, files removed', async () => {
    const data = tree('mongo-data', 2);
    const dumps = path.join(root, 'mongo-dumps');
    const loadedDir = path.join(root, 'mongo-loaded');
    fs.mkdirSync(loadedDir);
    const conf = writeNodeConf(root, server, { cname: 'mongo', cert: pki.client('mongo'), include: [data] });
    const storage = path.join(root, 'mongo-storage.conf');
    const writeStorage = (collections: string[]) =>
      fs.writeFileSync(
        storage,
        [
          `dump_directory = ${dumps}`,
          'mongodb_uri = mongodb://127.0.0.1:27017',
          'mongodb_database = canopsis',
          ...collections.map((c) => `collection = ${c}`),
          `mongodump = ${FIXTURES}/fake-mongodump --uri={uri} --db={database} --collection={collection} --archive={fifo}`,
          `mongorestore = FAKE_MONGO_DIR=${loadedDir} ${FIXTURES}/fake-mongorestore --uri={uri} --nsInclude={database}.{collection} --drop --archive={file}`,
        ].join('\n') + '\n',
      );
    fs.appendFileSync(conf, `storage_conf = ${storage}\n`);
    writeStorage(['alarms', 'entities']);

    const ok = await runCli(['-c', conf, '-e', '--json']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const good = JSON.parse(ok.stdout).backup.number;
    expect(fs.readdirSync(dumps)).toEqual([]); // FIFOs removed after the backup
    const show = (await runCli(['-c', conf, '-s', String(good)])).stdout;
    expect(show).toMatch(/^prw------- .*\/mongodb-alarms\.dump \(content\)$/m);
    expect(show).toMatch(/^prw------- .*\/mongodb-entities\.dump \(content\)$/m);

    // A failing dump invalidates the backup; -i without a number skips it.
    writeStorage(['alarms', 'broken']);
    const failed = await runCli(['-c', conf, '-e']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/dump job mongodb-broken failed \(exit code 1\): Failed: can't create session/);
    const list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups;
    const bad = list[list.length - 1];
    expect(bad.status).toBe('error');
    expect(bad.reason).toMatch(/aborted by the agent: dump job mongodb-broken failed/);
    // Naming it is exit 6, as for a backup that does not exist: it cannot be restored.
    const named = await runCli(['-c', conf, '-i', String(bad.number), '--to', path.join(root, 'never')]);
    expect(named.code).toBe(6);
    expect(named.stderr).toMatch(
      new RegExp(
        `backup ${bad.number} is error \\(aborted by the agent: dump job mongodb-broken failed.*not available for restore \\(cpsbackup -l lists the available ones\\)`,
      ),
    );
    expect(fs.existsSync(path.join(root, 'never'))).toBe(false);

    writeStorage(['alarms', 'entities']);
    const to = path.join(root, 'mongo-restore');
    const restored = (name: string) => path.join(to, dumps, `mongodb-${name}.dump`);
    // Into a directory: the dumps come back as files, and nothing is loaded into the database.
    const look = await runCli(['-c', conf, '-i', '--to', to, '--json']);
    expect(look.stderr).toBe('');
    expect(look.code).toBe(0);
    const lookJson = JSON.parse(look.stdout);
    expect(lookJson.backup.number).toBe(good);
    expect(lookJson.dumpsLoaded).toEqual([]);
    expect(lookJson.dumps.map((d: { name: string; state: string; file: string }) => [d.name, d.state, d.file])).toEqual([
      ['mongodb-alarms', 'kept', restored('alarms')],
      ['mongodb-entities', 'kept', restored('entities')],
    ]);
    expect(fs.readdirSync(loadedDir)).toEqual([]);
    expect(fs.readFileSync(restored('alarms'), 'utf8')).toMatch(/^archive of canopsis\.alarms from mongodb:\/\/127\.0\.0\.1:27017\n/);
    const lookText = await runCli(['-c', conf, '-i', '--to', path.join(root, 'mongo-look'), '--prefix', dumps]);
    expect(lookText.code).toBe(0);
    const lookFile = path.join(root, 'mongo-look', dumps, 'mongodb-alarms.dump');
    const line = lookText.stdout.split('\n').find((l) => l.startsWith('dump mongodb-alarms:'))!;
    expect(line).toBe(
      `dump mongodb-alarms: not loaded (restored into ${path.join(root, 'mongo-look')}, not to the original paths: dumps are loaded into the databases only with --load-dumps); ` +
        `the dump is in ${lookFile}; to load it into this node's database: FAKE_MONGO_DIR=${loadedDir} ${FIXTURES}/fake-mongorestore --uri='mongodb://127.0.0.1:27017' ` +
        `--nsInclude='canopsis'.'alarms' --drop --archive='${lookFile}'`,
    );
    expect(fs.readdirSync(loadedDir)).toEqual([]);

    // --load-dumps over the files a first restore left: this restore does not replace them (no --overwrite), so they are not loaded.
    const stale = await runCli(['-c', conf, '-i', '--to', to, '--load-dumps']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(
      `cpsbackup: dump mongodb-alarms: not loaded (the restore did not write it: a file was there already, and a restore keeps what exists unless --overwrite is given); ` +
        `${restored('alarms')} is not this backup's dump and is left as it is; to replace it with the backup's dump and load it, restore again with --overwrite; ` +
        `to get the backup's dump elsewhere, restore with --to DIR\n`,
    );
    expect(fs.readdirSync(loadedDir)).toEqual([]);

    const imp = JSON.parse((await runCli(['-c', conf, '-i', '--to', to, '--load-dumps', '--overwrite', '--json'])).stdout);
    expect(imp.backup.number).toBe(good);
    expect(imp.dumpsLoaded).toEqual(['mongodb-alarms', 'mongodb-entities']);
    const alarms = fs.readFileSync(path.join(loadedDir, 'canopsis.alarms'), 'utf8').split('\n');
    expect(alarms[0]).toBe('archive of canopsis.alarms from mongodb://127.0.0.1:27017');
    expect(alarms[20000]).toBe('{"_id": 19999, "collection": "alarms", "value": "v19999-alarms"}');
    expect(fs.readdirSync(path.join(to, dumps))).toEqual([]); // loaded, then deleted
    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));

    // A failing mongorestore is reported with its own exit status; its dump stays where it is, and the message says where.
    writeStorage(['alarms', 'badrestore']);
    fs.rmSync(to, { recursive: true });
    // Back up once more so a dump named badrestore exists.
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    const badImp = await runCli(['-c', conf, '-i', '--to', to, '--load-dumps']);
    expect(badImp.code).toBe(1);
    expect(badImp.stdout).toMatch(/dump mongodb-alarms: loaded/);
    expect(badImp.stderr).toContain(
      `cpsbackup: dump mongodb-badrestore: not loaded (restore of mongodb-badrestore failed (exit code 1): Failed: canopsis.badrestore: E11000 duplicate key error); ` +
        `the dump is kept in ${restored('badrestore')}; once the cause is fixed, load it with: `,
    );
    expect(fs.readdirSync(path.join(to, dumps))).toEqual(['mongodb-badrestore.dump']);
    expect(fs.readFileSync(restored('badrestore'), 'utf8')).toMatch(/^archive of canopsis\.badrestore from /);
  });

  test('PostgreSQL with the example of conf/storage.conf: -i --to leaves the live database alone; the example restores a dropped database', async () => {
    const pg = new TestPostgres(tempDir('pg'));
    pg.start();
    try {
      const checksum = () =>
        pg.psql('canopsis', "SELECT count(*), md5(string_agg(id || entity || state || encode(payload, 'hex') || at, ',' ORDER BY id)) FROM alarms");
      pg.psql('postgres', 'CREATE DATABASE canopsis');
      pg.psql('canopsis', "CREATE TABLE alarms (id int PRIMARY KEY, entity text NOT NULL, state int, payload bytea, at timestamptz DEFAULT '2026-01-01')");
      pg.psql(
        'canopsis',
        "INSERT INTO alarms SELECT i, 'entity-' || i, i % 4, sha256(int4send(i)), '2026-01-01'::timestamptz + i * interval '1 minute' FROM generate_series(1, 20000) i",
      );
      const backedUp = checksum();
      expect(backedUp).toMatch(/^20000\|[0-9a-f]{32}\n$/);

      // The shipped example lines, with this cluster's binaries and connection.
      const example = [
        ...fs.readFileSync(path.join(REPO, 'conf/storage.conf'), 'utf8').matchAll(/^# ((?:dump|restore) = pg_canopsis: )(pg_dump|pg_restore) (.*)$/gm),
      ];
      expect(example.map((m) => m[2])).toEqual(['pg_dump', 'pg_restore']);
      const dumps = path.join(root, 'pg-dumps');
      const storage = path.join(root, 'pg-storage.conf');
      fs.writeFileSync(
        storage,
        [`dump_directory = ${dumps}`, ...example.map((m) => `${m[1]}${pg.bin}/${m[2]} ${pg.connArgs.join(' ')} ${m[3]}`)].join('\n') + '\n',
      );
      const data = tree('pg-data', 1);
      const conf = writeNodeConf(root, server, { cname: 'pg', cert: pki.client('pg'), include: [data], extra: [`storage_conf = ${storage}`] });
      const b = await runCli(['-c', conf, '-e', '--json']);
      expect(b.stderr).toBe('');
      expect(b.code).toBe(0);
      expect(JSON.parse(b.stdout).counters.bytesRead).toBeGreaterThan(500_000);

      // Production moves on: one more row.
      pg.psql('canopsis', "INSERT INTO alarms VALUES (20001, 'entity-new', 1, NULL, '2026-02-01')");
      const live = checksum();
      expect(live).toMatch(/^20001\|/);

      // An operator looks at the backup in a directory: the dump comes back as a file; the live database is not touched.
      const look = path.join(root, 'pg-look');
      const r = await runCli(['-c', conf, '-i', '--to', look]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(checksum()).toBe(live);
      const file = path.join(look, dumps, 'pg_canopsis.dump');
      expect(fs.lstatSync(file).isFile()).toBe(true);
      const how = new RegExp(
        `^dump pg_canopsis: not loaded \\(restored into ${look}, not to the original paths: dumps are loaded into the databases only with --load-dumps\\); ` +
          `the dump is in ${file}; to load it into this node's database: (.*)$`,
        'm',
      ).exec(r.stdout);
      expect(how).not.toBeNull();

      // The database is lost: the command the output gives (the shipped example) creates it again from the dump.
      pg.psql('postgres', 'DROP DATABASE canopsis');
      execFileSync('/bin/sh', ['-c', how![1]!], { stdio: 'pipe' });
      expect(checksum()).toBe(backedUp);

      // --load-dumps loads from a directory too, here into a dropped database again; the loaded dump is deleted.
      pg.psql('postgres', 'DROP DATABASE canopsis');
      const explicit = await runCli(['-c', conf, '-i', '--to', path.join(root, 'pg-explicit'), '--load-dumps']);
      expect(explicit.stderr).toBe('');
      expect(explicit.code).toBe(0);
      expect(explicit.stdout).toMatch(/^dump pg_canopsis: loaded$/m);
      expect(checksum()).toBe(backedUp);
      expect(fs.readdirSync(path.join(root, 'pg-explicit', dumps))).toEqual([]);

      // To the original paths, a plain -i loads by default (over the database as it is now), unless --no-load-dumps.
      pg.psql('canopsis', "INSERT INTO alarms VALUES (20001, 'entity-new', 1, NULL, '2026-02-01')");
      const kept = await runCli(['-c', conf, '-i', '--prefix', dumps, '--no-load-dumps']);
      expect(kept.code).toBe(0);
      expect(kept.stdout).toContain(`dump pg_canopsis: not loaded (--no-load-dumps); the dump is in ${path.join(dumps, 'pg_canopsis.dump')}; to load it`);
      expect(checksum()).toBe(live);
      fs.rmSync(path.join(dumps, 'pg_canopsis.dump'));
      const inPlace = await runCli(['-c', conf, '-i', '--prefix', dumps]);
      expect(inPlace.stderr).toBe('');
      expect(inPlace.code).toBe(0);
      expect(inPlace.stdout).toMatch(/^dump pg_canopsis: loaded$/m);
      expect(checksum()).toBe(backedUp);
      expect(fs.readdirSync(dumps)).toEqual([]);
    } finally {
      pg.stop();
      fs.rmSync(pg.root, { recursive: true, force: true });
    }
  });

  test('keep = 3 after 5 backups leaves exactly the newest 3, all restorable, and GC shrinks the store', async () => {
    // A store of its own, so the figures are this client's alone.
    const own = new TestServer(path.join(root, 'keeper-server'), pki, ['gc_grace = 0']);
    own.addClient('keeper', ['keep = 3']);
    await own.start();
    const data = path.join(root, 'keeper-data');
    const conf = writeNodeConf(root, own, { cname: 'keeper', cert: pki.client('keeper'), include: [data] });
    const snaps = new Map<number, ReturnType<typeof snapshotTree>>();
    for (let i = 1; i <= 5; i++) {
      fs.rmSync(data, { recursive: true, force: true });
      fs.mkdirSync(data);
      fs.writeFileSync(path.join(data, 'generation'), new SeededRandom(`keeper-${i}`).bytes(1_500_000));
      const r = JSON.parse((await runCli(['-c', conf, '-e', '--json'])).stdout);
      snaps.set(r.backup.number, snapshotTree(data));
    }
    const list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups;
    expect(list.map((b: { number: number }) => b.number)).toEqual([3, 4, 5]);
    for (const n of [3, 4, 5]) {
      const to = path.join(root, `keeper-restore-${n}`);
      expect((await runCli(['-c', conf, '-i', String(n), '--to', to])).code).toBe(0);
      expect(snapshotTree(path.join(to, data))).toEqual(snaps.get(n));
    }
    await own.stop();
    const gcs = own.logLines().filter((l) => l.msg === 'garbage collected');
    expect(gcs.length).toBe(2); // after backups 4 and 5, each of which retired one
    const shrank = gcs.map((g) => (g.bytesBefore as number) - (g.bytesAfter as number));
    expect(Math.max(...shrank)).toBeGreaterThan(2_900_000); // two dead 1.5 MB generations reclaimed
    // Left: three generations of 1.5 MB of random data (no dedup, no compression), not five.
    expect(packBytes(own.storeDir)).toBeLessThan(3 * 1_500_000 + 200_000);
  });

  test('a quota refusal and a client_can_delete = 0 refusal: clear messages, exit code 8', async () => {
    const data = tree('quota-data', 2, 5000);
    const counted = writeNodeConf(root, server, { cname: 'counted', cert: pki.client('counted'), include: [data] });
    expect((await runCli(['-c', counted, '-e'])).code).toBe(0);
    expect((await runCli(['-c', counted, '-e'])).code).toBe(0);
    const third = await runCli(['-c', counted, '-e']);
    expect(third.code).toBe(8);
    expect(third.stderr).toMatch(/quota reached: client counted holds 2 backups and retention would keep 3 with a new one \(quota_backups = 2\)/);
    expect((await runCli(['-c', counted, '-l'])).stdout).toMatch(/^Usage: 2 backups of 2 allowed/m);

    const big = path.join(root, 'sized-data');
    fs.mkdirSync(big);
    fs.writeFileSync(path.join(big, 'random.bin'), new SeededRandom('sized').bytes(3_000_000));
    const sized = writeNodeConf(root, server, { cname: 'sized', cert: pki.client('sized'), include: [big] });
    const over = await runCli(['-c', sized, '-e']);
    expect(over.code).toBe(8);
    expect(over.stderr).toMatch(/quota exceeded during the backup: client sized would store more than 1\.0 MiB \(quota_bytes\)/);
    expect(JSON.parse((await runCli(['-c', sized, '-l', '--json'])).stdout).backups[0].status).toBe('error');

    const locked = writeNodeConf(root, server, { cname: 'locked', cert: pki.client('locked'), include: [data] });
    expect((await runCli(['-c', locked, '-e'])).code).toBe(0);
    expect((await runCli(['-c', locked, '-l'])).stdout).toMatch(/^Backup: 0000001 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
    const del = await runCli(['-c', locked, '-d', '1']);
    expect(del.code).toBe(8);
    expect(del.stderr).toMatch(/client locked may not delete backups \(client_can_delete = 0 on the server\)/);
    expect(JSON.parse((await runCli(['-c', locked, '-l', '--json'])).stdout).backups).toHaveLength(1);
  });
});
