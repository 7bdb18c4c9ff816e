/**
 * Jest's global setup: with CPSBACKUP_S3=rgw, one Ceph RGW for the whole
 * run (each S3 test file takes a bucket of its own on it), handed to the
 * test files in CPSBACKUP_RGW. Nothing otherwise.
 */
import { RGW_ENV, s3Kind, TestRgw } from './rgw';

export default async function setup(): Promise<void> {
  if (s3Kind() !== 'rgw' || process.env[RGW_ENV]) return;
  const t0 = Date.now();
  const rgw = await TestRgw.start();
  process.stdout.write(`\nCeph RGW at ${rgw.endpoint} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  process.env[RGW_ENV] = rgw.handOn;
  (globalThis as { cpsbackupRgw?: TestRgw }).cpsbackupRgw = rgw;
}
