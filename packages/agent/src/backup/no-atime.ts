import * as fs from 'node:fs';
import { openFromRoot } from '@cpsbackup/syscalls';

/** Linux's O_NOATIME (node:fs has it on Linux; the number is the kernel's, for the types). */
const O_NOATIME = fs.constants.O_NOATIME ?? 0o1000000;

/**
 * Opens a file or directory the backup reads (openFromRoot: no symbolic
 * link followed, at any depth) without updating its access time, as Burp
 * does by default (atime = 0): a backup does not make every file look
 * recently used to whatever cleans up by atime, or tells read mail from new.
 * The kernel allows O_NOATIME to root and to the file's owner only; for the
 * others (EPERM) the file is opened as usual, and its atime may change.
 */
export function openToRead(path: Buffer, flags: number): number {
  try {
    return openFromRoot(path, flags | O_NOATIME);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    return openFromRoot(path, flags);
  }
}
