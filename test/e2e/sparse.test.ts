import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { runCli, snapshotTree, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/** Sparse files come back sparse: their holes are not written out as zeros on restore. */
describe('sparse files', () => {
  const { root, pki, server } = useServer('sparse', { clients: { sp: [] } });

  test('a 256 MiB file with 3 blocks of data, and one ending in a hole, restore bit-exact with holes', async () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    const rnd = new SeededRandom('sparse');
    const big = path.join(data, 'disk.img');
    const fd = fs.openSync(big, 'w');
    fs.ftruncateSync(fd, 256 << 20);
    for (const at of [0, 100 << 20, (256 << 20) - 4096]) fs.writeSync(fd, rnd.bytes(4096), 0, 4096, at);
    fs.closeSync(fd);
    const tail = path.join(data, 'tail-hole.db');
    fs.writeFileSync(tail, rnd.bytes(8192));
    fs.truncateSync(tail, 32 << 20);
    expect(fs.statSync(big).blocks * 512).toBeLessThan(1 << 20); // the filesystem under test keeps holes

    const conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'sp', cert: pki.client('sp'), include: [data] });
    const backup = await runCli(['-c', conf, '-e', '--json']);
    expect(backup.code).toBe(0);
    // 288 MiB of files, 20 KiB of data: the whole chunks of zeros in the holes are one chunk, sent once, compressed.
    const sent = JSON.parse(backup.stdout).counters;
    expect(sent.chunkBytesSent).toBeLessThan(64 * 1024);
    expect(sent.chunksSent).toBeLessThanOrEqual(16); // the chunks around the data, a few ends of holes, the listings
    const to = path.join(root, 'restored');
    expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);

    expect(snapshotTree(path.join(to, data))).toEqual(snapshotTree(data));
    for (const f of [big, tail]) {
      const restored = fs.statSync(path.join(to, f));
      expect(restored.size).toBe(fs.statSync(f).size);
      expect(restored.blocks * 512).toBeLessThan(2 << 20); // not 256 MiB / 32 MiB of written zeros
    }
  });
});
