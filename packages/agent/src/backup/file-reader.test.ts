import { createHash } from 'node:crypto';
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chunkBuffer, DEFAULT_CHUNKER_PARAMS } from '@cpsbackup/chunker';
import { SeededRandom } from '@cpsbackup/testkit';
import { type ChunkSink, ReadBlocks, readFifo, readRegularFile } from './file-reader';

/**
 * A sink like the uploader's: it copies each chunk at once, then waits a
 * turn of the event loop (the read buffers are reused after that), and
 * answers with the id of the copy.
 */
function copyingSink(): { sink: ChunkSink; chunks: Array<{ id: Buffer; data: Buffer }> } {
  const chunks: Array<{ id: Buffer; data: Buffer }> = [];
  const sink: ChunkSink = async (data) => {
    const copy = Buffer.from(data);
    const id = createHash('sha256').update(copy).digest();
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
});
