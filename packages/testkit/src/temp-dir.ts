import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** What every test's temporary directory is named from (jest-global-teardown.ts finds what they leave beside them by it). */
export const TEMP_DIR_PREFIX = 'cpsbackup-';

/** A fresh temporary directory, removed by the caller (or left for inspection). */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_DIR_PREFIX}${prefix}-`));
}
