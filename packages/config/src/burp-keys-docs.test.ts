import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BurpKey, BURP_NODE_KEYS, BURP_SERVER_KEYS } from './burp-keys';
import { type KeySpec } from './spec';
import { clientSchema, nodeSchema, serverSchema } from './schemas';

/** OPERATIONS.md's table of the Burp keys cpsbackup does not implement, as burp-keys.ts and the schemas make it. */
function table(): string {
  const rows = new Map<string, { key: string; files: string[]; burp: BurpKey }>();
  const add = (file: string, keys: Record<string, BurpKey>, schema: Record<string, KeySpec<unknown>>) => {
    for (const [key, burp] of Object.entries(keys)) {
      if (schema[key]) continue; // a real key in that file: it never gets to the Burp table
      const id = `${key}\0${burp.note}\0${!!burp.refuse}`;
      const row = rows.get(id) ?? { key, files: [], burp };
      row.files.push(file);
      rows.set(id, row);
    }
  };
  add('node.conf', BURP_NODE_KEYS, nodeSchema);
  add('server.conf', BURP_SERVER_KEYS, serverSchema);
  add('clients/*', BURP_SERVER_KEYS, clientSchema);
  const sorted = [...rows.values()].sort((a, b) => a.key.localeCompare(b.key) || a.files.join().localeCompare(b.files.join()));
  return [
    '| Burp key | in | cpsbackup | why, and what to do instead |',
    '|---|---|---|---|',
    ...sorted.map(
      (r) => `| \`${r.key}\` | ${r.files.join('; ')} | ${r.burp.refuse ? '**refused**' : 'ignored, with a warning'} | ${r.burp.note.replace(/\|/g, '\\|')} |`,
    ),
  ].join('\n');
}

test("OPERATIONS.md lists every Burp key cpsbackup does not implement, refused or ignored, with burp-keys.ts's reason", () => {
  const doc = fs.readFileSync(path.join(__dirname, '../../../docs/OPERATIONS.md'), 'utf8');
  const start = doc.indexOf('<!-- burp-keys table: made from packages/config/src/burp-keys.ts (its test prints it) -->');
  const end = doc.indexOf('<!-- end of burp-keys table -->');
  expect(start).toBeGreaterThan(0);
  const inDoc = doc.slice(doc.indexOf('\n', start) + 1, end).trim();
  // On a difference, replace the table in OPERATIONS.md with the one expected here.
  expect(inDoc).toBe(table());
});
