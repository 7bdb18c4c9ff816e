import * as fs from 'node:fs';
import pino from 'pino';
import { tempDir } from '@cpsbackup/testkit';
import { backupTree } from '@cpsbackup/testkit/store-trees';
import { Store } from '@cpsbackup/store';
import { applyRetention, planRetention } from './retention';
import { type ClientPolicy } from './policy';

const KEEP_2 = { keep: [2], keepDaily: 0, keepWeekly: 0, keepMonthly: 0 } as unknown as ClientPolicy;

describe('the retention plan (prune --dry-run)', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = tempDir('retention-plan');
    store = await Store.open(dir);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(`${dir}.records.key`, { force: true }); // where a store opened with no records_key keeps its own
  });

  const files = new Map([['/data/f', Buffer.from('content')]]);
  const complete = () => backupTree(store, 'n', files);
  const failed = () => store.beginBackup({ client: 'n' }).abort('connection lost');
  const partial = async () => {
    const w = store.beginBackup({ client: 'n' });
    return w.commit('include /mnt could not be read (ENOENT)');
  };

  test('deletes exactly what applyRetention then deletes: complete ones no rule keeps, superseded failures, failures beyond the 10 kept', async () => {
    for (let i = 0; i < 3; i++) await complete(); // 1-3
    for (let i = 0; i < 12; i++) failed(); // 4-15
    await partial(); // 16
    for (let i = 0; i < 2; i++) await complete(); // 17-18
    for (let i = 0; i < 12; i++) failed(); // 19-30: newer than the newest complete one
    await partial(); // 31

    const plan = planRetention(store, 'n', KEEP_2);
    const doomed = plan.delete.map((b) => b.number).sort((a, b) => a - b);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    expect(doomed).toEqual([...range(1, 16), 19, 20]);
    expect(plan.keep.map((b) => b.number)).toEqual([17, 18, ...range(21, 31)]);
    expect(plan.delete.find((b) => b.number === 1)!.reasons).toEqual(['kept by no rule of keep = 2']);
    expect(plan.delete.find((b) => b.number === 4)!.reasons).toEqual(['failed, older than the newest complete backup 18']);
    expect(plan.delete.find((b) => b.number === 16)!.reasons).toEqual(['partial, older than the newest complete backup 18']);
    expect(plan.delete.find((b) => b.number === 19)!.reasons).toEqual(['failed, beyond the newest 10 failed backups kept']);
    expect(plan.keep.find((b) => b.number === 18)!.reasons).toEqual(['the newest', 'keep = 2 (the last 2)']);
    // The plan deleted nothing.
    expect(store.listBackups('n').filter((b) => b.status !== 'deleting')).toHaveLength(31);

    const deleted = await applyRetention(store, 'n', KEEP_2, pino({ level: 'silent' }));
    expect([...deleted].sort((a, b) => a - b)).toEqual(doomed);
    expect(planRetention(store, 'n', KEEP_2).delete).toEqual([]);
  });
});
