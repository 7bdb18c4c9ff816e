import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClientRegistry } from './client-registry';

describe('the client files a registry reads', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'client-registry-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a file no client can be named after is reported, not skipped silently; hidden files and editor backups are not clients', () => {
    for (const name of ['web1', 'a b', 'ünï', 'q"uote', '.hidden', 'web1~']) fs.writeFileSync(path.join(dir, name), '');
    const problems = new ClientRegistry(dir).reload();
    expect(problems).toHaveLength(3);
    for (const name of ['a b', 'ünï', 'q"uote'])
      expect(problems.some((p) => p.startsWith(`client file ${dir}/${name} not read: `) && p.endsWith('rename the file'))).toBe(true);
    const registry = new ClientRegistry(dir);
    registry.reload();
    expect(registry.names()).toEqual(['web1']);
  });
});
