import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { RolePolicies } from './role-policies';

/** Files whose change may change a role policy: the stack and its constructs import from lib/ and lambdas/; the lock file pins aws-cdk-lib. */
async function inputs(root: string): Promise<string[]> {
  const sources = async (dir: string) =>
    (await readdir(join(root, dir), { recursive: true }))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(dir, f))
      .sort();
  return [...(await sources('lib')), ...(await sources('lambdas')), 'package-lock.json'];
}

/**
 * Where the role policies of a stack with these targets are cached: `node_modules/.cache/cmv-iam/<hash>.json`,
 * the hash over the sources that build the stack and the target files (paths and contents).
 */
export async function rolePoliciesFile(root: string, targetFiles: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await inputs(root))
    hash
      .update(file)
      .update('\0')
      .update(await readFile(join(root, file)))
      .update('\0');
  for (const file of targetFiles)
    hash
      .update(resolve(root, file))
      .update('\0')
      .update(await readFile(resolve(root, file)))
      .update('\0');
  return join(root, 'node_modules', '.cache', 'cmv-iam', `${hash.digest('hex').slice(0, 32)}.json`);
}

/**
 * The role policies of CMV's stack synthesized with `targetFiles`, from the cache when the sources did
 * not change since, else synthesized now (a few seconds: `synth-role-policies.ts` in a child process,
 * so that the runtime never loads aws-cdk-lib) and cached.
 * @param root - the repository root (its lib/, lambdas/ and node_modules/)
 * @param file - a policies file to read instead (CMV_IAM_POLICIES: a runtime compiled elsewhere, as the crash tests run it)
 * @throws Error when the synthesis fails, or `file` was synthesized with other targets
 */
export async function loadRolePolicies(root: string, targetFiles: readonly string[], file?: string): Promise<RolePolicies> {
  if (file) {
    const policies = JSON.parse(await readFile(file, 'utf8')) as RolePolicies;
    // Real paths: a compiled runtime reaches the same target files through a link.
    const same = async (files: readonly string[]) => JSON.stringify((await Promise.all(files.map((f) => realpath(resolve(root, f))))).sort());
    const [want, got] = await Promise.all([same(targetFiles), same(policies.targetFiles)]);
    if (want !== got) throw new Error(`${file} holds the policies of a stack with the targets ${got}, not ${want}`);
    return policies;
  }
  const cached = await rolePoliciesFile(root, targetFiles);
  try {
    return JSON.parse(await readFile(cached, 'utf8')) as RolePolicies;
  } catch {
    await mkdir(join(cached, '..'), { recursive: true });
    const partial = `${cached}.${process.pid}.tmp`;
    await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(root, 'lib', 'local', 'iam', 'synth-role-policies.ts'), partial, ...targetFiles.map((f) => resolve(root, f))],
      // Without the CDK's CloudFormation validation (seconds of WebAssembly): the policies are the same; `cdk synth` validates.
      { cwd: root, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, CDK_VALIDATION: 'false' } },
    );
    // Whole or not at all: a parallel test file may be reading it.
    await rename(partial, cached);
    return JSON.parse(await readFile(cached, 'utf8')) as RolePolicies;
  }
}
