/**
 * make bench: chunker throughput, store ingest throughput, and what a second
 * generation with ~2 % of the bytes edited costs in stored bytes. Also the
 * chunk-size table behind DEFAULT_CHUNKER_PARAMS. Figures only; no
 * thresholds (machines are shared and noisy).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chunkBuffer, type ChunkerParams, DEFAULT_CHUNKER_PARAMS } from '@cpsbackup/chunker';
import { Store } from '@cpsbackup/store';
import { SeededRandom } from '@cpsbackup/testkit';
import { putChunk } from '@cpsbackup/testkit/store-trees';
import { type CorpusFile, editCorpus, generateCorpus } from './corpus';

const MB = 1e6;
const MiB = 1024 * 1024;
const CORPUS_BYTES = Number(process.env.BENCH_CORPUS_MB ?? 384) * MiB;

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function fmtMB(bytes: number): string {
  return (bytes / MB).toFixed(1) + ' MB';
}

function benchChunker(): void {
  const data = new SeededRandom('chunker-bench').bytes(256 * MiB);
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t = process.hrtime.bigint();
    chunkBuffer(data);
    best = Math.min(best, seconds(t));
  }
  const hashT = process.hrtime.bigint();
  createHash('sha256').update(data).digest();
  const hashS = seconds(hashT);
  console.log(`chunker (FastCDC, one core, best of 3): ${(data.length / MB / best).toFixed(0)} MB/s`);
  console.log(`SHA-256 (node:crypto, one core):         ${(data.length / MB / hashS).toFixed(0)} MB/s`);
}

/** Backs up `files` through the store API: chunk, hash, ask, compress, store (as the server stores what an agent sent). */
async function ingest(store: Store, client: string, files: CorpusFile[], parentId?: number) {
  const w = store.beginBackup({ client, parentId: parentId ?? null });
  for (const f of files) {
    const pieces = f.content.length < DEFAULT_CHUNKER_PARAMS.minSize ? [f.content] : chunkBuffer(f.content);
    const ids = pieces.map((p) => createHash('sha256').update(p).digest());
    const lacking = new Set(w.missing(ids).map((id) => id.toString('hex')));
    for (const [i, p] of pieces.entries()) {
      if (lacking.delete(ids[i]!.toString('hex'))) await putChunk(w, ids[i]!, p);
    }
    w.addEntry({
      path: Buffer.from(f.path),
      type: 1,
      mode: 0o644,
      uid: 0,
      gid: 0,
      user: 'root',
      group: 'root',
      size: f.content.length,
      mtimeNs: 0n,
      ctimeNs: 0n,
      inode: 0n,
      dev: 0n,
      rdev: 0n,
      linkTarget: Buffer.alloc(0),
      hardlinkGroup: 0,
      chunks: ids,
      xattrs: [],
    });
  }
  return w.commit();
}

async function benchStore(gen1: CorpusFile[], gen2: CorpusFile[], editedBytes: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-bench-'));
  try {
    const store = await Store.open(dir);
    const total1 = gen1.reduce((n, f) => n + f.content.length, 0);
    let t = process.hrtime.bigint();
    const b1 = await ingest(store, 'bench', gen1);
    const s1 = seconds(t);
    const stored1 = (await store.stats()).storedBytes;
    console.log(
      `ingest gen 1 (chunk + hash + zstd-3 + store, one core): ${fmtMB(total1)} in ${s1.toFixed(2)} s = ${(total1 / MB / s1).toFixed(0)} MB/s; stored ${fmtMB(stored1)} (${(total1 / stored1).toFixed(2)}x smaller)`,
    );
    const total2 = gen2.reduce((n, f) => n + f.content.length, 0);
    t = process.hrtime.bigint();
    const b2 = await ingest(store, 'bench', gen2, b1.id);
    const s2 = seconds(t);
    const stored2 = (await store.stats()).storedBytes;
    console.log(
      `ingest gen 2 (${((editedBytes / total1) * 100).toFixed(1)} % edited, all re-read): ${(total2 / MB / s2).toFixed(0)} MB/s; ` +
        `new stored ${fmtMB(stored2 - stored1)} = ${(((stored2 - stored1) / stored1) * 100).toFixed(2)} % of gen 1 ` +
        `(new plaintext ${fmtMB(b2.newRawBytes)} for ${fmtMB(editedBytes)} edited)`,
    );
    t = process.hrtime.bigint();
    let restored = 0;
    for await (const e of store.walkManifest(b2.id)) for (const id of e.chunks) restored += (await store.readChunk(id)).length;
    const s3 = seconds(t);
    console.log(`read back gen 2 (decompress + verify hash): ${(restored / MB / s3).toFixed(0)} MB/s`);
    await store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Dedup versus index size for candidate chunk sizes (chunking only, no store). */
function chunkSizeTable(gen1: CorpusFile[], gen2: CorpusFile[], editedBytes: number): void {
  console.log('\nchunk size | chunks gen 1 | new plaintext in gen 2 | amplification (new / edited)');
  for (const avg of [64 * 1024, 128 * 1024, 256 * 1024, 512 * 1024, 1024 * 1024, 2048 * 1024]) {
    const params: ChunkerParams = { minSize: avg / 4, avgSize: avg, maxSize: avg * 4 };
    const seen = new Set<string>();
    let count = 0;
    const cut = (f: CorpusFile) => (f.content.length < params.minSize ? [f.content] : chunkBuffer(f.content, params));
    for (const f of gen1) {
      for (const c of cut(f)) {
        seen.add(createHash('sha256').update(c).digest('base64'));
        count++;
      }
    }
    let fresh = 0;
    for (const f of gen2) for (const c of cut(f)) if (!seen.has(createHash('sha256').update(c).digest('base64'))) fresh += c.length;
    const mark = avg === DEFAULT_CHUNKER_PARAMS.avgSize ? ' (default)' : '';
    console.log(
      `${(avg / 1024).toString().padStart(6)} KiB${mark.padEnd(10)} | ${String(count).padStart(12)} | ${fmtMB(fresh).padStart(22)} | ${(fresh / editedBytes).toFixed(1)}x`,
    );
  }
}

async function main(): Promise<void> {
  console.log(`cpsbackup store bench — node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})`);
  benchChunker();
  const t = process.hrtime.bigint();
  const gen1 = generateCorpus(CORPUS_BYTES);
  const { files: gen2, editedBytes } = editCorpus(gen1, 0.02);
  console.log(`corpus: ${gen1.length} files, ${fmtMB(gen1.reduce((n, f) => n + f.content.length, 0))} (generated in ${seconds(t).toFixed(1)} s)`);
  await benchStore(gen1, gen2, editedBytes);
  chunkSizeTable(gen1, gen2, editedBytes);
}

void main();
