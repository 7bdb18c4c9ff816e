/**
 * @cpsbackup/testkit: what tests and benchmarks share, never shipped to a
 * node or a server: deterministic data, entries, temporary directories.
 * `@cpsbackup/testkit/store-trees` backs trees up through the store API;
 * `@cpsbackup/testkit/e2e` starts real cpsbackupd and CLI processes.
 */
export { SeededRandom } from './random';
export { fileEntry } from './entries';
export { tempDir } from './temp-dir';
export { toArray } from './iterate';
