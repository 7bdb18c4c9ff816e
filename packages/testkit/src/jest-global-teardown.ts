/**
 * Jest's global teardown: the run's Ceph RGW stopped (s3/jest-global-teardown.ts),
 * and the records keys the run's stores left beside their directories removed.
 * A store's default records key is `<dir>.records.key`, outside the directory a
 * test removes; one whose directory is gone belongs to no store any more.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEMP_DIR_PREFIX } from './temp-dir';
import stopRgw from './s3/jest-global-teardown';

/** What the store's defaultRecordsKeyFile puts after a store's directory (not imported: the teardown loads no store code). */
const RECORDS_KEY_SUFFIX = '.records.key';

export default async function teardown(): Promise<void> {
  try {
    await stopRgw();
  } finally {
    const tmp = os.tmpdir();
    for (const name of fs.readdirSync(tmp)) {
      if (!name.startsWith(TEMP_DIR_PREFIX) || !name.endsWith(RECORDS_KEY_SUFFIX)) continue;
      if (!fs.existsSync(path.join(tmp, name.slice(0, -RECORDS_KEY_SUFFIX.length)))) fs.rmSync(path.join(tmp, name), { force: true });
    }
  }
}
