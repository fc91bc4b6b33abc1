import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { strFromU8, strToU8 } from 'fflate';
import { S3ArtifactStore } from '../../../lambdas/adapters/s3-artifacts';
import { unzipSource, zipSource } from '../../../lambdas/core/artifact';
import { NotFoundError, ValidationError } from '../../../lambdas/core/errors';

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
    it('answers an object S3 does not have (NoSuchKey) with NotFoundError naming the URI, not the SDK error', async () => {
      // Arrange
      s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }));
      const store = new S3ArtifactStore(client, BUCKET);

      // Act
      const read = store.read('s3://cmv-sources/missing.zip');

      // Assert
      await expect(read).rejects.toThrow(NotFoundError);
      await expect(read).rejects.toThrow('artifact s3://cmv-sources/missing.zip does not exist');
    });

    it('lets any other S3 failure through as it is', async () => {
      s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
      await expect(new S3ArtifactStore(client, BUCKET).read('s3://cmv-sources/a.zip')).rejects.toMatchObject({ name: 'AccessDenied' });
    });

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

    describe('with files allowed under a root', () => {
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
        const store = new S3ArtifactStore(client, BUCKET, { root: dir });

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
        const store = new S3ArtifactStore(client, BUCKET, { root: dir });

        const first = await store.read(pathToFileURL(dir).href);
        const second = await store.read(pathToFileURL(dir).href);

        expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
        expect(Buffer.from(first).equals(Buffer.from(zipSource({ 'a.js': strToU8('a'), 'b.js': strToU8('b') })))).toBe(true);
      });

      it('returns the file bytes when the file:// URI is a file', async () => {
        const zip = zipSource({ 'index.js': strToU8('x') });
        await writeFile(join(dir, 'service.zip'), zip);

        const read = await new S3ArtifactStore(client, BUCKET, { root: dir }).read(pathToFileURL(join(dir, 'service.zip')).href);

        expect(Buffer.from(read).equals(Buffer.from(zip))).toBe(true);
      });

      describe('outside the root', () => {
        let outside: string;
        beforeEach(async () => {
          outside = await mkdtemp(join(tmpdir(), 'cmv-s3-outside-'));
          await writeFile(join(outside, 'secret.txt'), 'secret');
          await mkdir(join(dir, 'service'));
          await writeFile(join(dir, 'service', 'index.js'), 'exports.handler = 1;');
        });
        afterEach(async () => {
          await rm(outside, { recursive: true, force: true });
        });

        /** The ValidationError of reading `uri`, or fails the test. */
        const refusal = async (store: S3ArtifactStore, uri: string) => {
          const error = await store.read(uri).catch((err: unknown) => err);
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).errors[0].path).toBe('code.artifact');
          return (error as ValidationError).message;
        };

        it.each([
          ['a directory outside the root', () => pathToFileURL(outside).href],
          ['a file outside the root', () => pathToFileURL(join(outside, 'secret.txt')).href],
          ['a path that climbs out of the root', () => `${pathToFileURL(dir).href}/../${outside.split('/').pop()}`],
          ['the root of the file system', () => 'file:///'],
        ])('rejects %s with ValidationError on code.artifact naming the root', async (_what, uri) => {
          const message = await refusal(new S3ArtifactStore(client, BUCKET, { root: dir }), uri());

          expect(message).toMatch(/outside the source root/);
          expect(message).toContain(dir);
        });

        it('rejects a symlink under the root that points outside it, to a file or a directory', async () => {
          await symlink(join(outside, 'secret.txt'), join(dir, 'link.txt'));
          await symlink(outside, join(dir, 'link-dir'));
          const store = new S3ArtifactStore(client, BUCKET, { root: dir });

          expect(await refusal(store, pathToFileURL(join(dir, 'link.txt')).href)).toMatch(/outside the source root/);
          expect(await refusal(store, pathToFileURL(join(dir, 'link-dir')).href)).toMatch(/outside the source root/);
        });

        it('leaves out symlinks inside a directory it zips, so none leads outside the root', async () => {
          await symlink(join(outside, 'secret.txt'), join(dir, 'service', 'secret.txt'));
          await symlink(outside, join(dir, 'service', 'elsewhere'));

          const zip = await new S3ArtifactStore(client, BUCKET, { root: dir }).read(pathToFileURL(join(dir, 'service')).href);

          expect(Object.keys(unzipSource(zip))).toEqual(['index.js']);
        });

        it('rejects a path inside a denied directory, and a directory that contains one, even under the root', async () => {
          await mkdir(join(dir, 'data'));
          await writeFile(join(dir, 'data', 'link-secret'), 'secret');
          const store = new S3ArtifactStore(client, BUCKET, { root: dir, denied: [join(dir, 'data')] });

          expect(await refusal(store, pathToFileURL(join(dir, 'data', 'link-secret')).href)).toMatch(/data dir/);
          expect(await refusal(store, pathToFileURL(dir).href)).toMatch(/data dir/);
          expect(Object.keys(unzipSource(await store.read(pathToFileURL(join(dir, 'service')).href)))).toEqual(['index.js']);
        });

        it('rejects a path under the root that does not exist, and a file:// URI with a host', async () => {
          const store = new S3ArtifactStore(client, BUCKET, { root: dir });

          expect(await refusal(store, pathToFileURL(join(dir, 'missing.zip')).href)).toMatch(/does not exist/);
          expect(await refusal(store, 'file://example.org/etc/hostname')).toMatch(/not a local file/);
        });
      });
    });
  });
});
