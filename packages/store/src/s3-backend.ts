/**
 * Packs and records on S3-compatible object storage (AWS S3, Ceph RGW,
 * MinIO, …). A pack is assembled and fsynced on local disk like the local
 * backend's, then published: uploaded whole (multipart past a part's size)
 * and acknowledged by the object store before anything names it to a
 * client. Published data packs stay in a local cache bounded in bytes;
 * other reads are ranged GETs, each fetching a window ahead (a restore
 * reads a pack's chunks in order). Tree packs (manifest records only:
 * pack-format.ts) are kept on local disk whatever the cache's size, and
 * one not there (a new machine after rebuild-catalog) is fetched whole
 * once and kept: what a commit's check and GC read never waits on the
 * bucket. Throttling, 5xx, refused and dropped connections are retried
 * with backoff for minutes (s3-retry.ts, s3_retry_time); a request that
 * stalls is cut by a timeout and retried the same way.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdirDurably, replaceFileDurably } from '@cpsbackup/durable';
import { type AbortedUploads, type LeaseObject, type PackAppender, type StorageBackend, type StreamOptions } from './backend';
import { StoreError } from './errors';
import { type StorageWait, StorageRetryPolicy } from './s3-retry';
import { isObjectName, LocalDirectoryBackend, packNameAt, packPathWithin } from './local-backend';
import { isTreePack } from './pack-format';
import { MultipartCleaner } from './s3-multipart';

// The SDK warns on every start that its releases from 2027 need Node 22; this one runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** An access key, as the credentials file gives it. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Where and how to reach the bucket (server.conf's s3_* keys). */
export interface S3Settings {
  /** Endpoint URL (empty: AWS, by region). */
  endpoint: string;
  bucket: string;
  region: string;
  /** Key prefix: one per cpsbackupd instance sharing a bucket. */
  prefix: string;
  /** Path-style URLs (most S3-compatible servers want them). */
  pathStyle: boolean;
  /** The current credentials, asked for at each request signing (the server rereads its file on SIGHUP); undefined: the SDK's own chain. */
  credentials?: () => S3Credentials;
  /** Local bytes kept for published data packs (tree packs are kept whatever it is). */
  cacheBytes: number;
  /** At most this many attempts per request, the first included (tests; default: as many as retryTimeMs allows). */
  maxAttempts?: number;
  /** How long one request is tried again, in all, before it fails (s3_retry_time; default 5 minutes). */
  retryTimeMs?: number;
  /** The first wait between attempts (it doubles, jittered, up to 30 s): tests make it short. */
  retryBaseDelayMs?: number;
  /** A request unanswered this long counts as waiting on the storage (storageWait). */
  slowRequestMs?: number;
  /** A request whose socket is silent this long is cut (and retried). */
  requestTimeoutMs?: number;
  /** Bytes each uncached read fetches from where it starts. */
  readAheadBytes?: number;
  /** Where a warning goes (a damaged local tree pack replaced); default: a line on stderr, the daemon's journal. */
  warn?: (message: string) => void;
}

/** s3_retry_time's default: a gateway restart, a short network loss. */
const DEFAULT_RETRY_MS = 5 * 60_000;
/** How long a request about the lease is tried (see leaseRequest). */
const LEASE_RETRY_MS = 10_000;
/** One attempt to read the lease, until its answer starts: one the storage lost is tried again inside LEASE_RETRY_MS. */
const LEASE_READ_ATTEMPT_MS = LEASE_RETRY_MS / 2;
/** Parts of a multipart upload; a smaller pack goes in one PUT. */
const PART_BYTES = 8 * 1024 * 1024;
/** Parts of one upload in flight at once. */
const PART_QUEUE = 2;
/**
 * Packs uploaded at once. Packs are sealed faster than a slow link takes
 * them (a flush round seals several, GC many): the others wait their turn
 * on disk, so memory stays at UPLOADS × PART_QUEUE parts (32 MiB).
 */
const UPLOADS = 2;
/** Read windows kept in memory, in bytes (a window per recent uncached read). */
const WINDOW_CACHE_BYTES = 32 * 1024 * 1024;

interface Window {
  pack: string;
  start: number;
  bytes: Buffer;
}

export class S3Backend implements StorageBackend {
  readonly publishesPacks = true;
  readonly location: string;
  readonly objectsLocation: string;
  private readonly client: S3Client;
  /** Packs being assembled or not yet published. */
  private readonly staging: LocalDirectoryBackend;
  /** Published packs kept locally, least recently used first (Map order). */
  private readonly cache: LocalDirectoryBackend;
  private readonly cached = new Map<string, number>();
  private cachedBytes = 0;
  /** Tree packs kept on local disk, not counted in the cache (see keepTreePack). */
  private readonly trees: LocalDirectoryBackend;
  /** Their sizes, by name: every tree pack present locally. */
  private readonly treeSizes = new Map<string, number>();
  /** Tree packs being fetched whole, by name. */
  private readonly treeFetches = new Map<string, Promise<void>>();
  /** Damaged local tree packs being replaced from the bucket, by name. */
  private readonly treeRefetches = new Map<string, Promise<boolean>>();
  /** Sizes learnt from listings, uploads and HEADs. */
  private readonly sizes = new Map<string, number>();
  private windows: Window[] = [];
  private windowBytes = 0;
  private readonly inflight = new Map<string, Promise<void>>();
  private uploading = 0;
  private readonly uploadQueue: Array<() => void> = [];
  private readonly readAhead: number;
  private readonly retry: StorageRetryPolicy;
  private readonly multipart: MultipartCleaner;

  constructor(
    dir: string,
    private readonly settings: S3Settings,
  ) {
    if (!settings.bucket) throw new StoreError('BAD_ARGUMENT', 'storage = s3 needs s3_bucket');
    this.location = `s3://${settings.bucket}/${settings.prefix}${settings.endpoint ? ` at ${settings.endpoint}` : ''}`;
    this.objectsLocation = `s3://${settings.bucket}/${settings.prefix}records/`;
    this.readAhead = settings.readAheadBytes ?? 4 * 1024 * 1024;
    this.retry = new StorageRetryPolicy({
      totalMs: settings.retryTimeMs ?? DEFAULT_RETRY_MS,
      baseDelayMs: settings.retryBaseDelayMs,
      slowMs: settings.slowRequestMs,
      maxAttempts: settings.maxAttempts,
    });
    const config: S3ClientConfig = {
      region: settings.region,
      forcePathStyle: settings.pathStyle,
      retryStrategy: this.retry,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: 10_000,
        requestTimeout: settings.requestTimeoutMs ?? 120_000,
        throwOnRequestTimeout: true, // a stalled request is cut and retried, not waited on forever
      }),
      // Our packs carry their own hashes; the default CRC trailers are not understood by every S3-compatible server.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (settings.endpoint) config.endpoint = settings.endpoint;
    const creds = settings.credentials;
    // Marked as expiring now: the SDK keeps credentials without an expiry forever, and a key reread on SIGHUP must be used from the next request.
    if (creds) config.credentials = async () => ({ ...creds(), expiration: new Date() });
    this.client = new S3Client(config);
    // Outside the retries: each request is watched from its start to its end, however it ends (storageWait).
    this.client.middlewareStack.add((next) => (args) => this.retry.track(() => next(args)), { step: 'initialize', name: 'cpsbackupStorageWait' });
    // The object store's own clock, from each answer's Date header: a lease's age is judged by it (Last-Modified is that clock too).
    this.client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const date = (result.response as { headers?: Record<string, string> } | undefined)?.headers?.['date'];
        if (date && result.output && typeof result.output === 'object') (result.output as { storeDate?: string }).storeDate = date;
        return result;
      },
      { step: 'build', name: 'cpsbackupStoreDate' },
    );
    this.multipart = new MultipartCleaner({
      client: this.client,
      bucket: settings.bucket,
      keyPrefix: `${settings.prefix}packs/`,
      inFlight: (key) => [...this.inflight.keys()].some((name) => this.packKey(name) === key),
      failure: (err, what) => this.failure(err, what),
    });
    this.staging = new LocalDirectoryBackend(path.join(dir, 's3', 'staging'));
    this.cache = new LocalDirectoryBackend(path.join(dir, 's3', 'cache'));
    for (const name of this.cache.listPacksNow()) this.remember(name, fs.statSync(this.cache.packFile(name)).size);
    this.trees = new LocalDirectoryBackend(path.join(dir, 's3', 'trees'));
    for (const name of this.trees.listPacksNow()) this.treeSizes.set(name, fs.statSync(this.trees.packFile(name)).size);
  }

  /** Whether a request waits on the storage now (failed and being retried, or unanswered for a while); undefined: none does. */
  storageWait(): StorageWait | undefined {
    return this.retry.waiting();
  }

  private packKey(name: string): string {
    return `${this.settings.prefix}packs/${packPathWithin(name)}`;
  }

  private objectKey(name: string): string {
    if (!isObjectName(name)) throw new StoreError('BAD_ARGUMENT', `invalid object name ${JSON.stringify(name)}`);
    return `${this.settings.prefix}records/${name}`;
  }

  createPack(name: string): PackAppender {
    this.packKey(name);
    if (this.cached.has(name) || this.treeSizes.has(name)) throw new StoreError('BAD_ARGUMENT', `pack ${name} exists`);
    return this.staging.createPack(name);
  }

  /** Uploads a sealed pack (once at a time per pack); once the store acknowledged it, the local file moves to the cache (a tree pack: to the tree packs kept). */
  publishPack(name: string): Promise<void> {
    return singleFlight(this.inflight, name, () => this.upload(name));
  }

  private async upload(name: string): Promise<void> {
    if (this.uploading >= UPLOADS) await new Promise<void>((resolve) => this.uploadQueue.push(resolve));
    this.uploading++;
    try {
      await this.uploadNow(name);
    } finally {
      this.uploading--;
      this.uploadQueue.shift()?.();
    }
  }

  private async uploadNow(name: string): Promise<void> {
    const file = this.staging.packFile(name);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Not staged: published before (asked again, after a crash or a second seal), its cached copy maybe evicted since.
      if (this.cached.has(name) || this.sizes.has(name) || this.treeSizes.has(name)) return;
      await this.packSize(name); // in the bucket after all, or PACK_MISSING naming it
      return;
    }
    const body = fs.createReadStream(file);
    try {
      await new Upload({
        client: this.client,
        params: { Bucket: this.settings.bucket, Key: this.packKey(name), Body: body, ContentLength: size },
        partSize: PART_BYTES,
        queueSize: PART_QUEUE,
        leavePartsOnError: false, // a failed multipart upload is aborted: no parts left to pay for
      }).done();
    } catch (err) {
      throw this.failure(err, `upload of pack ${name}`);
    } finally {
      body.destroy();
    }
    this.sizes.set(name, size);
    if (isTreePack(name)) {
      this.keepTreePack(name, size);
      return;
    }
    // Kept as recently written: the next backup's reads of new chunks find it here.
    this.staging.movePack(name, this.cache);
    this.remember(name, size);
  }

  /** Aborts the incomplete multipart uploads under this prefix's packs/ that are not this process's (s3-multipart.ts). */
  abortStaleUploads(beforeAbort: () => void): Promise<AbortedUploads> {
    return this.multipart.abortStale(beforeAbort);
  }

  discardPack(name: string): void {
    this.staging.discardPack(name);
  }

  unpublishedPacks(): string[] {
    return this.staging.listPacksNow();
  }

  async readPack(name: string, offset: number, length: number): Promise<Buffer> {
    this.packKey(name);
    if (length === 0) return Buffer.alloc(0);
    if (fs.existsSync(this.staging.packFile(name))) return this.staging.readPack(name, offset, length);
    if (isTreePack(name)) return this.readTreePack(name, offset, length);
    if (this.cached.has(name)) {
      this.touch(name);
      return this.cache.readPack(name, offset, length);
    }
    const w = this.windows.find((x) => x.pack === name && x.start <= offset && offset + length <= x.start + x.bytes.length);
    if (w) return w.bytes.subarray(offset - w.start, offset - w.start + length);
    const want = Math.max(length, this.readAhead);
    const bytes = await this.getRange(name, offset, want);
    if (bytes.length < length) {
      throw new StoreError('CHUNK_CORRUPT', `pack ${name} ends at ${offset + bytes.length}, expected ${length} bytes at ${offset}`, { pack: name });
    }
    this.keepWindow({ pack: name, start: offset, bytes });
    return bytes.subarray(0, length);
  }

  /** Up to `length` bytes at `offset` (fewer at the end of the pack). */
  private async getRange(name: string, offset: number, length: number): Promise<Buffer> {
    try {
      const r = await this.client.send(
        new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.packKey(name), Range: `bytes=${offset}-${offset + length - 1}` }),
      );
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (err) {
      if (status(err) === 416) {
        throw new StoreError('CHUNK_CORRUPT', `pack ${name} ends before ${offset}, expected ${length} bytes there`, { pack: name });
      }
      throw this.failure(err, `read of pack ${name}`, name);
    }
  }

  /**
   * A ranged GET streamed (one request for the whole range); a staged pack
   * is read from its local file, and so, unless `fromStorage`, is a cached
   * or tree pack (a tree pack fetched whole and kept first).
   */
  async *streamPack(name: string, start: number, end: number, signal?: AbortSignal, opts: StreamOptions = {}): AsyncIterable<Buffer> {
    this.packKey(name);
    if (end <= start) return;
    if (fs.existsSync(this.staging.packFile(name))) return yield* this.staging.streamPack(name, start, end, signal);
    if (isTreePack(name) && !opts.fromStorage) {
      if (!this.treeSizes.has(name)) await this.fetchTreePack(name);
      return yield* this.trees.streamPack(name, start, end, signal);
    }
    if (this.cached.has(name) && !opts.fromStorage) {
      this.touch(name);
      return yield* this.cache.streamPack(name, start, end, signal);
    }
    let body: AsyncIterable<Uint8Array>;
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.packKey(name), Range: `bytes=${start}-${end - 1}` }), {
        abortSignal: signal,
      });
      body = r.Body as unknown as AsyncIterable<Uint8Array>;
    } catch (err) {
      signal?.throwIfAborted();
      if (status(err) === 416) return; // the pack ends before `start`
      throw this.failure(err, `read of pack ${name}`, name);
    }
    try {
      for await (const piece of body) yield Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    } catch (err) {
      signal?.throwIfAborted();
      throw this.failure(err, `read of pack ${name}`, name);
    }
  }

  private keepWindow(w: Window): void {
    this.windows.push(w);
    this.windowBytes += w.bytes.length;
    while (this.windowBytes > WINDOW_CACHE_BYTES && this.windows.length > 1) this.windowBytes -= this.windows.shift()!.bytes.length;
  }

  async packSize(name: string): Promise<number> {
    this.packKey(name);
    if (fs.existsSync(this.staging.packFile(name))) return this.staging.packSize(name);
    const known = this.sizes.get(name) ?? this.cached.get(name) ?? this.treeSizes.get(name);
    if (known !== undefined) return known;
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.packKey(name) }));
      this.sizes.set(name, h.ContentLength ?? 0);
      return h.ContentLength ?? 0;
    } catch (err) {
      throw this.failure(err, `size of pack ${name}`, name);
    }
  }

  async deletePack(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.packKey(name) }));
    } catch (err) {
      if (status(err) !== 404) throw this.failure(err, `delete of pack ${name}`);
    }
    this.sizes.delete(name);
    this.windows = this.windows.filter((w) => w.pack !== name);
    this.windowBytes = this.windows.reduce((n, w) => n + w.bytes.length, 0);
    this.forgetCached(name);
    await this.forgetTreePack(name);
    this.staging.discardPack(name);
  }

  async listPacks(): Promise<string[]> {
    const names: string[] = [];
    const prefix = `${this.settings.prefix}packs/`;
    for (const o of await this.list(prefix)) {
      const name = packNameAt(o.key.slice(prefix.length));
      if (name === undefined) continue;
      names.push(name);
      this.sizes.set(name, o.size);
    }
    return names;
  }

  async writeObject(name: string, data: Buffer): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(name), Body: data }));
    } catch (err) {
      throw this.failure(err, `write of ${name}`);
    }
  }

  async readObject(name: string): Promise<Buffer | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(name) }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw this.failure(err, `read of ${name}`);
    }
  }

  async deleteObject(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(name) }));
    } catch (err) {
      if (status(err) !== 404) throw this.failure(err, `delete of ${name}`);
    }
  }

  async listObjects(prefix: string): Promise<string[]> {
    const base = `${this.settings.prefix}records/`;
    return (await this.list(base + prefix)).map((o) => o.key.slice(base.length)).sort();
  }

  /**
   * A request about the lease is tried again for LEASE_RETRY_MS at most, not
   * for all of s3_retry_time: a renewal that has not landed by then is
   * tried afresh by the lease's own schedule (storage-owner.ts), which
   * takes it up again soon after the storage answers.
   */
  private leaseRequest(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(Math.min(LEASE_RETRY_MS, this.retry.totalMs)) };
  }

  /**
   * A read of the lease also cuts an attempt whose answer has not started
   * (no headers) at half the window: a read is safe to repeat, so one the
   * storage lost is tried again within the window. Writes keep the
   * connection's own timeout: a conditional write cut after it landed
   * would, tried again, be refused by its own new tag.
   */
  private leaseRead(): { abortSignal: AbortSignal; requestTimeout: number } {
    return { ...this.leaseRequest(), requestTimeout: Math.min(LEASE_READ_ATTEMPT_MS, this.settings.requestTimeoutMs ?? Infinity) };
  }

  private get leaseKey(): string {
    return `${this.settings.prefix}lease`;
  }

  /** Whether the object store refuses a PUT whose If-None-Match / If-Match fails (probed at the first lease write). */
  private conditional: boolean | undefined;
  /** If-Match takes the tag bare, not quoted as the ETag header gives it (Ceph RGW 16 compares it with the stored tag, unquoted). */
  private ifMatchBare = false;

  private ifMatch(tag: string): string {
    return this.ifMatchBare ? tag.replace(/^"(.*)"$/, '$1') : tag;
  }

  get leaseWrites(): 'atomic' | 'checked' | 'unknown' {
    return this.conditional === undefined ? 'unknown' : this.conditional ? 'atomic' : 'checked';
  }

  async readLease(): Promise<LeaseObject | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.leaseKey }), this.leaseRead());
      const data = Buffer.from(await r.Body!.transformToByteArray());
      const storeDate = (r as { storeDate?: string }).storeDate;
      // Both times from the object store's clock when it sends Date (HTTP requires it); this host's clock otherwise.
      const now = storeDate ? Date.parse(storeDate) : Date.now();
      const ageMs = r.LastModified && Number.isFinite(now) ? Math.max(0, now - r.LastModified.getTime()) : undefined;
      return { data, tag: r.ETag ?? '', ageMs };
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw this.failure(err, 'read of the lease');
    }
  }

  async writeLease(data: Buffer, expected: string | undefined): Promise<string | undefined> {
    this.conditional ??= await this.probeConditionalWrites();
    if (this.conditional) {
      try {
        const r = await this.client.send(
          new PutObjectCommand({
            Bucket: this.settings.bucket,
            Key: this.leaseKey,
            Body: data,
            ...(expected === undefined ? { IfNoneMatch: '*' } : { IfMatch: this.ifMatch(expected) }),
          }),
          this.leaseRequest(),
        );
        return r.ETag ?? (await this.readLease())?.tag;
      } catch (err) {
        // 412: the condition failed; 409: a concurrent conditional write to the same key won.
        if (status(err) === 412 || status(err) === 409 || status(err) === 404) return undefined;
        throw this.failure(err, 'write of the lease');
      }
    }
    // The store ignores conditions: compare, write, and read back (see OPERATIONS.md for what is left to chance).
    if ((await this.readLease())?.tag !== expected) return undefined;
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key: this.leaseKey, Body: data }), this.leaseRequest());
    } catch (err) {
      throw this.failure(err, 'write of the lease');
    }
    const back = await this.readLease();
    return back && back.data.equals(data) ? back.tag : undefined;
  }

  /**
   * Whether the object store honours conditional writes: a probe object is
   * created with If-None-Match: *, then written again with the same
   * condition and with If-Match of a tag it never had; both must be refused
   * (412). Servers that ignore the headers (s3rver, older Ceph RGW and
   * MinIO) take both writes. Then the right tag must be taken: quoted, as
   * S3 wants it, or else bare (Ceph RGW 16); a store that takes neither
   * is written as one that ignores conditions.
   */
  private async probeConditionalWrites(): Promise<boolean> {
    const Key = `${this.settings.prefix}lease-probe-${randomBytes(8).toString('hex')}`;
    let tag = '';
    const put = async (cond: { IfNoneMatch?: string; IfMatch?: string }): Promise<'written' | 'refused'> => {
      try {
        tag =
          (await this.client.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key, Body: Buffer.from('probe\n'), ...cond }), this.leaseRequest()))
            .ETag ?? '';
        return 'written';
      } catch (err) {
        const code = status(err);
        if (code === 412 || code === 409) return 'refused';
        if (code === 501 || code === 400) return 'written'; // does not know the header: treated as ignoring it
        throw this.failure(err, 'probe of conditional writes');
      }
    };
    try {
      if ((await put({ IfNoneMatch: '*' })) !== 'written') return false;
      const again = await put({ IfNoneMatch: '*' });
      const written = tag; // the same bytes each time: the same tag
      const wrongTag = await put({ IfMatch: '"00000000000000000000000000000000"' });
      if (again !== 'refused' || wrongTag !== 'refused') return false;
      if ((await put({ IfMatch: written })) === 'written') return true;
      this.ifMatchBare = true;
      if ((await put({ IfMatch: this.ifMatch(written) })) === 'written') return true;
      this.ifMatchBare = false;
      return false;
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key }), this.leaseRequest()).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.retry.stop(); // uploads still running fail at their next failure instead of waiting minutes for the storage
    await Promise.allSettled([...this.inflight.values()]);
    await Promise.allSettled([...this.treeFetches.values()]);
    this.staging.closeReaders();
    this.cache.closeReaders();
    this.trees.closeReaders();
    this.client.destroy();
  }

  /** Every key under `prefix`, page by page. */
  private async list(prefix: string): Promise<Array<{ key: string; size: number }>> {
    const out: Array<{ key: string; size: number }> = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: prefix, ContinuationToken: token }));
      } catch (err) {
        throw this.failure(err, `listing of ${prefix || 'the bucket'}`);
      }
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /** A published tree pack: moved from staging to the tree packs kept, outside the cache's size. */
  private keepTreePack(name: string, size: number): void {
    this.staging.movePack(name, this.trees);
    this.treeSizes.set(name, size);
  }

  /** Reads a tree pack from local disk, fetching it whole first if it is not there. */
  private async readTreePack(name: string, offset: number, length: number): Promise<Buffer> {
    if (!this.treeSizes.has(name)) await this.fetchTreePack(name);
    return this.trees.readPack(name, offset, length);
  }

  /** Fetches a tree pack whole (one GET, once however many reads wait for it) and keeps it. */
  private fetchTreePack(name: string): Promise<void> {
    return singleFlight(this.treeFetches, name, () => this.fetchTreePackNow(name));
  }

  private async fetchTreePackNow(name: string): Promise<void> {
    let bytes: Buffer;
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.packKey(name) }));
      bytes = Buffer.from(await r.Body!.transformToByteArray());
    } catch (err) {
      throw this.failure(err, `read of pack ${name}`, name);
    }
    // Written under a temporary name and renamed: a crash never leaves a torn copy that the next start would take for whole.
    const file = this.trees.packFile(name);
    mkdirDurably(path.dirname(file));
    replaceFileDurably(file, bytes);
    this.treeSizes.set(name, bytes.length);
    this.sizes.set(name, bytes.length);
  }

  /**
   * A tree pack's local copy failed a read's check: its reader closed, the
   * file removed and the pack fetched whole from the bucket again (once
   * however many reads found it damaged meanwhile). False when there is no
   * kept copy (a staged pack, or none fetched yet). A bucket that lost the
   * pack fails it with PACK_MISSING.
   */
  refetchLocalCopy(name: string, reason: string): Promise<boolean> {
    this.packKey(name);
    if (!isTreePack(name)) return Promise.resolve(false);
    return singleFlight(this.treeRefetches, name, () => this.refetchTreePackNow(name, reason));
  }

  private async refetchTreePackNow(name: string, reason: string): Promise<boolean> {
    await this.treeFetches.get(name)?.catch(() => undefined);
    if (fs.existsSync(this.staging.packFile(name)) || !this.treeSizes.has(name)) return false;
    this.treeSizes.delete(name);
    this.trees.discardPack(name); // closes its reader: a read must not go on through the damaged file
    await this.fetchTreePack(name);
    (this.settings.warn ?? warnOnStderr)(
      `the local copy of tree pack ${name} (${this.trees.packFile(name)}) was damaged (${reason}): replaced by the copy in ${this.location}; ` +
        `check the local disk if this recurs`,
    );
    return true;
  }

  /** A deleted tree pack's local copy goes too (after a fetch of it in flight, which would bring it back). */
  private async forgetTreePack(name: string): Promise<void> {
    if (!isTreePack(name)) return;
    await this.treeFetches.get(name)?.catch(() => undefined);
    this.treeSizes.delete(name);
    this.trees.discardPack(name);
  }

  /** A pack now in the cache; the least recently used go past the cache's size (never the one just added). */
  private remember(name: string, size: number): void {
    this.cached.set(name, size);
    this.cachedBytes += size;
    for (const old of [...this.cached.keys()]) {
      if (this.cachedBytes <= this.settings.cacheBytes) break;
      if (old !== name) this.forgetCached(old);
    }
  }

  private touch(name: string): void {
    const size = this.cached.get(name);
    if (size === undefined) return;
    this.cached.delete(name);
    this.cached.set(name, size);
  }

  private forgetCached(name: string): void {
    const size = this.cached.get(name);
    if (size === undefined) return;
    this.cached.delete(name);
    this.cachedBytes -= size;
    this.cache.discardPack(name);
  }

  /** An SDK failure as a StoreError that says what failed and where (never the credentials). */
  private failure(err: unknown, what: string, pack?: string): StoreError {
    const code = status(err);
    if (pack && code === 404) return new StoreError('PACK_MISSING', `pack ${pack} is missing from ${this.location}`, { pack });
    const e = err as Error & { name?: string; $metadata?: { attempts?: number } };
    const attempts = e.$metadata?.attempts;
    const retriedS = Math.round(this.retry.totalMs / 1000);
    const exhausted = this.retry.exhausted(err);
    const gaveUp = exhausted
      ? ` over ${retriedS} s (the storage kept failing or not answering for all of s3_retry_time = ${retriedS} s: check the object store, its gateway and its free space)`
      : '';
    return new StoreError(
      'STORE_REMOTE',
      `${what} in ${this.location} failed${attempts ? ` after ${attempts} attempts` : ''}${gaveUp}: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}`,
      { code: e.name, ...(exhausted ? { retriedMs: this.retry.totalMs } : {}) },
    );
  }
}

/** A warning where the daemon's journal takes it. */
function warnOnStderr(message: string): void {
  process.stderr.write(`cpsbackupd: warning: ${message}\n`);
}

/** The work in flight for `name`, or `run()` started and kept there until it settles: callers meanwhile share one. */
function singleFlight<T>(inflight: Map<string, Promise<T>>, name: string, run: () => Promise<T>): Promise<T> {
  let p = inflight.get(name);
  if (!p) {
    p = run().finally(() => inflight.delete(name));
    inflight.set(name, p);
  }
  return p;
}

/** The HTTP status of an SDK error (undefined for a network failure). */
function status(err: unknown): number | undefined {
  const e = err as { $metadata?: { httpStatusCode?: number }; name?: string };
  if (e?.name === 'NoSuchKey' || e?.name === 'NotFound') return 404;
  return e?.$metadata?.httpStatusCode;
}
