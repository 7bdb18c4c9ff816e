import { SeededRandom } from '@cpsbackup/testkit';

/** One generated file. */
export interface CorpusFile {
  path: string;
  content: Buffer;
}

/**
 * A deterministic corpus shaped like a server's data: many small text and
 * source files, some binaries of a few hundred KiB, a few multi-MiB files
 * (logs, dumps). Same `totalBytes` and seed, same bytes, on every machine.
 */
export function generateCorpus(totalBytes: number, seed = 'bench-corpus'): CorpusFile[] {
  const rnd = new SeededRandom(seed);
  const files: CorpusFile[] = [];
  let total = 0;
  let i = 0;
  while (total < totalBytes) {
    const kind = rnd.below(100);
    let content: Buffer;
    if (kind < 70) content = rnd.text(500 + rnd.below(20_000));
    else if (kind < 95) content = rnd.bytes(50_000 + rnd.below(400_000));
    else content = mixed(rnd, 2_000_000 + rnd.below(6_000_000));
    files.push({ path: `/srv/data/d${i % 97}/f${i}`, content });
    total += content.length;
    i++;
  }
  return files;
}

/** Half text, half random, in 64 KiB stretches: like a database dump with blobs. */
function mixed(rnd: SeededRandom, n: number): Buffer {
  const parts: Buffer[] = [];
  for (let done = 0; done < n; done += 65536) parts.push(rnd.below(2) ? rnd.text(65536) : rnd.bytes(65536));
  return Buffer.concat(parts).subarray(0, n);
}

/**
 * The next generation: about `share` of the bytes edited, spread through
 * the corpus as small in-place overwrites and insertions (which shift
 * everything after them, the case content-defined chunking exists for).
 */
export function editCorpus(files: CorpusFile[], share: number, seed = 'bench-edit'): { files: CorpusFile[]; editedBytes: number } {
  const rnd = new SeededRandom(seed);
  const total = files.reduce((n, f) => n + f.content.length, 0);
  const budget = Math.floor(total * share);
  const out = files.map((f) => ({ ...f }));
  let edited = 0;
  while (edited < budget) {
    const f = out[rnd.below(out.length)]!;
    const len = Math.min(1 + rnd.below(4096), f.content.length);
    const at = rnd.below(Math.max(1, f.content.length - len));
    const patch = rnd.bytes(len);
    f.content = rnd.below(2)
      ? Buffer.concat([f.content.subarray(0, at), patch, f.content.subarray(at)])
      : Buffer.concat([f.content.subarray(0, at), patch, f.content.subarray(at + len)]);
    edited += len;
  }
  return { files: out, editedBytes: edited };
}
