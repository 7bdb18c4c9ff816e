import * as fs from 'node:fs';
import * as path from 'node:path';
import { chunkIdOf, compressChunk } from '@cpsbackup/format';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { workerScript } from '@cpsbackup/workers';
import { ChunkChecks } from './chunk-checks';

// The worker runs compiled code: make build (part of make test) puts it in dist.
const WORKER = workerScript(__dirname, 'chunk-check-worker');

describe('chunk checks', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('chunk-checks')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['small chunks in place and large ones on two workers', 2],
    ['every chunk in place (check_threads = 0)', 0],
  ])('%s: a true id passes, a false one fails, an undecodable payload says why', async (_how, threads) => {
    const checks = new ChunkChecks(threads, WORKER);
    try {
      const rnd = new SeededRandom('checks');
      for (const size of [100, 40_000, 900_000]) {
        const plain = rnd.text(size);
        const { codec, payload } = compressChunk(plain);
        const results = await Promise.all([
          checks.check(chunkIdOf(plain), codec, payload, size),
          checks.check(chunkIdOf(Buffer.from('something else')), codec, payload, size),
        ]);
        expect(results).toEqual([true, false]);
        await expect(Promise.resolve().then(() => checks.check(chunkIdOf(plain), codec, payload, size + 1))).rejects.toThrow(/expected \d+|could not decode/);
      }
    } finally {
      await checks.close();
    }
  });

  test('a worker that dies fails the chunks it held, and a new pool checks the next ones', async () => {
    // A worker script that exits at its first start, then runs the real worker.
    const mark = path.join(dir, 'died-once');
    const script = path.join(dir, 'dies-once.js');
    fs.writeFileSync(
      script,
      `const fs = require('node:fs');\nif (!fs.existsSync(${JSON.stringify(mark)})) { fs.writeFileSync(${JSON.stringify(mark)}, ''); process.exit(1); }\nrequire(${JSON.stringify(WORKER)});\n`,
    );
    const checks = new ChunkChecks(1, script);
    try {
      const plain = new SeededRandom('dies').bytes(100_000);
      const { codec, payload } = compressChunk(plain);
      await expect(checks.check(chunkIdOf(plain), codec, payload, plain.length)).rejects.toThrow(/chunk checks: a worker exited with code 1/);
      await expect(checks.check(chunkIdOf(plain), codec, payload, plain.length)).resolves.toBe(true);
    } finally {
      await checks.close();
    }
  });
});
