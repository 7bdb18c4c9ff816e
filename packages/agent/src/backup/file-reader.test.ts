import { createHash } from 'node:crypto';
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chunkBuffer, DEFAULT_CHUNKER_PARAMS } from '@cpsbackup/chunker';
import { SeededRandom } from '@cpsbackup/testkit';
import * as fc from 'fast-check';
import { type ChunkSink, looksSparse, ReadBlocks, readFifo, readRegularFile } from './file-reader';

// The module object the reader calls, so a spy sees its reads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeFs = require('node:fs') as typeof fs;

/**
 * A sink like the uploader's: it copies each chunk at once, then waits a
 * turn of the event loop (the read buffers are reused after that), and
 * answers with the id of the copy.
 */
function copyingSink(): { sink: ChunkSink; chunks: Array<{ id: Buffer; data: Buffer }> } {
  const chunks: Array<{ id: Buffer; data: Buffer }> = [];
  const sink: ChunkSink = async (data, known) => {
    const copy = Buffer.from(data);
    const id = createHash('sha256').update(copy).digest();
    if (known) expect(known).toEqual(id); // an id the reader knew (a hole's chunk) is the chunk's own
    chunks.push({ id, data: copy });
    await new Promise((r) => setImmediate(r));
    return id;
  };
  return { sink, chunks };
}

describe('file reader', () => {
  let dir: string;
  const content = Buffer.concat([new SeededRandom('reader').bytes(5_000_000), Buffer.alloc(2_000_000, 7), new SeededRandom('tail').bytes(1_234_567)]);
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-reader-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function expectExactChunks(chunks: Array<{ id: Buffer; data: Buffer }>, ids: Buffer[]): void {
    expect(Buffer.concat(chunks.map((c) => c.data)).equals(content)).toBe(true);
    // The entry names the sink's ids, in order.
    expect(ids).toEqual(chunks.map((c) => c.id));
    // Cut points depend on the bytes only, not on how they were read.
    expect(chunks.map((c) => c.data.length)).toEqual(chunkBuffer(content, DEFAULT_CHUNKER_PARAMS).map((c) => c.length));
  }

  test('a regular file: every chunk is exactly its bytes though the read buffers are reused', async () => {
    const file = path.join(dir, 'regular');
    fs.writeFileSync(file, content);
    const { sink, chunks } = copyingSink();
    const read = await readRegularFile(Buffer.from(file), DEFAULT_CHUNKER_PARAMS, sink, new ReadBlocks(DEFAULT_CHUNKER_PARAMS.maxSize));
    expect(read.size).toBe(content.length);
    expect(read.changed).toBe(false);
    expectExactChunks(chunks, read.chunks);
  });

  test('a FIFO fed in pipe-sized pieces by a writer process: the same chunks', async () => {
    const source = path.join(dir, 'source');
    fs.writeFileSync(source, content);
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `cat "${source}" > "${fifo}"`], { stdio: 'ignore' });
    const writerExit = new Promise((r) => writer.once('exit', r));
    const { sink, chunks } = copyingSink();
    const read = await readFifo(Buffer.from(fifo), DEFAULT_CHUNKER_PARAMS, sink, 10_000, new ReadBlocks(DEFAULT_CHUNKER_PARAMS.maxSize));
    await writerExit;
    expect(read.timedOut).toBe(false);
    expect(read.size).toBe(content.length);
    expectExactChunks(chunks, read.chunks);
  });

  test('a sparse file: holes come back as zeros without being read, the chunks are those of the same bytes read plainly', async () => {
    const BLOCK = 4096;
    // Layouts of data extents and holes (in blocks), the last one maybe a hole up to the end.
    const layout = fc.record({
      extents: fc.array(fc.record({ hole: fc.integer({ min: 0, max: 1500 }), data: fc.integer({ min: 1, max: 300 }) }), { minLength: 1, maxLength: 8 }),
      tailHole: fc.integer({ min: 0, max: 2000 }),
      seed: fc.integer(),
    });
    let run = 0;
    let sparseRuns = 0;
    await fc.assert(
      fc.asyncProperty(layout, async ({ extents, tailHole, seed }) => {
        const file = path.join(dir, `sparse-${run++}`);
        const rnd = new SeededRandom(String(seed));
        const size = (extents.reduce((n, e) => n + e.hole + e.data, 0) + tailHole) * BLOCK;
        const expected = Buffer.alloc(size);
        const fd = fs.openSync(file, 'w');
        let at = 0;
        let dataBytes = 0;
        for (const e of extents) {
          at += e.hole * BLOCK;
          const bytes = rnd.bytes(e.data * BLOCK);
          bytes[0] = 1; // never a whole zero block the filesystem could leave unallocated
          fs.writeSync(fd, bytes, 0, bytes.length, at);
          bytes.copy(expected, at);
          at += bytes.length;
          dataBytes += bytes.length;
        }
        fs.ftruncateSync(fd, size);
        fs.closeSync(fd);

        const reads = jest.spyOn(nodeFs, 'readSync');
        const { sink, chunks } = copyingSink();
        let read;
        let requested: number;
        try {
          read = await readRegularFile(Buffer.from(file), DEFAULT_CHUNKER_PARAMS, sink, new ReadBlocks(DEFAULT_CHUNKER_PARAMS.maxSize));
          requested = reads.mock.calls.reduce((n, c) => n + Number((c as unknown[])[3] ?? 0), 0);
        } finally {
          reads.mockRestore();
        }
        const sparse = looksSparse(fs.statSync(file, { bigint: true }));
        fs.rmSync(file);
        expect(read.size).toBe(size);
        expect(read.changed).toBe(false);
        expect(Buffer.concat(chunks.map((c) => c.data)).equals(expected)).toBe(true);
        expect(chunks.map((c) => c.data.length)).toEqual(chunkBuffer(expected, DEFAULT_CHUNKER_PARAMS).map((c) => c.length));
        expect(read.chunks).toEqual(chunks.map((c) => c.id));
        // A file with a megabyte or more of holes reads its data only.
        if (sparse) sparseRuns++;
        if (sparse) expect(requested).toBe(dataBytes);
        else expect(requested).toBeGreaterThanOrEqual(size);
      }),
      { numRuns: 25 },
    );
    expect(sparseRuns).toBeGreaterThan(5);
  });
});
