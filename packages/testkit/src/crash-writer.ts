/**
 * Child process for the crash test: works on a store forever (backups,
 * deletes, GC) and reports each durable step on fd 1 with a synchronous
 * write, until the parent kills it with SIGKILL at a random moment.
 *
 *   node crash-writer.js <store dir> <seed>
 *
 * Lines: "committed <client> <number> <treeSeed>", "deleting <client> <number>",
 * "deleted <client> <number>", "gc".
 */
import * as fs from 'node:fs';
import { Store } from '@cpsbackup/store';
import { backupTree, backupTreeYielding } from './store-trees';
import { crashTree } from './crash-tree';

const [dir, seedText] = process.argv.slice(2);
if (!dir || !seedText) {
  process.stderr.write('usage: crash-writer <store dir> <seed>\n');
  process.exit(2);
}
const say = (line: string) => fs.writeSync(1, line + '\n');
let step = 0;
async function main(): Promise<never> {
  const store = await Store.open(dir, { packTargetSize: 64 * 1024, flushThreshold: 32 * 1024, gcLiveThreshold: 0.8 });
  for (;;) {
    step++;
    const client = step % 3 === 0 ? 'beta' : 'alpha';
    const treeSeed = `${seedText}-${step}`;
    // Every other backup gives the event loop turns, so background flush rounds complete mid-backup too.
    const b = step % 2 === 0 ? await backupTreeYielding(store, client, crashTree(treeSeed)) : await backupTree(store, client, crashTree(treeSeed));
    say(`committed ${client} ${b.number} ${treeSeed}`);
    const mine = store.listBackups(client).filter((x) => x.status === 'available');
    if (mine.length > 3) {
      const oldest = mine[0]!;
      say(`deleting ${client} ${oldest.number}`);
      await store.deleteBackup(oldest.id);
      say(`deleted ${client} ${oldest.number}`);
    }
    if (step % 2 === 0) {
      await store.gc(Date.now() + 48 * 3600_000);
      say('gc');
    }
  }
}
void main();
