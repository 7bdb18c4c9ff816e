/**
 * Incomplete multipart uploads of this server's packs. An upload cut short
 * by a crash, or whose abort failed (the gateway down, the cluster full),
 * leaves its parts in the bucket: no object listing shows them, the object
 * store bills them, and they stay until someone aborts the upload. The
 * store aborts them itself (at start, once it holds the lease, and at each
 * GC): only under its own prefix's packs/ key space, never an upload this
 * process has in flight.
 */
import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  ListPartsCommand,
  type ListPartsCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type AbortedUploads } from './backend';
import { type StoreError } from './errors';
import { packNameAt } from './local-backend';

/** What the cleaner needs of the backend. */
interface MultipartScope {
  client: S3Client;
  bucket: string;
  /** The key space searched: this server's `<prefix>packs/`. */
  keyPrefix: string;
  /** Whether this process is uploading to `key` now (its upload is not stale). */
  inFlight(key: string): boolean;
  /** A failure of `what`, as the backend reports it. */
  failure(err: unknown, what: string): StoreError;
}

/** Whether the object store answered that it does not implement the request. */
function notImplemented(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotImplemented' || e?.$metadata?.httpStatusCode === 501 || e?.$metadata?.httpStatusCode === 405;
}

export class MultipartCleaner {
  /** Set once the store said it does not list uploads: not asked again. */
  private unsupported: string | undefined;

  constructor(private readonly scope: MultipartScope) {}

  /**
   * Lists this prefix's incomplete uploads (page by page) and aborts each
   * that no upload of this process owns; `beforeAbort` runs before each
   * abort (the lease check: a server that lost the storage aborts nothing).
   */
  async abortStale(beforeAbort: () => void): Promise<AbortedUploads> {
    if (this.unsupported) return { aborted: 0, bytes: undefined, keys: [], unsupported: this.unsupported };
    const { client, bucket, keyPrefix } = this.scope;
    const stale: Array<{ key: string; uploadId: string }> = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let page: ListMultipartUploadsCommandOutput;
      try {
        page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: keyPrefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
      } catch (err) {
        if (notImplemented(err)) {
          this.unsupported = `the object store does not list incomplete multipart uploads (${(err as Error).name}): those a crash or a failed abort leaves under ${keyPrefix} are not cleaned up by cpsbackupd`;
          return { aborted: 0, bytes: undefined, keys: [], unsupported: this.unsupported };
        }
        throw this.scope.failure(err, `listing of the incomplete uploads under ${keyPrefix}`);
      }
      for (const u of page.Uploads ?? []) {
        // The prefix is the store's filter too; checked here so that no answer can make this touch another prefix's upload.
        // Only the exact key of one of our packs: a prefix without a trailing / (`a`) has `apacks/` as its pack space,
        // where a server whose prefix is `apacks/` keeps `apacks/packs/…`: that is not ours.
        if (u.Key && u.UploadId && u.Key.startsWith(keyPrefix) && packNameAt(u.Key.slice(keyPrefix.length)) !== undefined) {
          stale.push({ key: u.Key, uploadId: u.UploadId });
        }
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);

    const done: AbortedUploads = { aborted: 0, bytes: 0, keys: [] };
    for (const u of stale) {
      // Checked again now: a pack this process began uploading since the listing is under way, not stale.
      if (this.scope.inFlight(u.key)) continue;
      const bytes = await this.partBytes(u.key, u.uploadId);
      beforeAbort();
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.key, UploadId: u.uploadId }));
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e?.name === 'NoSuchUpload' || e?.$metadata?.httpStatusCode === 404) continue; // completed or aborted meanwhile
        throw this.scope.failure(err, `abort of the incomplete upload of ${u.key}`);
      }
      done.aborted++;
      done.keys.push(u.key);
      done.bytes = done.bytes === undefined || bytes === undefined ? undefined : done.bytes + bytes;
    }
    return done;
  }

  /** The bytes an upload's parts hold (undefined if the store does not list them). */
  private async partBytes(key: string, uploadId: string): Promise<number | undefined> {
    let total = 0;
    let marker: string | undefined;
    do {
      let page: ListPartsCommandOutput;
      try {
        page = await this.scope.client.send(new ListPartsCommand({ Bucket: this.scope.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
      } catch {
        return undefined; // only the log's figure is lost: the upload is aborted all the same
      }
      for (const p of page.Parts ?? []) total += p.Size ?? 0;
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
    return total;
  }
}
