import { execFileSync } from 'node:child_process';
import { type DumpJob, loadCommandFor, maskUriPassword } from './dump-jobs';

describe('the load command shown for a dump that was not loaded', () => {
  test.each([
    ['mongodb://admin:s3cr%40t@h1:27017,h2:27017/canopsis?replicaSet=rs0', 'mongodb://admin:***@h1:27017,h2:27017/canopsis?replicaSet=rs0'],
    ['postgresql://u:p@db/canopsis', 'postgresql://u:***@db/canopsis'],
    ['mongodb://127.0.0.1:27017', 'mongodb://127.0.0.1:27017'],
    ['mongodb://user@host:27017', 'mongodb://user@host:27017'],
    ['canopsis', 'canopsis'],
  ])('%s is shown as %s', (uri, shown) => {
    expect(maskUriPassword(uri)).toBe(shown);
  });

  const mongo: DumpJob = {
    name: 'mongodb-alarms',
    dump: 'mongodump --uri={uri} --archive={fifo}',
    restore: 'mongorestore --uri={uri} --nsInclude={database}.{collection} --archive={file}',
    vars: { uri: 'mongodb://admin:s3cret@db:27017', database: 'canopsis', collection: 'alarms', name: 'mongodb-alarms' },
  };

  test("the job's restore command on the file, shell-quoted, a URI's password masked", () => {
    const file = "/srv/look/var/lib/cpsbackup/dumps/it's.dump";
    const shown = loadCommandFor(mongo, file)!;
    expect(shown).toBe(
      `mongorestore --uri='mongodb://admin:***@db:27017' --nsInclude='canopsis'.'alarms' --archive='/srv/look/var/lib/cpsbackup/dumps/it'\\''s.dump'`,
    );
    expect(shown).not.toContain('s3cret');
    // What a shell makes of it: the file name as one word.
    const words = execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${shown.replace(/^mongorestore /, '')}`], { encoding: 'utf8' }).split('\n');
    expect(words[2]).toBe(`--archive=${file}`);
  });

  test('a job without a restore command has none to show', () => {
    expect(loadCommandFor({ ...mongo, restore: undefined }, '/x.dump')).toBeUndefined();
  });
});
