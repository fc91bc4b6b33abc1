import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isSourcePath, type SourceFiles, zipSource } from '../core/artifact';
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
      const path = fileURLToPath(uri);
      return (await stat(path)).isDirectory() ? zipSource(await readTree(path)) : readFile(path);
    }
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!match) throw ValidationError.field('code.artifact', `is not an s3://bucket/key URI: ${uri}`);
    const out = await this.s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
    if (!out.Body) throw new Error(`artifact ${uri} has no body`);
    return out.Body.transformToByteArray();
  }

  uriFor(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async write(key: string, bytes: Uint8Array, contentType: string): Promise<string> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType, ServerSideEncryption: 'aws:kms' }));
    return `s3://${this.bucket}/${key}`;
  }
}

/** Reads a source directory (a `file://` artifact that is not a zip), skipping node_modules and dot-files. */
async function readTree(root: string): Promise<SourceFiles> {
  const files: SourceFiles = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(root, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (!isSourcePath(path)) continue;
    files[path] = await readFile(join(root, path));
  }
  return files;
}
