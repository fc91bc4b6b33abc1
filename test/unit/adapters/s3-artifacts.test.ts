import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { strFromU8, strToU8 } from 'fflate';
import { S3ArtifactStore } from '../../../lambdas/adapters/s3-artifacts';
import { unzipSource, zipSource } from '../../../lambdas/core/artifact';
import { ValidationError } from '../../../lambdas/core/errors';

const s3Mock = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const BUCKET = 'cmv-artifacts-123456789012';

/** A GetObject body as the SDK gives it: something with transformToByteArray. */
const bodyOf = (bytes: Uint8Array) => ({ transformToByteArray: async () => bytes }) as unknown as GetObjectCommandOutput['Body'];

describe('s3-artifacts', () => {
  beforeEach(() => {
    s3Mock.reset();
  });

  describe('S3ArtifactStore.write()', () => {
    it('puts the object encrypted with KMS and returns its s3:// URI', async () => {
      // Arrange
      s3Mock.on(PutObjectCommand).resolves({ ETag: '"e"' });
      const store = new S3ArtifactStore(client, BUCKET);
      const bytes = strToU8('zip bytes');

      // Act
      const uri = await store.write('benefit-calculator/1.1.0.zip', bytes, 'application/zip');

      // Assert
      expect(uri).toBe(`s3://${BUCKET}/benefit-calculator/1.1.0.zip`);
      expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
      expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
        Bucket: BUCKET,
        Key: 'benefit-calculator/1.1.0.zip',
        Body: bytes,
        ContentType: 'application/zip',
        ServerSideEncryption: 'aws:kms',
      });
    });
  });

  describe('S3ArtifactStore.read()', () => {
    it('gets the object by bucket and key when the URI is s3://', async () => {
      // Arrange
      const bytes = strToU8('the artifact');
      s3Mock.on(GetObjectCommand).resolves({ Body: bodyOf(bytes) });
      const store = new S3ArtifactStore(client, BUCKET);

      // Act
      const read = await store.read('s3://other-bucket/benefit-calculator/1.0.0.zip');

      // Assert
      expect(strFromU8(read)).toBe('the artifact');
      expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'other-bucket', Key: 'benefit-calculator/1.0.0.zip' });
    });

    it('rejects with ValidationError on code.artifact when the s3:// URI has no key', async () => {
      const error = await new S3ArtifactStore(client, BUCKET).read('s3://bucket-only').catch((err: unknown) => err);

      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors[0].path).toBe('code.artifact');
      expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 0);
    });

    it('rejects a file:// URI with ValidationError on code.artifact when files are not allowed', async () => {
      const error = await new S3ArtifactStore(client, BUCKET).read('file:///etc/hostname').catch((err: unknown) => err);

      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors[0].path).toBe('code.artifact');
    });

    describe('with files allowed', () => {
      let dir: string;
      beforeEach(async () => {
        dir = await mkdtemp(join(tmpdir(), 'cmv-s3-artifacts-'));
      });
      afterEach(async () => {
        await rm(dir, { recursive: true, force: true });
      });

      it('zips a directory, skipping node_modules and dot-files, when the file:// URI is a directory', async () => {
        // Arrange
        await mkdir(join(dir, 'src', 'lib'), { recursive: true });
        await mkdir(join(dir, 'node_modules', 'left-pad'), { recursive: true });
        await mkdir(join(dir, '.git'), { recursive: true });
        await writeFile(join(dir, 'package.json'), '{"name":"svc"}');
        await writeFile(join(dir, 'src', 'index.js'), 'exports.handler = 1;');
        await writeFile(join(dir, 'src', 'lib', 'util.js'), 'module.exports = {};');
        await writeFile(join(dir, 'src', '.env'), 'SECRET=1');
        await writeFile(join(dir, '.npmrc'), 'token');
        await writeFile(join(dir, '.git', 'HEAD'), 'ref');
        await writeFile(join(dir, 'node_modules', 'left-pad', 'index.js'), 'x');
        const store = new S3ArtifactStore(client, BUCKET, true);

        // Act
        const zip = await store.read(pathToFileURL(dir).href);

        // Assert
        const files = unzipSource(zip);
        expect(Object.keys(files).sort()).toEqual(['package.json', 'src/index.js', 'src/lib/util.js']);
        expect(strFromU8(files['src/index.js'])).toBe('exports.handler = 1;');
        expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 0);
      });

      it('gives the same bytes as zipSource when the directory is read twice', async () => {
        await writeFile(join(dir, 'a.js'), 'a');
        await writeFile(join(dir, 'b.js'), 'b');
        const store = new S3ArtifactStore(client, BUCKET, true);

        const first = await store.read(pathToFileURL(dir).href);
        const second = await store.read(pathToFileURL(dir).href);

        expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
        expect(Buffer.from(first).equals(Buffer.from(zipSource({ 'a.js': strToU8('a'), 'b.js': strToU8('b') })))).toBe(true);
      });

      it('returns the file bytes when the file:// URI is a file', async () => {
        const zip = zipSource({ 'index.js': strToU8('x') });
        await writeFile(join(dir, 'service.zip'), zip);

        const read = await new S3ArtifactStore(client, BUCKET, true).read(pathToFileURL(join(dir, 'service.zip')).href);

        expect(Buffer.from(read).equals(Buffer.from(zip))).toBe(true);
      });
    });
  });
});
