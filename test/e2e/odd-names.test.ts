import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/**
 * Names that are not plain text: a newline, a Latin-1 byte (not UTF-8), a
 * space, a backslash. -s prints each as one token the way ls -b does, and
 * --prefix takes that form back to restore exactly that file; a prefix that
 * matches nothing is exit 6, not a silent empty restore.
 */
describe('odd file names: -s shows them escaped, --prefix takes them back', () => {
  const { root, pki, server } = useServer('odd-names', { clients: { odd: [] } });
  const data = path.join(root, 'data');
  const raw = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
  const names = {
    newline: raw('line\nbreak.txt'),
    latin1: raw('caf', [0xe9], '.txt'),
    space: raw('two words.txt'),
    backslash: raw('back\\slash.txt'),
  };
  // How -s prints each (ls -b's escapes).
  const printed: Record<keyof typeof names, string> = {
    newline: 'line\\nbreak.txt',
    latin1: 'caf\\351.txt',
    space: 'two\\ words.txt',
    backslash: 'back\\\\slash.txt',
  };

  test('each name round-trips through -s and --prefix', async () => {
    fs.mkdirSync(data);
    for (const [k, n] of Object.entries(names)) fs.writeFileSync(Buffer.concat([Buffer.from(data + '/'), n]), `content of ${k}\n`);
    const conf = writeNodeConf(path.join(root, 'node'), server, { cname: 'odd', cert: pki.client('odd'), include: [data] });
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);

    const show = await runCli(['-c', conf, '-s', '1']);
    expect(show.code).toBe(0);
    const lines = show.stdout.split('\n');
    expect(lines.filter((l) => l.includes(`${data}/`))).toHaveLength(4); // one line each: the newline did not split one
    for (const p of Object.values(printed)) expect(show.stdout).toContain(`${data}/${p}`);

    for (const [k, n] of Object.entries(names)) {
      const to = path.join(root, `restore-${k}`);
      const r = await runCli(['-c', conf, '-i', '1', '--to', to, '--prefix', `${data}/${printed[k as keyof typeof names]}`]);
      expect(r.code).toBe(0);
      const restoredDir = path.join(to, data);
      const got = fs.readdirSync(restoredDir, { encoding: 'buffer' });
      expect(got).toEqual([n]);
      expect(fs.readFileSync(Buffer.concat([Buffer.from(restoredDir + '/'), n]), 'utf8')).toBe(`content of ${k}\n`);
    }

    const none = await runCli(['-c', conf, '-i', '1', '--to', path.join(root, 'none'), '--prefix', `${data}/caf\u00e9.txt`]);
    expect(none.code).toBe(6);
    expect(none.stderr).toContain(`nothing in backup 0000001 is at or below --prefix ${data}/café.txt: give --prefix paths as -s 0000001 prints them`);
    expect(fs.existsSync(path.join(root, 'none'))).toBe(false);
  });
});
