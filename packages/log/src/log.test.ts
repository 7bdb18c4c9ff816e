import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { withJournalPriority } from './index';

describe('log lines for journald', () => {
  test.each([
    ['{"level":20,"msg":"x"}', '<7>'],
    ['{"level":30,"msg":"x"}', '<6>'],
    ['{"level":40,"msg":"x"}', '<4>'],
    ['{"level":50,"msg":"x"}', '<3>'],
    ['{"level":60,"msg":"x"}', '<2>'],
  ])('%s gets priority %s', (line, prefix) => {
    expect(withJournalPriority(line)).toBe(prefix + line);
  });

  test('under systemd ($JOURNAL_STREAM) each line carries its priority; otherwise plain JSON', () => {
    const script = `require(${JSON.stringify(path.join(__dirname, '../dist/index.js'))}).createLogger('info', 'cpsbackupd').warn('disk nearly full')`;
    const journal = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, JOURNAL_STREAM: '8:1234' }, encoding: 'utf8' });
    expect(journal).toMatch(/^<4>\{"level":40,.*"msg":"disk nearly full"\}\n$/);
    const plain = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, JOURNAL_STREAM: '' }, encoding: 'utf8' });
    expect(JSON.parse(plain).msg).toBe('disk nearly full');
  });
});
