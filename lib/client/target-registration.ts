import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readSourceTree } from '../../lambdas/adapters/source-tree';
import { zipSource } from '../../lambdas/core/artifact';
import { TargetRegistration } from '../../lambdas/core/use-cases/register-target';

/** What a target.json holds for the stack alone (the function's handler and runtime, where its source is, the demo's traffic), not for POST /targets. */
const STACK_ONLY_FIELDS = ['source', 'handler', 'runtime', 'traffic'] as const;

/**
 * The body of POST /targets for a service's `target.json` (the file the stack deployed its function
 * from), with `artifact` the source it was deployed with; the directory of that source and the function's handler.
 * @param artifact - `s3://bucket/key` of the uploaded zip ({@link uploadSource}), or a `file://` URL (local runtime); or
 *   a function of the source directory that names it
 * @throws Error naming the file and each invalid field (zod's issues) when it is not a registration
 */
export async function readTargetRegistration(
  file: string,
  artifact: string | ((sourceDir: string) => string),
): Promise<{ registration: TargetRegistration; sourceDir: string; handler: string }> {
  const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  if (typeof json.source !== 'string' || json.source === '') throw new Error(`${file}: "source" must be the service's source directory`);
  const sourceDir = resolve(dirname(file), json.source);
  const fields = Object.fromEntries(Object.entries(json).filter(([k]) => !(STACK_ONLY_FIELDS as readonly string[]).includes(k)));
  const parsed = TargetRegistration.safeParse({ ...fields, artifact: typeof artifact === 'string' ? artifact : artifact(sourceDir) });
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return { registration: parsed.data, sourceDir, handler: String(json.handler ?? '') };
}

/**
 * Uploads a service's source as CMV zips it (the same files, bytes and order as the stack's first
 * version of the function, so registration finds the alias serving exactly this code) to the artifact
 * bucket, under `registrations/<target>/<sha256>.zip`.
 * @returns its `s3://` URI
 * @throws the S3 error (AccessDenied: the caller's AWS credentials may not put in the bucket)
 */
export async function uploadSource(s3: Pick<S3Client, 'send'>, bucket: string, target: string, sourceDir: string): Promise<string> {
  const zip = zipSource(await readSourceTree(sourceDir));
  const key = `registrations/${target}/${createHash('sha256').update(zip).digest('hex')}.zip`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: zip, ContentType: 'application/zip' }));
  return `s3://${bucket}/${key}`;
}
