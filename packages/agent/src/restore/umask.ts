import * as fs from 'node:fs';

/**
 * This process's umask, read from /proc (reading it with process.umask()
 * is deprecated); undefined where /proc cannot tell.
 */
export function readUmask(): number | undefined {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    return m ? parseInt(m[1]!, 8) : undefined;
  } catch {
    return undefined;
  }
}
