import { createHash } from 'node:crypto';
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chunkBuffer, DEFAULT_CHUNKER_PARAMS } from '@cpsbackup/chunker';
import { SeededRandom } from '@cpsbackup/testkit';
import * as fc from 'fast-check';
import { type ChunkSink, FifoReadError, looksSparse, ReadBlocks, readFifo, readRegularFile } from './file-reader';

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

/** Resolves once process `pid` sleeps in open(2) (a FIFO's writer waiting for a reader): read from /proc, no delay guessed. */
async function waitUntilBlockedInOpen(pid: number): Promise<void> {
  for (;;) {
    try {
      // The shell's child (cat) or the shell itself, whichever opens the FIFO.
      const pids = [pid, ...fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)];
      for (const p of pids) {
        const wchan = fs.readFileSync(`/proc/${p}/wchan`, 'utf8');
        if (/fifo|wait_for_partner|pipe/.test(wchan)) return;
      }
    } catch {
      // Not started yet, or gone: look again.
    }
    await new Promise((r) => setTimeout(r, 5));
  }
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
    const read = await readFifo(Buffer.from(fifo), DEFAULT_CHUNKER_PARAMS, sink, new ReadBlocks(DEFAULT_CHUNKER_PARAMS.maxSize), { timeoutMs: 60_000 });
    await writerExit;
    expect(read.writer).toBe(true);
    expect(read.size).toBe(content.length);
    expectExactChunks(chunks, read.chunks);
  });

  describe('FIFOs: waiting for a writer', () => {
    const blocks = new ReadBlocks(DEFAULT_CHUNKER_PARAMS.maxSize);
    let n = 0;
    const newFifo = (): string => {
      const fifo = path.join(dir, `wait-${n++}`);
      execFileSync('mkfifo', [fifo]);
      return fifo;
    };
    /** A shell writer: `script` runs with the FIFO open as fd 3 once it opens (it blocks in its open until a reader comes). */
    const writer = (fifo: string, script: string) => {
      const child = spawn('sh', ['-c', `exec 3>"$1"; ${script}`, 'sh', fifo], { stdio: 'ignore' });
      return { child, exit: new Promise<number | null>((r) => child.once('exit', r)) };
    };

    test('nobody writes: nothing is read after the wait, and no thread stays blocked (more such FIFOs than the thread pool has threads)', async () => {
      const fifos = Array.from({ length: 6 }, newFifo);
      for (const fifo of fifos) {
        const { sink, chunks } = copyingSink();
        const read = await readFifo(Buffer.from(fifo), DEFAULT_CHUNKER_PARAMS, sink, blocks, { timeoutMs: fifo === fifos[0] ? 300 : 0 });
        expect(read.writer).toBe(false);
        expect(read.size).toBe(0);
        expect(chunks).toHaveLength(0);
      }
      // Every thread of the pool (4) is free: a file read through it completes.
      expect((await fs.promises.readFile(path.join(dir, 'regular'))).equals(content)).toBe(true);
    });

    test('a writer already blocked in its open is read in full with no wait at all', async () => {
      const fifo = newFifo();
      const source = path.join(dir, 'source');
      // The writer's open blocks until a reader comes; it has "opened" from the kernel's side before we look.
      const w = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', source, fifo], { stdio: 'ignore' });
      const exit = new Promise((r) => w.once('exit', r));
      await waitUntilBlockedInOpen(w.pid!);
      const { sink, chunks } = copyingSink();
      const read = await readFifo(Buffer.from(fifo), DEFAULT_CHUNKER_PARAMS, sink, blocks, { timeoutMs: 0 });
      await exit;
      expect(read.writer).toBe(true);
      expectExactChunks(chunks, read.chunks);
    });

    test('a writer that has opened the FIFO and writes only later is read in full, with no wait at all', async () => {
      const fifo = newFifo();
      const release = path.join(dir, `release-${n}`);
      execFileSync('mkfifo', [release]);
      // It opens at once, then writes only when told (through a second FIFO), after the read has begun.
      const w = writer(fifo, `read x < "${release}"; printf 'late bytes' >&3`);
      await waitUntilBlockedInOpen(w.child.pid!);
      const { sink, chunks } = copyingSink();
      const reading = readFifo(Buffer.from(fifo), DEFAULT_CHUNKER_PARAMS, sink, blocks, { timeoutMs: 0 });
      fs.writeFileSync(release, 'go\n');
      const read = await reading;
      expect(await w.exit).toBe(0);
      expect(read.writer).toBe(true);
      expect(Buffer.concat(chunks.map((c) => c.data)).toString()).toBe('late bytes');
    });

    test('a writer that comes while the reader waits is read; one that leaves without writing gives empty content', async () => {
      const fifo = newFifo();
      const { sink } = copyingSink();
      const reading = readFifo(Buffer.from(fifo), DEFAULT_CHUNKER_PARAMS, sink, blocks, { timeoutMs: 60_000 });
      const w = writer(fifo, 'exit 0');
      const read = await reading;
      expect(await w.exit).toBe(0);
      expect(read.writer).toBe(true);
      expect(read.size).toBe(0);
    });

    test('the FIFO removed while its writer is awaited: the wait ends as for any FIFO without a writer', async () => {
      const fifo = newFifo();
      const { sink } = copyingSink();
      const reading = readFifo(Buffer.from(fifo), DEFAULT_CHUNKER_PARAMS, sink, blocks, { timeoutMs: 300 });
      fs.rmSync(fifo);
      expect((await reading).writer).toBe(false);
    });

    test('a known writer that exits without opening the FIFO ends the wait at once', async () => {
      const fifo = newFifo();
      const { sink } = copyingSink();
      let exited!: () => void;
      const abandon = new Promise<void>((r) => (exited = r));
      const reading = readFifo(Buffer.from(fifo), DEFAULT_CHUNKER_PARAMS, sink, blocks, { timeoutMs: 3_600_000, abandon });
      exited();
      expect((await reading).writer).toBe(false);
    });

    test('a writer that keeps the FIFO open and never writes: the read ends when told to stop, with the reason', async () => {
      const fifo = newFifo();
      const w = writer(fifo, 'sleep 3600');
      await waitUntilBlockedInOpen(w.child.pid!);
      const { sink } = copyingSink();
      const stop = new AbortController();
      const reading = readFifo(Buffer.from(fifo), DEFAULT_CHUNKER_PARAMS, sink, blocks, { timeoutMs: 0, stop: stop.signal });
      const why = new Error('connection to the server lost');
      stop.abort(why);
      await expect(reading).rejects.toBe(why);
      w.child.kill();
      await w.exit;
    });

    test('what is not a FIFO any more, or cannot be reached without a link, is a FifoReadError', async () => {
      const fifo = newFifo();
      fs.rmSync(fifo);
      fs.writeFileSync(fifo, 'now a file');
      const { sink } = copyingSink();
      await expect(readFifo(Buffer.from(fifo), DEFAULT_CHUNKER_PARAMS, sink, blocks, { timeoutMs: 0 })).rejects.toMatchObject({ code: 'ECHANGED' });
      const link = path.join(dir, 'link-to-fifo');
      fs.symlinkSync(newFifo(), link);
      await expect(readFifo(Buffer.from(link), DEFAULT_CHUNKER_PARAMS, sink, blocks, { timeoutMs: 0 })).rejects.toBeInstanceOf(FifoReadError);
      await expect(readFifo(Buffer.from(path.join(dir, 'none')), DEFAULT_CHUNKER_PARAMS, sink, blocks, { timeoutMs: 0 })).rejects.toMatchObject({
        code: 'ENOENT',
      });
    });
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
