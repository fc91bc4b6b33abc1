import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
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
