import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ValidationError } from '../core/errors';
import type { ArtifactStore } from '../core/ports';

/**
 * Artifacts in an S3 bucket. `file://` URIs are read only when `allowFiles` is set (the local
 * runtime): a Lambda in AWS has no access to the proposer's disk.
 */
export class S3ArtifactStore implements ArtifactStore {
  constructor(
    private readonly s3: Pick<S3Client, 'send'>,
    private readonly bucket: string,
    private readonly allowFiles = false,
  ) {}

  async read(uri: string): Promise<Uint8Array> {
    if (uri.startsWith('file://')) {
      if (!this.allowFiles) throw ValidationError.field('code.artifact', 'file:// artifacts can only be read by the local runtime; upload to S3');
      return readFile(fileURLToPath(uri));
    }
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!match) throw ValidationError.field('code.artifact', `is not an s3://bucket/key URI: ${uri}`);
    const out = await this.s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
    if (!out.Body) throw new Error(`artifact ${uri} has no body`);
    return out.Body.transformToByteArray();
  }

  async write(key: string, bytes: Uint8Array, contentType: string): Promise<string> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType, ServerSideEncryption: 'aws:kms' }));
    return `s3://${this.bucket}/${key}`;
  }
}
