import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { zipSource } from '../core/artifact';
import { NotFoundError, ValidationError } from '../core/errors';
import type { ArtifactStore } from '../core/ports';
import type { AwsClient } from './aws-client';
import { readSourceTree } from './source-tree';

/** Where the local runtime may read `file://` artifacts from. */
export interface LocalFileAccess {
  /** Only files and directories under this one are read, after resolving symlinks. */
  readonly root: string;
  /** Directories never read, nor any directory containing one (the runtime's data dir: it holds the link secret). */
  readonly denied?: readonly string[];
}

/**
 * Artifacts in an S3 bucket. `file://` URIs are read only with `localFiles` (the local runtime), and
 * only under its root: a Lambda in AWS has no access to the proposer's disk, and a local caller may
 * not read the host's files through a change request.
 */
export class S3ArtifactStore implements ArtifactStore {
  constructor(
    private readonly s3: AwsClient,
    private readonly bucket: string,
    private readonly localFiles?: LocalFileAccess,
  ) {}

  /**
   * @throws ValidationError (field `code.artifact`) for a malformed URI, a `file://` URI without
   *   `localFiles`, outside its root (symlinks resolved), in or around a denied directory, or missing
   * @throws NotFoundError for an s3:// object S3 does not have (NoSuchKey); any other S3 error as it is
   */
  async read(uri: string): Promise<Uint8Array> {
    return (await this.readVersioned(uri)).bytes;
  }

  /** Reads an artifact with the S3 object version read (none for a `file://` artifact, or a bucket without versioning). */
  async readVersioned(uri: string): Promise<{ bytes: Uint8Array; versionId?: string }> {
    if (uri.startsWith('file://')) {
      const path = await this.localPath(uri);
      return { bytes: (await stat(path)).isDirectory() ? zipSource(await readSourceTree(path)) : await readFile(path) };
    }
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!match) throw ValidationError.field('code.artifact', `is not an s3://bucket/key URI: ${uri}`);
    const out = await this.s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] })).catch((err: Error) => {
      if (err.name === 'NoSuchKey') throw new NotFoundError(`artifact ${uri} does not exist`, { cause: err });
      throw err;
    });
    if (!out.Body) throw new Error(`artifact ${uri} has no body`);
    const bytes = await out.Body.transformToByteArray();
    return out.VersionId && out.VersionId !== 'null' ? { bytes, versionId: out.VersionId } : { bytes };
  }

  uriFor(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async write(key: string, bytes: Uint8Array, contentType: string): Promise<string> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType, ServerSideEncryption: 'aws:kms' }));
    return `s3://${this.bucket}/${key}`;
  }

  /** The real path a `file://` URI may be read at. The lexical check comes first, so nothing tells whether a path outside the root exists. */
  private async localPath(uri: string): Promise<string> {
    const refuse = (reason: string) => ValidationError.field('code.artifact', `${uri} ${reason}`);
    if (!this.localFiles) throw ValidationError.field('code.artifact', 'file:// artifacts can only be read by the local runtime; upload to S3');
    let path: string;
    try {
      path = resolve(fileURLToPath(uri));
    } catch (err) {
      throw refuse(`is not a local file (${(err as Error).message})`);
    }
    const root = resolve(this.localFiles.root);
    const realRoot = await realpath(root).catch(() => root);
    const outside = refuse(`is outside the source root ${root}; only files under it can be read`);
    if (!isWithin(path, root) && !isWithin(path, realRoot)) throw outside;
    const real = await realpath(path).catch(() => {
      throw refuse('does not exist');
    });
    if (!isWithin(real, realRoot)) throw outside;
    for (const denied of this.localFiles.denied ?? []) {
      const realDenied = await realpath(denied).catch(() => resolve(denied));
      if (isWithin(real, realDenied) || isWithin(realDenied, real)) throw refuse("is or contains the local runtime's data dir, which is never read");
    }
    return real;
  }
}

/** Whether `path` is `dir` or under it (both absolute and resolved). */
function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
