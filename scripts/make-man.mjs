// The man pages cpsbackup(8), cpsbackupd(8) and check_cpsbackup(8), made from the programs' own command-line
// definitions (their options as yargs parses them): node scripts/make-man.mjs [DIR], default build/man.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { manPage } from '@cpsbackup/config';
import { AGENT_COMMAND_LINE } from '@cpsbackup/agent';
import { CHECK_COMMAND_LINE, SERVER_COMMAND_LINE } from '@cpsbackup/server';

const dir = path.resolve(process.argv[2] ?? 'build/man');
fs.mkdirSync(dir, { recursive: true });
for (const spec of [AGENT_COMMAND_LINE, SERVER_COMMAND_LINE, CHECK_COMMAND_LINE]) {
  const file = path.join(dir, `${spec.name}.${spec.section}`);
  fs.writeFileSync(file, manPage(spec));
  process.stdout.write(`${file}\n`);
}
