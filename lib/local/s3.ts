import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import {
  DeleteObjectCommand,
  type DeleteObjectCommandInput,
  GetObjectCommand,
  type GetObjectCommandInput,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import type { AwsClient, AwsCommand, AwsOutput } from '../../lambdas/adapters/aws-client';
import { CommandTable } from './command-table';
import { writeStoreFile } from './store-file';

/** Options of the {@link LocalS3}. */
export interface LocalS3Options {
  /**
   * Buckets that stand in for an S3 Object Lock bucket whose policy allows only new objects
   * (`If-None-Match: *`): a put without it is AccessDenied, as is any delete.
   * @default none
   */
  readonly appendOnlyBuckets?: readonly string[];
  /**
   * Buckets with versioning enabled: each PutObject answers the new object's `VersionId` and keeps
   * that version, which a GetObject with `VersionId` reads (NoSuchVersion when there is none).
   * @default none
   */
  readonly versionedBuckets?: readonly string[];
}

/** The file beside an object's versions naming its current one. */
const CURRENT = '.current';

const s3Error = (name: string, message: string, httpStatusCode: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

/**
 * Local stand-in for S3 (GetObject, PutObject, ListObjectsV2): objects are files under
 * `<dataDir>/s3/<bucket>/<key>`. A missing object fails like S3, with a `NoSuchKey` error. A
 * PutObject replaces the file atomically (temp file + rename): a GetObject meanwhile, or after a
 * crash, reads one whole version, as in S3. A PutObject with `If-None-Match: *` creates the key only
 * if it does not exist, atomically (a hard link of the whole temp file), else fails as S3 does: 412
 * `PreconditionFailed`. An append-only bucket refuses other puts and every delete (AccessDenied).
 * A versioned bucket answers each put's `VersionId` and reads a named version (GetObject `VersionId`).
 */
export class LocalS3 implements AwsClient {
  private readonly appendOnly: ReadonlySet<string>;
  private readonly versioned: ReadonlySet<string>;

  constructor(
    private readonly root: string,
    options: LocalS3Options = {},
  ) {
    this.appendOnly = new Set(options.appendOnlyBuckets ?? []);
    this.versioned = new Set(options.versionedBuckets ?? []);
  }

  private static readonly commands = new CommandTable<LocalS3>('LocalS3')
    .on(PutObjectCommand, (s3, c) => s3.put(c.input))
    .on(GetObjectCommand, (s3, c) => s3.get(c.input))
    .on(ListObjectsV2Command, (s3, c) => s3.list(c.input))
    .on(DeleteObjectCommand, (s3, c) => s3.delete(c.input));

  /** Answers PutObject, GetObject, ListObjectsV2 and DeleteObject; refuses any other command. */
  async send<Input extends object, Output extends AwsOutput>(command: AwsCommand<Input, Output>): Promise<Output> {
    return LocalS3.commands.dispatch(this, command);
  }

  private async put(input: PutObjectCommandInput): Promise<unknown> {
    const { Bucket = '', Key, Body, IfNoneMatch } = input;
    const bytes = typeof Body === 'string' ? Buffer.from(Body) : (Body as Uint8Array);
    if (IfNoneMatch === '*') {
      await this.create(this.path(Bucket, Key), bytes);
      return { ETag: '"local"', ...(await this.keepVersion(Bucket, Key, bytes)) };
    }
    if (this.appendOnly.has(Bucket)) throw s3Error('AccessDenied', `Access Denied: objects of ${Bucket} are only created, with If-None-Match: *`, 403);
    await writeStoreFile(this.path(Bucket, Key), bytes);
    return { ETag: '"local"', ...(await this.keepVersion(Bucket, Key, bytes)) };
  }

  /** In a versioned bucket: keeps the object's new version under a new id (S3's are 32 URL-safe characters) and answers it. */
  private async keepVersion(bucket: string, key: string | undefined, bytes: Uint8Array): Promise<{ VersionId?: string }> {
    if (!this.versioned.has(bucket)) return {};
    const VersionId = randomBytes(24).toString('base64url');
    await writeStoreFile(this.versionPath(bucket, key, VersionId), bytes);
    await writeStoreFile(this.versionPath(bucket, key, CURRENT), VersionId);
    return { VersionId };
  }

  /** The version id GetObject answers for the current object: S3's `null` for one stored before versioning (or outside a versioned bucket, none). */
  private async currentVersion(bucket: string, key: string | undefined): Promise<string | undefined> {
    if (!this.versioned.has(bucket)) return undefined;
    return readFile(this.versionPath(bucket, key, CURRENT), 'utf8').catch(() => 'null');
  }

  private async get(input: GetObjectCommandInput): Promise<unknown> {
    const { Bucket = '', Key, VersionId } = input;
    if (VersionId !== undefined && (!this.versioned.has(Bucket) || !/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,1023}$/.test(VersionId)))
      throw s3Error('InvalidArgument', 'Invalid version id specified', 400);
    // The version `null` is the object stored before the bucket was versioned.
    const named = VersionId !== undefined && !(VersionId === 'null' && (await this.currentVersion(Bucket, Key)) === 'null');
    let bytes: Uint8Array;
    try {
      bytes = await readFile(named ? this.versionPath(Bucket, Key, VersionId) : this.path(Bucket, Key));
    } catch {
      if (VersionId) throw s3Error('NoSuchVersion', 'The specified version does not exist.', 404);
      throw Object.assign(new Error(`The specified key does not exist: ${Key}`), { name: 'NoSuchKey' });
    }
    const version = VersionId ?? (await this.currentVersion(Bucket, Key));
    return {
      ...(version ? { VersionId: version } : {}),
      Body: { transformToByteArray: async () => bytes, transformToString: async () => Buffer.from(bytes).toString('utf8') },
    };
  }

  private async delete(input: DeleteObjectCommandInput): Promise<unknown> {
    if (this.appendOnly.has(input.Bucket ?? '')) throw s3Error('AccessDenied', `Access Denied: objects of ${input.Bucket} are never deleted`, 403);
    await unlink(this.path(input.Bucket, input.Key)).catch(() => {});
    return {};
  }

  /** Writes a new object whole, or fails with PreconditionFailed when the key exists (also against a concurrent creator). */
  private async create(path: string, bytes: Uint8Array): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, bytes, { flush: true });
    try {
      await link(temp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
      throw err;
    } finally {
      await unlink(temp).catch(() => {});
    }
  }

  /** ListObjectsV2: keys in byte order, after StartAfter and the continuation token, under Prefix, MaxKeys (≤ 1000) per page. */
  private async list(input: ListObjectsV2Command['input']) {
    const bucketDir = this.path(input.Bucket, '');
    const prefix = input.Prefix ?? '';
    const after = [input.StartAfter ?? '', input.ContinuationToken ? Buffer.from(input.ContinuationToken, 'base64url').toString('utf8') : ''].reduce((a, b) =>
      a > b ? a : b,
    );
    const keys = (await files(bucketDir))
      .map((f) => relative(bucketDir, f).split(sep).join('/'))
      .filter((k) => k.startsWith(prefix) && k > after && !/\.[0-9a-f]{12}\.tmp$/.test(k))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const max = Math.min(input.MaxKeys ?? 1000, 1000);
    const page = keys.slice(0, max);
    const truncated = keys.length > max;
    return {
      Contents: page.length ? page.map((Key) => ({ Key })) : undefined,
      KeyCount: page.length,
      IsTruncated: truncated,
      ...(truncated ? { NextContinuationToken: Buffer.from(page[page.length - 1]).toString('base64url') } : {}),
    };
  }

  /** Where a version of an object is kept: beside the buckets, so that no listing shows it. */
  private versionPath(bucket: string, key = '', versionId = ''): string {
    this.path(bucket, key);
    return join(this.root, '.versions', bucket, key, versionId);
  }

  private path(bucket = '', key = ''): string {
    if (key.includes('..')) throw Object.assign(new Error('invalid key'), { name: 'InvalidArgument' });
    return join(this.root, bucket, key);
  }
}

/** Every file under `dir` (none when it does not exist). */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
