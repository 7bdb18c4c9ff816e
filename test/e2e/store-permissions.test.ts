import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { requireBuild, runCli, SERVER_BIN, tempDir, TestPki, TestServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/** cpsbackupd run on `server`'s configuration (written by a start()) to its end: its exit code and what it wrote on stderr. */
function startRefused(server: TestServer): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

/** Every path under `dir` (itself included), with its mode. */
function walk(dir: string): Array<{ path: string; mode: number; dir: boolean }> {
  const out: Array<{ path: string; mode: number; dir: boolean }> = [];
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    out.push({ path: p, mode: st.mode & 0o7777, dir: st.isDirectory() });
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return out;
}

/** The paths under `dir` with any bit for group or others: none may have one. */
function loose(dir: string): string[] {
  return walk(dir)
    .filter((e) => (e.mode & 0o077) !== 0)
    .map((e) => `${e.path} ${e.mode.toString(8)}`);
}

/** What user nobody could read (files) or list (directories) of `entries`, trying each. */
function readableByNobody(entries: Array<{ path: string; dir: boolean }>): string[] {
  const script =
    'for p in "$@"; do if [ -d "$p" ]; then ls -- "$p" >/dev/null 2>&1 && echo "$p"; else cat -- "$p" >/dev/null 2>&1 && echo "$p"; fi; done; exit 0';
  const r = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', 'sh', '-c', script, 'sh', ...entries.map((e) => e.path)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`setpriv failed (${r.status}): ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/**
 * cpsbackupd started as the README shows, under umask 022: nothing it keeps
 * under its directory is readable by another local user (packs hold plain
 * file content), and a store made with loose modes is tightened at start.
 */
describe("the store is private to the server's user", () => {
  let root: string;
  let pki: TestPki;
  let umask: number;

  beforeAll(() => {
    requireBuild();
    if (process.getuid?.() !== 0) throw new Error('this test needs root, to read the store as user nobody (setpriv)');
    root = tempDir('perms');
    pki = new TestPki(path.join(root, 'pki'));
    // The way to the store is open to everyone (as /var/lib is): only the store's own modes may keep nobody out.
    fs.chmodSync(root, 0o755);
    umask = process.umask(0o022); // the daemon inherits it
  });
  afterAll(() => {
    process.umask(umask);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('under umask 022 every file and directory of the store is 0600/0700, and user nobody reads none of them', async () => {
    const server = new TestServer(path.join(root, 'srv'), pki);
    fs.chmodSync(server.root, 0o755);
    server.addClient('priv');
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    const secret = 'THE-PLAIN-SECRET-' + 'x'.repeat(100);
    fs.writeFileSync(path.join(data, 'secret.txt'), secret.repeat(50));
    fs.writeFileSync(path.join(data, 'big'), new SeededRandom('perm').bytes(2_000_000));
    try {
      await server.start();
      const conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'priv', cert: pki.client('priv'), include: [data] });
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
      // While it runs: catalog.db-wal and -shm, the lock, the admin socket are there too.
      const entries = walk(server.storeDir);
      const names = entries.map((e) => path.relative(server.storeDir, e.path));
      for (const n of ['catalog.db', 'catalog.db-wal', 'catalog.db-shm', 'lock', 'admin.sock', 'reserve', 'reserve-open', 'store-id'])
        expect(names).toContain(n);
      expect(names.some((n) => n.startsWith('packs/') && n.endsWith('.pack'))).toBe(true);
      expect(names.some((n) => n.startsWith('records/backups/priv/'))).toBe(true);
      expect(loose(server.storeDir)).toEqual([]);
      expect(readableByNobody(entries)).toEqual([]);
      const grep = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', 'grep', '-rl', 'THE-PLAIN-SECRET', server.storeDir], {
        encoding: 'utf8',
      });
      expect(grep.stdout).toBe('');
      // root sees the secret is there in plain: what nobody was refused is real content.
      expect(spawnSync('grep', ['-rl', 'THE-PLAIN-SECRET', path.join(server.storeDir, 'packs')], { encoding: 'utf8' }).stdout).not.toBe('');
    } finally {
      await server.stop();
    }
  });

  test('a store left with loose modes is tightened at start, and the log says what was changed', async () => {
    const server = new TestServer(path.join(root, 'srv'), pki); // the store of the test above
    // An older release, or an operator's cp -r, left it readable by all.
    const before = walk(server.storeDir);
    for (const e of before) fs.chmodSync(e.path, e.dir ? 0o755 : 0o644);
    expect(loose(server.storeDir).length).toBe(before.length);
    await server.start();
    try {
      expect(loose(server.storeDir)).toEqual([]);
      expect(readableByNobody(walk(server.storeDir))).toEqual([]);
      const line = server.logLines().find((l) => String(l.msg).startsWith('store permissions tightened: group and other access removed'));
      expect(line).toBeDefined();
      const changed = line!.changed as string[];
      expect(changed).toContain(`${server.storeDir} 755 -> 700`);
      expect(changed).toContain(`${path.join(server.storeDir, 'catalog.db')} 644 -> 600`);
      expect(changed.some((c) => /\/packs\/[0-9a-f]{2}\/[0-9a-f]{32}\.pack 644 -> 600$/.test(c))).toBe(true);
      // Every entry the start found, each tightened before the start changed anything: one the start then
      // replaces (the lease's file, rewritten by the new owner, made 0600) was loose until then, and counts.
      expect([...changed].sort()).toEqual(before.map((e) => `${e.path} ${e.dir ? '755 -> 700' : '644 -> 600'}`).sort());
      expect(line!.count).toBe(before.length);
    } finally {
      await server.stop();
    }
    // A second start finds nothing to tighten and says nothing of it.
    await server.start();
    await server.stop();
    expect(server.logLines().some((l) => String(l.msg).startsWith('store permissions tightened'))).toBe(false);
  });

  test('a store another user made before the first start is refused, naming the path, its owner and what to do; after chown it starts', async () => {
    const server = new TestServer(path.join(root, 'planted'), pki);
    fs.chmodSync(server.root, 0o755);
    server.addClient('priv');
    // A local user (nobody) made the store's directories first, open to all: modes alone would leave them theirs.
    for (const d of [server.storeDir, path.join(server.storeDir, 'packs'), path.join(server.storeDir, 'records')]) {
      fs.mkdirSync(d, { mode: 0o777 });
      fs.chmodSync(d, 0o777);
      fs.chownSync(d, 65534, 65534);
    }
    await expect(server.start()).rejects.toThrow(/exited with 1/);
    const refused = startRefused(server);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `cpsbackupd: cannot start: the store ${server.storeDir}: ${server.storeDir} is owned by nobody (uid 65534), not by root (uid 0), ` +
        `the user cpsbackupd runs as (and 2 more entries not owned by root (uid 0)). If nobody (uid 65534) is the user the daemon runs as ` +
        `(the systemd unit's User=), run this command as that user (sudo -u nobody cpsbackupd ...) and leave the store as it is. ` +
        `Otherwise: its owner can change or remove backups in it whatever its mode. ` +
        `Check what it holds, then give it to cpsbackupd's user (chown -R root: ${server.storeDir}); or set directory to a path only cpsbackupd's user can create\n`,
    );
    // The repair and the rebuild, run by root, are refused the same way (they wrote root's files into it).
    for (const command of [['--repair-catalog'], ['rebuild-catalog']]) {
      const r = spawnSync(process.execPath, [SERVER_BIN, '-c', server.confFile, ...command], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${server.storeDir} is owned by nobody (uid 65534), not by root (uid 0)`);
    }
    // Nothing was written in it: no lock, no catalog, modes as they were.
    expect(fs.readdirSync(server.storeDir).sort()).toEqual(['packs', 'records']);
    expect(fs.statSync(server.storeDir).mode & 0o777).toBe(0o777);

    // Only one entry left in nobody's hands (a pack directory planted inside a store otherwise ours) is refused too.
    spawnSync('chown', ['-R', '0:0', server.storeDir]);
    fs.chownSync(path.join(server.storeDir, 'packs'), 65534, 65534);
    expect(startRefused(server).stderr).toContain(
      `cannot start: the store ${server.storeDir}: ${path.join(server.storeDir, 'packs')} is owned by nobody (uid 65534)`,
    );

    spawnSync('chown', ['-R', '0:0', server.storeDir]);
    await server.start();
    try {
      const conf = writeNodeConf(path.join(root, 'planted-node'), server, { cname: 'priv', cert: pki.client('priv'), include: [path.join(root, 'pki')] });
      expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
      expect(loose(server.storeDir)).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  test('a store in a directory every user may write without the sticky bit is refused (it could be renamed away and replaced)', async () => {
    const server = new TestServer(path.join(root, 'open'), pki);
    fs.chmodSync(server.root, 0o777);
    await expect(server.start()).rejects.toThrow(/exited with 1/);
    const refused = startRefused(server);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `cpsbackupd: cannot start: the store ${server.storeDir}: ${server.root}, on the way to it, is writable by every user (mode 0777) without the sticky bit: ` +
        `another user can rename the store away and put their own in its place. Make it owned by root and not writable by others (chmod go-w ${server.root}), ` +
        `or set directory to a path under one that is\n`,
    );
    expect(fs.existsSync(server.storeDir)).toBe(true); // made by the start, refused before anything was written in it
    expect(fs.readdirSync(server.storeDir)).toEqual([]);
    // With the sticky bit (as /tmp), another user can neither rename nor remove what is ours: it starts.
    fs.chmodSync(server.root, 0o1777);
    await server.start();
    await server.stop();
  });
});
