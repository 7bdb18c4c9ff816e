import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { requireBuild, runCli, snapshotTree, tempDir, TestPki, TestServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/** zstd_level is the node's choice (node.conf) and the server's for what it compresses itself (server.conf); any level restores the same bytes. */
describe('zstd levels', () => {
  let root: string;
  let pki: TestPki;

  beforeAll(() => {
    requireBuild();
    root = tempDir('zstd-levels');
    pki = new TestPki(path.join(root, 'pki'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('a fast level and the slowest, side by side on one server at a fast level of its own: each restores bit-exact and verifies', async () => {
    const server = new TestServer(path.join(root, 'srv'), pki, ['zstd_level = -7']);
    const levels = { fastest: -7, slowest: 19, usual: 3 };
    for (const name of Object.keys(levels)) server.addClient(name);
    await server.start();
    try {
      for (const [name, level] of Object.entries(levels)) {
        const data = path.join(root, `${name}-data`);
        fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
        const rnd = new SeededRandom(name);
        fs.writeFileSync(path.join(data, 'text'), rnd.text(3_000_000));
        fs.writeFileSync(path.join(data, 'noise'), rnd.bytes(700_000));
        fs.writeFileSync(path.join(data, 'sub', 'mixed'), Buffer.concat([rnd.text(400_000), rnd.bytes(400_000), rnd.text(400_000)]));
        for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(data, 'sub', `small${i}`), rnd.text(100 + i * 300));
        const conf = writeNodeConf(path.join(root, name), server, { cname: name, cert: pki.client(name), include: [data], extra: [`zstd_level = ${level}`] });
        const backup = await runCli(['-c', conf, '-e', '--json']);
        expect(backup.stderr).toBe('');
        expect(backup.code).toBe(0);
        const stored = JSON.parse(backup.stdout).backup.storedBytes as number;
        expect(stored).toBeLessThan(4_000_000); // the text compressed, whatever the level
        expect(JSON.parse((await runCli(['-c', conf, '--verify', '--json'])).stdout).ok).toBe(true);
        const to = path.join(root, `${name}-restored`);
        expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);
        expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
      }
    } finally {
      await server.stop();
    }
  });

  test('a level zstd does not have is refused where it is written', async () => {
    const server = new TestServer(path.join(root, 'srv2'), pki);
    server.addClient('bad');
    await server.start();
    try {
      const conf = writeNodeConf(path.join(root, 'bad'), server, { cname: 'bad', cert: pki.client('bad'), include: [root], extra: ['zstd_level = -8'] });
      const r = await runCli(['-c', conf, '-e']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/zstd_level.*must be between -7 and 19, got -8/);
      // 0 is zstd's default (3) and Burp's "off": the file must say which it means.
      fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace('zstd_level = -8', 'zstd_level = 0'));
      const zero = await runCli(['-c', conf, '-e']);
      expect(zero.code).toBe(2);
      expect(zero.stderr).toMatch(
        /node\.conf:\d+: zstd_level: 0 is not a level cpsbackup takes: .* Give -7 to -1 \(zstd's fast levels\) or 1 to 19 .*; 3 is the default/,
      );
    } finally {
      await server.stop();
    }
  });

  test("zstd_level in the server's client file, where a Burp user would set compression: the node is still served, the log names node.conf", async () => {
    const server = new TestServer(path.join(root, 'srv3'), pki);
    server.addClient('n2', ['ssl_peer_cn = n2', 'compression = 9', 'zstd_level = 1']);
    await server.start();
    try {
      const data = path.join(root, 'n2-data');
      fs.mkdirSync(data);
      fs.writeFileSync(path.join(data, 'text'), new SeededRandom('n2').text(100_000));
      const conf = writeNodeConf(path.join(root, 'n2'), server, { cname: 'n2', cert: pki.client('n2'), include: [data] });
      const backup = await runCli(['-c', conf, '-e']);
      expect([backup.code, backup.stderr]).toEqual([0, '']);
      expect((await runCli(['-c', conf, '-l'])).code).toBe(0);
      const warnings = server.log
        .split('\n')
        .filter((l) => l.includes('client file: setting ignored'))
        .map((l) => (JSON.parse(l) as { warning: string }).warning);
      expect(warnings).toEqual([
        expect.stringMatching(/clients\/n2:2: compression is a Burp setting .*set zstd_level in the node's node\.conf/),
        expect.stringMatching(
          /clients\/n2:3: zstd_level is not read from this file; ignored \(the node compresses its chunks: set zstd_level in that node's node\.conf/,
        ),
      ]);
    } finally {
      await server.stop();
    }
  });
});
