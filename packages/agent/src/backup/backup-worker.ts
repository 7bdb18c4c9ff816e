/**
 * Worker thread of a backup's one worker pool (backup.ts): it reads file
 * batches (file-worker.ts) and hashes and compresses chunks
 * (chunk-worker.ts), each answering its own jobs. One set of threads for
 * both instead of a pool each: every worker isolate costs about 13 MB of
 * the agent's resident memory (PERFORMANCE.md, "Agent memory").
 */
import './file-worker';
import './chunk-worker';
