import { workerScript as scriptIn } from '@cpsbackup/workers';

/** The compiled script of one of the agent's worker threads (`name` relative to src/, e.g. 'backup/chunk-worker'). */
export function workerScript(name: string): string {
  return scriptIn(__dirname, name);
}
