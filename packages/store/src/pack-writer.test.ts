import fc from 'fast-check';
import { CHUNK_ID_BYTES } from '@cpsbackup/format';
import { type PackAppender, type StorageBackend } from './backend';
import { PackWriter, type PlacedRecord } from './pack-writer';
import { ChunkKind, isTreePack, RECORD_HEADER_BYTES } from './pack-format';

/** A backend in memory that remembers, per pack, how many bytes an fsync made durable. */
class SyncTrackingBackend implements StorageBackend {
  readonly location = 'memory';
  readonly written = new Map<string, number>();
  readonly durable = new Map<string, number>();

  createPack(name: string): PackAppender {
    this.written.set(name, 0);
    this.durable.set(name, 0);
    const append = (b: Buffer) => this.written.set(name, this.written.get(name)! + b.length);
    return {
      append,
      appendAll: (parts) => parts.forEach(append),
      sync: () => void this.durable.set(name, this.written.get(name)!),
      syncInBackground: async () => {
        const upTo = this.written.get(name)!;
        await Promise.resolve();
        this.durable.set(name, Math.max(this.durable.get(name)!, upTo));
      },
      close: () => undefined,
    };
  }
  readonly publishesPacks = false;
  readonly objectsLocation = 'nowhere';
  async publishPack(): Promise<void> {}
  discardPack(): void {}
  unpublishedPacks(): string[] {
    return [];
  }
  async readPack(): Promise<Buffer> {
    throw new Error('not used');
  }
  // eslint-disable-next-line require-yield
  async *streamPack(): AsyncIterable<Buffer> {
    throw new Error('not used');
  }
  async refetchLocalCopy(): Promise<boolean> {
    return false;
  }
  async packSize(name: string): Promise<number> {
    return this.written.get(name) ?? 0;
  }
  async deletePack(): Promise<void> {}
  async listPacks(): Promise<string[]> {
    return [...this.written.keys()];
  }
  async writeObject(): Promise<void> {
    throw new Error('not used');
  }
  readonly leaseWrites = 'atomic' as const;
  async readLease(): Promise<undefined> {
    return undefined;
  }
  async writeLease(): Promise<string | undefined> {
    return undefined;
  }
  async readObject(): Promise<Buffer | undefined> {
    throw new Error('not used');
  }
  async deleteObject(): Promise<void> {}
  async listObjects(): Promise<string[]> {
    return [];
  }
  async close(): Promise<void> {}
}

function header(i: number, length: number, kind: number = ChunkKind.Data) {
  const id = Buffer.alloc(CHUNK_ID_BYTES);
  id.writeUInt32BE(i);
  return { id, codec: 0, kind, rawLength: length, storedLength: length };
}

/** Manifest records lie in tree packs only, data records in data packs only. */
function expectLanes(records: readonly PlacedRecord[]): void {
  for (const r of records) expect([r.kind, isTreePack(r.pack)]).toEqual([r.kind, r.kind === ChunkKind.Manifest]);
}

/** Every record handed back as durable lies wholly within the bytes its pack has fsynced. */
function expectDurable(backend: SyncTrackingBackend, records: readonly PlacedRecord[]): void {
  for (const r of records) {
    expect(r.offset + RECORD_HEADER_BYTES + r.storedLength).toBeLessThanOrEqual(backend.durable.get(r.pack)!);
  }
}

describe('PackWriter durability', () => {
  test('records of packs rolled over before a flush are durable when flush returns them', async () => {
    const backend = new SyncTrackingBackend();
    const writer = new PackWriter(backend, 1000, { created: () => undefined, sealed: () => undefined });
    for (let i = 0; i < 10; i++) writer.add(header(i, 300), Buffer.alloc(300)); // rolls over several times
    expect(backend.written.size).toBeGreaterThan(2);
    expectDurable(backend, writer.flush());
  });

  test('any mix of adds of data and manifest records, flushes and background rounds: what is handed back as durable was fsynced, in a pack of its kind (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ add: fc.integer({ min: 0, max: 3000 }), kind: fc.constantFrom(ChunkKind.Data, ChunkKind.Manifest) }),
            fc.constant({ flush: true }),
            fc.constant({ round: true }),
          ),
          { maxLength: 60 },
        ),
        async (steps) => {
          const backend = new SyncTrackingBackend();
          const sealed: string[] = [];
          const writer = new PackWriter(backend, 4096, { created: () => undefined, sealed: (n) => sealed.push(n) });
          let i = 0;
          for (const step of steps) {
            if ('add' in step) writer.add(header(i++, step.add, step.kind), Buffer.alloc(step.add));
            else if ('flush' in step) {
              const records = writer.flush();
              expectDurable(backend, records);
              expectLanes(records);
            } else if (!writer.roundInFlight) {
              const round = writer.startFlush();
              await round.durable;
              expectDurable(backend, round.records);
              expectLanes(round.records);
            }
          }
          const last = writer.flush();
          expectDurable(backend, last);
          expectLanes(last);
          writer.close();
          // A pack is only called sealed once all its bytes are durable; every pack is sealed once closed.
          for (const name of sealed) expect(backend.durable.get(name)).toBe(backend.written.get(name));
          expect(new Set(sealed)).toEqual(new Set(backend.written.keys()));
        },
      ),
      { numRuns: 300 },
    );
  });
});
