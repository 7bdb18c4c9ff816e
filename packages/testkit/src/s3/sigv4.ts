/**
 * Requests signed with AWS Signature Version 4, for what the tests ask of
 * an object store directly (a bucket made, a listing counted, a lease read)
 * past the store's own client: RGW answers only signed requests.
 */
import { createHash, createHmac } from 'node:crypto';

export interface S3Key {
  accessKeyId: string;
  secretAccessKey: string;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
/** RFC 3986 encoding, as SigV4's canonical query wants it. */
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `fetch` of `url` signed with `key` (region us-east-1, service s3). */
export async function signedFetch(
  url: string,
  key: S3Key,
  init: { method?: string; body?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const u = new URL(url);
  const method = init.method ?? 'GET';
  const body = init.body === undefined ? Buffer.alloc(0) : Buffer.from(init.body);
  const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const day = now.slice(0, 8);
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    host: u.host,
    'x-amz-date': now,
    'x-amz-content-sha256': sha256(body),
  };
  const names = Object.keys(headers).sort();
  const query = [...u.searchParams]
    .map(([k, v]) => [encode(k), encode(v)])
    .sort(([a, x], [b, y]) => (a! < b! ? -1 : a! > b! ? 1 : x! < y! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonical = [method, u.pathname, query, ...names.map((n) => `${n}:${headers[n]!.trim()}`), '', names.join(';'), headers['x-amz-content-sha256']].join(
    '\n',
  );
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', now, scope, sha256(canonical)].join('\n');
  const signingKey = ['us-east-1', 's3', 'aws4_request'].reduce<Buffer>((k, part) => hmac(k, part), hmac(`AWS4${key.secretAccessKey}`, day));
  const signature = createHmac('sha256', signingKey).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  delete headers.host; // fetch sets it, to the same value
  // A kept-alive connection the server closes as the request goes out fails it before it was served ("other side
  // closed"): tried again on a new one, twice at most, as the SDK does for the backend's own requests.
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(u, { method, headers, body: body.length > 0 ? body : undefined });
    } catch (err) {
      if (attempt >= 3 || !(err instanceof TypeError)) throw err;
    }
  }
}
