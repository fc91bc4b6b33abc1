import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalS3 } from '../../../lib/local/s3';

/** A body of `size` bytes all equal to `fill`: a read that mixes two bodies or stops short is visible. */
const body = (fill: number, size: number) => new Uint8Array(size).fill(fill);

/** What a read saw: `complete-<fill>` when every byte is the same and the length is right, else what was wrong. */
function verdict(bytes: Uint8Array, size: number): string {
  if (bytes.length !== size) return `torn: ${bytes.length} of ${size} bytes`;
  return bytes.every((b) => b === bytes[0]) ? `complete-${bytes[0]}` : 'torn: bytes of two bodies';
}

describe('LocalS3', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-s3-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('send(GetObject) while PutObject rewrites the same key', () => {
    it('sees one whole body every time, never a torn one', async () => {
      // Arrange: the object exists (a reader never races its first write); 4 writers replace it 15 times each, every body different.
      const s3 = new LocalS3(dir);
      const size = 64 * 1024;
      const key = { Bucket: 'cmv-artifacts', Key: 'changes/c1/artifact.zip' };
      await s3.send(new PutObjectCommand({ ...key, Body: body(0, size) }));
      let writing = true;
      const get = async () => {
        const out = (await s3.send(new GetObjectCommand(key))) as { Body: { transformToByteArray(): Promise<Uint8Array> } };
        return verdict(await out.Body.transformToByteArray(), size);
      };
      const writer = async (w: number) => {
        for (let i = 0; i < 15; i++) await s3.send(new PutObjectCommand({ ...key, Body: body(w * 15 + i + 1, size) }));
      };

      // Act: readers loop while the writers run; every read is judged.
      const seen: string[] = [];
      const reader = async () => {
        while (writing) seen.push(await get());
      };
      const readers = [reader(), reader()];
      await Promise.all([writer(0), writer(1), writer(2), writer(3)]);
      writing = false;
      await Promise.all(readers);

      // Assert: reads happened, none saw a partial or mixed body, and the object left is one whole body.
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((v) => v.startsWith('torn'))).toEqual([]);
      expect(await get()).toMatch(/^complete-/);
    }, 60_000);
  });
});

describe('LocalS3 conditional puts, listings and append-only buckets', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-s3-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const put = (s3: LocalS3, Bucket: string, Key: string, text: string, IfNoneMatch?: string) =>
    s3.send(new PutObjectCommand({ Bucket, Key, Body: Buffer.from(text), ...(IfNoneMatch ? { IfNoneMatch } : {}) }));
  const read = async (s3: LocalS3, Bucket: string, Key: string) =>
    ((await s3.send(new GetObjectCommand({ Bucket, Key }))) as { Body: { transformToString(): Promise<string> } }).Body.transformToString();

  it('refuses a put with If-None-Match: * of a key that exists with 412 PreconditionFailed, and keeps the first body', async () => {
    const s3 = new LocalS3(dir);
    await put(s3, 'b', 'digests/1.json', 'first', '*');

    await expect(put(s3, 'b', 'digests/1.json', 'second', '*')).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    expect(await read(s3, 'b', 'digests/1.json')).toBe('first');
  });

  it('lets exactly one of concurrent puts with If-None-Match: * of one key win', async () => {
    const s3 = new LocalS3(dir);

    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => put(s3, 'b', 'k', `body-${i}`, '*')));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const winner = outcomes.findIndex((o) => o.status === 'fulfilled');
    expect(await read(s3, 'b', 'k')).toBe(`body-${winner}`);
  });

  it('refuses, in an append-only bucket, a put without If-None-Match (AccessDenied, as its bucket policy does) and any delete', async () => {
    const s3 = new LocalS3(dir, { appendOnlyBuckets: ['digests'] });
    await put(s3, 'digests', 'd/1', 'one', '*');

    await expect(put(s3, 'digests', 'd/1', 'other')).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(put(s3, 'digests', 'd/2', 'new')).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(s3.send(new DeleteObjectCommand({ Bucket: 'digests', Key: 'd/1' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(await read(s3, 'digests', 'd/1')).toBe('one');
  });

  it('lists keys in order after StartAfter, under a prefix, a page of MaxKeys at a time', async () => {
    // Arrange
    const s3 = new LocalS3(dir);
    for (const key of ['digests/3', 'digests/1', 'other/x', 'digests/2', 'digests/4']) await put(s3, 'b', key, key);
    const list = (input: Record<string, unknown>) =>
      s3.send(new ListObjectsV2Command({ Bucket: 'b', Prefix: 'digests/', ...input })) as Promise<{
        Contents?: { Key: string }[];
        IsTruncated: boolean;
        NextContinuationToken?: string;
      }>;

    // Act
    const first = await list({ StartAfter: 'digests/1', MaxKeys: 2 });
    const second = await list({ StartAfter: 'digests/1', MaxKeys: 2, ContinuationToken: first.NextContinuationToken });
    const none = await list({ StartAfter: 'digests/4' });

    // Assert
    expect(first).toMatchObject({ Contents: [{ Key: 'digests/2' }, { Key: 'digests/3' }], IsTruncated: true });
    expect(second).toMatchObject({ Contents: [{ Key: 'digests/4' }], IsTruncated: false });
    expect(none.Contents ?? []).toEqual([]);
  });
});
