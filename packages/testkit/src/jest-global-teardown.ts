/**
 * Jest's global teardown: the run's Ceph RGW stopped (s3/jest-global-teardown.ts),
 * and the records keys the run's stores left beside their directories removed.
 * A store's default records key is `<dir>.records.key`, outside the directory a
 * test removes; one whose directory is gone belongs to no store any more.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import stopRgw from './s3/jest-global-teardown';

export default async function teardown(): Promise<void> {
  try {
    await stopRgw();
  } finally {
    const tmp = os.tmpdir();
    for (const name of fs.readdirSync(tmp)) {
      const m = /^(cpsbackup-.+)\.records\.key$/.exec(name);
      if (m && !fs.existsSync(path.join(tmp, m[1]!))) fs.rmSync(path.join(tmp, name), { force: true });
    }
  }
}
