/** @cpsbackup/testkit: deterministic data for tests and benchmarks (never shipped to nodes). */
export { SeededRandom } from './random';
