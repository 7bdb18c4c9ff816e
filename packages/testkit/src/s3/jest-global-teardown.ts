/** Jest's global teardown: the run's Ceph RGW (jest-global-setup.ts) stopped and its directory removed. */
import type { TestRgw } from './rgw';

export default async function teardown(): Promise<void> {
  await (globalThis as { cpsbackupRgw?: TestRgw }).cpsbackupRgw?.stop();
}
