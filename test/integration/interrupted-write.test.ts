import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ROOT } from '../../lib/local/runtime';
import { LocalS3 } from '../../lib/local/s3';

/** A process killed in the middle of rewriting a local store file leaves the previous version whole. */
jest.setTimeout(60_000);

const FIXTURE = join(ROOT, 'test', 'fixtures', 'put-object.ts');

describe('local stores after a crash mid-write', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cmv-crash-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps the previous S3 object whole when the writing process dies halfway through a PutObject', async () => {
    // Arrange: the object's first version, written whole.
    const key = { Bucket: 'cmv-artifacts', Key: 'changes/c1/artifact.zip' };
    await new LocalS3(root).send(new PutObjectCommand({ ...key, Body: new Uint8Array(64 * 1024).fill(1) }));

    // Act: another process rewrites it with 4 MiB under a file-size limit of 512 KiB (dash counts 512-byte blocks): it dies mid-write.
    const child = spawnSync(
      'sh',
      ['-c', 'ulimit -f 1024; exec "$@"', 'sh', process.execPath, '--import', 'tsx', FIXTURE, root, key.Bucket, key.Key, String(4 * 1024 * 1024), '2'],
      { cwd: ROOT, encoding: 'utf8' },
    );

    // Assert: the write was cut (the signal proves it), and the next reader gets the first version whole.
    expect({ signal: child.signal, stderr: child.stderr }).toMatchObject({ signal: 'SIGXFSZ' });
    const out = (await new LocalS3(root).send(new GetObjectCommand(key))) as { Body: { transformToByteArray(): Promise<Uint8Array> } };
    const bytes = await out.Body.transformToByteArray();
    expect({ length: bytes.length, allOnes: bytes.every((b) => b === 1) }).toEqual({ length: 64 * 1024, allOnes: true });
  });
});
