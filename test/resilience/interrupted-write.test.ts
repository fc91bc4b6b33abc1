import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ROOT } from '../../lib/local/runtime';
import { LocalS3 } from '../../lib/local/s3';

/** A process killed in the middle of writing a local store file leaves the previous version whole, never a torn file. */
jest.setTimeout(180_000);

const FIXTURE = join(ROOT, 'test', 'fixtures', 'write-store.ts');
const BIG = 4 * 1024 * 1024;

/** Runs the fixture's write of `BIG` bytes under a file-size limit of 512 KiB (dash counts 512-byte blocks): it dies mid-write. */
function writeAndDie(store: 's3' | 'sns', dir: string) {
  return spawnSync('sh', ['-c', 'ulimit -f 1024; exec "$@"', 'sh', process.execPath, '--import', 'tsx', FIXTURE, store, dir, String(BIG)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
}

describe('local stores after a crash mid-write', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-crash-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the previous S3 object whole when the writing process dies halfway through a PutObject', async () => {
    // Arrange: the object's first version, written whole.
    const key = { Bucket: 'cmv-artifacts', Key: 'changes/c1/artifact.zip' };
    await new LocalS3(dir).send(new PutObjectCommand({ ...key, Body: new Uint8Array(64 * 1024).fill(1) }));

    // Act: another process rewrites it with 4 MiB and dies mid-write.
    const child = writeAndDie('s3', dir);

    // Assert: the write was cut (the signal proves it), and the next reader gets the first version whole.
    expect({ signal: child.signal, stderr: child.stderr }).toMatchObject({ signal: 'SIGXFSZ' });
    const out = (await new LocalS3(dir).send(new GetObjectCommand(key))) as { Body: { transformToByteArray(): Promise<Uint8Array> } };
    const bytes = await out.Body.transformToByteArray();
    expect({ length: bytes.length, allOnes: bytes.every((b) => b === 1) }).toEqual({ length: 64 * 1024, allOnes: true });
  });

  it('leaves no half-written e-mail in the SNS outbox when the process dies while writing one', async () => {
    // Act
    const child = writeAndDie('sns', dir);

    // Assert: the write was cut, and every e-mail in the outbox is whole (here: none was delivered).
    expect({ signal: child.signal, stderr: child.stderr }).toMatchObject({ signal: 'SIGXFSZ' });
    const mails = (await readdir(dir)).filter((f) => f.endsWith('.txt'));
    const torn = [];
    for (const f of mails) if (!(await readFile(join(dir, f), 'utf8')).endsWith(`${'x'.repeat(100)}\n`)) torn.push(f);
    expect(torn).toEqual([]);
  });
});
