/**
 * @cpsbackup/workers: CPU work off a daemon's main thread (the agent's
 * chunk and file pools, cpsbackupd's chunk checks).
 */
export { WorkerPool } from './worker-pool';
export { workerScript } from './worker-script';
