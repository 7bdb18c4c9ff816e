import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const RULES = path.resolve(__dirname, '../../docs/cpsbackup-alerts.yml');
const RULES_TEST = path.resolve(__dirname, 'cpsbackup-alerts.test.yml');

/** promtool (Debian's prometheus package: make test-deps installs it), its exit status and all it printed. */
function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run promtool (${r.error.message}): install Debian's prometheus package (make test-deps)`);
  return { status: r.status, output: r.stdout + r.stderr };
}

describe('the example alert rules (docs/cpsbackup-alerts.yml)', () => {
  test('promtool check rules accepts them', () => {
    const r = promtool(['check', 'rules', RULES], __dirname);
    expect(r).toEqual({ status: 0, output: expect.stringMatching(/SUCCESS: \d+ rules found/) });
  });

  test('promtool test rules: each alert fires when it should, and not before', () => {
    // rule_files in the test file are relative to its directory.
    const r = promtool(['test', 'rules', path.basename(RULES_TEST)], path.dirname(RULES_TEST));
    expect(r).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});
