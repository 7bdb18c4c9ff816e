import * as fs from 'node:fs';

/** Writes `file` until the filesystem refuses another byte (1 MiB, then 4 KiB, then single bytes). */
export function fillDisk(file: string): void {
  const fd = fs.openSync(file, 'a');
  try {
    for (const size of [1024 * 1024, 4096, 1]) {
      const block = Buffer.alloc(size, 0xa5);
      try {
        for (;;) fs.writeSync(fd, block);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
