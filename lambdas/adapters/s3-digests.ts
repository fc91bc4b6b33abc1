import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SignedDigest } from '../core/digest';
import { DigestExistsError } from '../core/errors';
import type { DigestStore } from '../core/ports';
import type { AwsClient } from './aws-client';

/** Where digests live in their bucket. */
const PREFIX = 'digests/';
const KEY = /^digests\/(\d{12})\.json$/;

/** The object key of digest `seq`: zero-padded, so that key order is seq order. */
export const digestKey = (seq: number): string => `${PREFIX}${String(seq).padStart(12, '0')}.json`;

/**
 * Signed digests in an S3 bucket with Object Lock (compliance mode), one object per digest under
 * {@link digestKey}: put with `If-None-Match: *`, so a digest is never overwritten (S3 answers 412
 * PreconditionFailed, here DigestExistsError), and never deleted (the roles may not).
 */
export class S3DigestStore implements DigestStore {
  /** The newest seq this store saw: where the next search for the newest starts. */
  private known = 0;

  constructor(
    private readonly s3: AwsClient,
    private readonly bucket: string,
  ) {}

  async latest(): Promise<SignedDigest | undefined> {
    // S3 lists keys in ascending order only: find the last by "is there any key after seq n?" (MaxKeys 1),
    // doubling n from the newest seen, then halving: ~2·log2(n) small listings, not a walk over all keys.
    let low = this.known;
    if (!(await this.anyAfter(low))) return low > 0 ? this.get(low) : undefined;
    let high = Math.max(1, low * 2);
    while (await this.anyAfter(high)) {
      low = high;
      high *= 2;
    }
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (await this.anyAfter(mid)) low = mid;
      else high = mid;
    }
    this.known = high;
    return this.get(high);
  }

  async get(seq: number): Promise<SignedDigest | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: digestKey(seq) }));
      return parse(seq, (await out.Body?.transformToString()) ?? '');
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async *after(seq: number): AsyncIterable<SignedDigest> {
    let token: string | undefined;
    do {
      const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: PREFIX, StartAfter: digestKey(seq), ContinuationToken: token }));
      for (const object of out.Contents ?? []) {
        const match = KEY.exec(object.Key ?? '');
        if (!match) continue;
        const digest = await this.get(Number(match[1]));
        if (digest) yield digest;
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async put(signed: SignedDigest): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: digestKey(signed.digest.seq),
          Body: JSON.stringify(signed, null, 2),
          ContentType: 'application/json',
          IfNoneMatch: '*',
          // Object Lock requires an integrity checksum on every put.
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      this.known = Math.max(this.known, signed.digest.seq);
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      // 412: the key exists; 409 ConditionalRequestConflict: a concurrent put of the same key.
      if (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412 || e.$metadata?.httpStatusCode === 409) {
        throw new DigestExistsError(`digest #${signed.digest.seq} exists already`, { cause: err });
      }
      throw err;
    }
  }

  private async anyAfter(seq: number): Promise<boolean> {
    const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: PREFIX, StartAfter: digestKey(seq), MaxKeys: 1 }));
    return (out.Contents ?? []).some((o) => KEY.test(o.Key ?? ''));
  }
}

/** A stored digest; an object that is not one parses as a digest that fails every check (never as nothing). */
function parse(seq: number, text: string): SignedDigest {
  try {
    return JSON.parse(text) as SignedDigest;
  } catch {
    return { digest: { seq } as SignedDigest['digest'], digestHash: '', signature: { algorithm: 'ECDSA_SHA_256', keyId: '', value: '' } };
  }
}
