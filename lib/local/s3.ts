import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { writeStoreFile } from './store-file';

/**
 * Local stand-in for S3 (GetObject, PutObject): objects are files under `<dataDir>/s3/<bucket>/<key>`.
 * A missing object fails like S3, with a `NoSuchKey` error. A PutObject replaces the file atomically
 * (temp file + rename): a GetObject meanwhile, or after a crash, reads one whole version, as in S3.
 */
export class LocalS3 {
  constructor(private readonly root: string) {}

  async send(command: unknown): Promise<unknown> {
    if (command instanceof PutObjectCommand) {
      const { Bucket, Key, Body } = command.input;
      await writeStoreFile(this.path(Bucket, Key), Body as Uint8Array);
      return { ETag: '"local"' };
    }
    if (command instanceof GetObjectCommand) {
      const { Bucket, Key } = command.input;
      let bytes: Uint8Array;
      try {
        bytes = await readFile(this.path(Bucket, Key));
      } catch {
        throw Object.assign(new Error(`The specified key does not exist: ${Key}`), { name: 'NoSuchKey' });
      }
      return { Body: { transformToByteArray: async () => bytes, transformToString: async () => Buffer.from(bytes).toString('utf8') } };
    }
    throw new Error(`LocalS3 does not support ${(command as object).constructor.name}`);
  }

  private path(bucket = '', key = ''): string {
    if (key.includes('..')) throw Object.assign(new Error('invalid key'), { name: 'InvalidArgument' });
    return join(this.root, bucket, key);
  }
}
