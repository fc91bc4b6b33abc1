import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Change, ChangeStatus } from '../../lambdas/core/change';
import { AUDIT_READS_CHAIN, type ChainHead } from '../../lambdas/core/ledger';
import type { VersionRecord } from '../../lambdas/core/target';
import { CmvClient, type TargetView } from '../../lib/client/api-client';
import { readChangeFile } from '../../lib/client/change-file';
import { invokePacer } from '../../lib/client/invoke-pacer';
import { externalDynamo, type LocalDynamo, startDynamoDbLocal } from '../../lib/local/dynamodb';
import { type LocalRuntime, type LocalRuntimeOptions, ROOT, startLocalRuntime } from '../../lib/local/runtime';
import type { ExecutionRecord } from '../../lib/local/step-functions';
import { SHARED_DYNAMODB_ENV } from './shared-dynamodb';

/**
 * A policy whose one rule needs one approver and runs the unit suite after the deployment, so a
 * change reaches approval without a test build: for tests about what the ledger records, not testing.
 */
export const ONE_APPROVER_DEFERRED_TESTS_POLICY = {
  name: 'one approver, deferred tests',
  timeZone: 'UTC',
  rules: [
    {
      id: 'all',
      match: {},
      approvals: [{ name: 'Peer', roles: ['approver'], quorum: { count: 1 } }],
      tests: ['unit'],
      testsAfterDeploy: true,
      approvalTimeoutHours: 24,
    },
  ],
};

/** The bundled example. */
export const EXAMPLE = join(ROOT, 'examples', 'benefit-calculator');
export const TARGET = 'benefit-calculator';

/** A local stack for one test file: its own data dir, DynamoDB Local, API on a free port. */
export interface Stack {
  readonly runtime: LocalRuntime;
  /** A client acting as alice (requester); pass `as` for others. */
  readonly api: CmvClient;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/**
 * The suite's one DynamoDB Local (test/integration/global-setup.ts), with a namespace of its own
 * for `dataDir` (the same data dir finds its tables again after a restart); none when a test file
 * runs without the global setup: then the runtime starts its own.
 */
export function sharedDynamo(dataDir: string): { dynamoEndpoint?: string; dynamoNamespace?: string } {
  const endpoint = process.env[SHARED_DYNAMODB_ENV];
  if (!endpoint) return {};
  return { dynamoEndpoint: endpoint, dynamoNamespace: `it${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}` };
}

/** A DynamoDB Local for a test file: a fresh namespace on the suite's shared one, or its own instance. */
export async function testDynamo(): Promise<LocalDynamo> {
  const endpoint = process.env[SHARED_DYNAMODB_ENV];
  return endpoint ? externalDynamo(endpoint, `it${randomUUID().replaceAll('-', '')}`) : startDynamoDbLocal(null);
}

/**
 * Starts the whole local CMV for a test file.
 * @param speed - time factor for bakes, alarm periods and approval timeouts (60: a minute per second)
 */
export async function startStack(
  options: {
    speed?: number;
    dataDir?: string;
    inMemory?: boolean;
    /** A policy file; `'built-in'`: CMV's default policy. @default examples/policy-single-approver.yaml */
    policyFile?: string;
    usersFile?: string;
    targets?: string[];
    /** See {@link LocalRuntimeOptions.stackTargets}. */
    stackTargets?: string[];
    log?: (line: string) => void;
    sourceRoot?: string;
    /** The IAM check. @default enforce */
    iam?: LocalRuntimeOptions['iam'];
    /** How often the local runtime makes a digest (ms). @default the runtime's */
    digestEveryMs?: number;
    /** See {@link LocalRuntimeOptions.deployRoles}. */
    deployRoles?: LocalRuntimeOptions['deployRoles'];
  } = {},
): Promise<Stack> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'cmv-it-')));
  const runtime = await startLocalRuntime({
    dataDir,
    ...sharedDynamo(dataDir),
    port: 0,
    speed: options.speed ?? 60,
    inMemory: options.inMemory ?? true,
    // A test that names no policy runs under the single-approver one (one approver per group): a test says who approves only where approving is what it tests.
    policyFile: options.policyFile === 'built-in' ? undefined : (options.policyFile ?? join(ROOT, 'examples', 'policy-single-approver.yaml')),
    usersFile: options.usersFile,
    targets: options.targets,
    stackTargets: options.stackTargets,
    log: options.log,
    sourceRoot: options.sourceRoot,
    iam: options.iam ?? { mode: 'enforce' },
    digestEveryMs: options.digestEveryMs,
    deployRoles: options.deployRoles,
  });
  return {
    runtime,
    api: new CmvClient(runtime.url, { user: 'alice' }),
    dataDir,
    stop: async () => {
      await runtime.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}

/** A bundled change request, with overrides (e.g. another version). */
export async function exampleChange(file: string, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return { ...(await readChangeFile(join(EXAMPLE, 'changes', file))), ...overrides };
}

/**
 * Reads `read()` until `done` holds for its value, every 50 ms at first and then less often (doubling
 * up to 250 ms): a wait costs an API request and a DynamoDB read per poll, and most waits last seconds
 * (a bake, a test build), so a steady 50 ms made more requests than the workflow itself.
 * @returns the first value `done` holds for
 * @throws Error with `describe(last value)` when `timeoutMs` passes first
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, describe: (last: T) => string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 50; ; pause = Math.min(250, pause * 2)) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${describe(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pause));
  }
}

/**
 * Polls a change until `ok` holds for it.
 * @throws Error with its last status and weight when `timeoutMs` passes first
 */
export function waitForChange(api: CmvClient, changeId: string, ok: (change: Change) => boolean, timeoutMs = 90_000): Promise<Change> {
  return pollUntil(
    () => api.change(changeId),
    ok,
    (c) => `change ${changeId}: condition not met, it is ${c.status} at ${c.deployment?.currentWeight}%`,
    timeoutMs,
  );
}

/**
 * Polls a change until its status is one of `statuses`.
 * @throws Error with the last status when `timeoutMs` passes first
 */
export function waitForStatus(api: CmvClient, changeId: string, statuses: readonly ChangeStatus[], timeoutMs = 90_000): Promise<Change> {
  return pollUntil(
    () => api.change(changeId),
    (c) => statuses.includes(c.status),
    (c) => `change ${changeId} is ${c.status}, expected ${statuses.join('|')},`,
    timeoutMs,
  );
}

/**
 * Polls a target until its alias routes as `routing` (% per function version) and answers it: a
 * rollback records the change first and moves the alias after (intent first), so right after the
 * status flips the alias may not have moved yet.
 * @throws Error with the last routing when `timeoutMs` passes first
 */
export function aliasRoutes(api: CmvClient, target: string, routing: Record<string, number>, timeoutMs = 30_000): Promise<TargetView> {
  return pollUntil(
    () => api.target(target),
    (view) => isDeepStrictEqual(view.alias.routingPercent, routing),
    (view) => `alias of ${target} routes ${JSON.stringify(view.alias.routingPercent)}, expected ${JSON.stringify(routing)},`,
    timeoutMs,
  );
}

/**
 * A version of `target` as the stack's store holds it.
 * @throws Error when there is no such version
 */
export async function storedVersion(stack: Stack, version: string, target = TARGET): Promise<VersionRecord> {
  const record = await stack.runtime.services.store.getVersion(target, version);
  if (!record) throw new Error(`no version ${version} of ${target}`);
  return record;
}

/** The approval link e-mailed to `email` for a change (waits for the e-mail). */
export async function approvalLink(stack: Stack, changeId: string, email: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mail = stack.runtime.sns.messages.find((m) => m.to === email && m.text.includes(changeId));
    const link = mail?.text.match(/https?:\/\/\S+\/approvals\/\S+/)?.[0];
    if (link) return link;
    if (Date.now() > deadline) throw new Error(`no approval e-mail to ${email} for ${changeId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the change awaits approval, then bob approves it through the link e-mailed to him (POST, as the page's form does). */
export async function approveByBob(stack: Stack, changeId: string): Promise<void> {
  await waitForStatus(stack.api, changeId, ['awaiting_approval']);
  const link = await approvalLink(stack, changeId, 'bob@example.org');
  await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=ok' });
}

/**
 * Sends the example's claims to the target's alias over HTTP until `done` settles, as live callers
 * would: three loops as alice, together paced under the invoke route's per-caller throttle.
 * @returns counts by executed version
 */
export async function trafficUntil(api: CmvClient, done: Promise<unknown>): Promise<Record<string, { requests: number; errors: number }>> {
  const claims = JSON.parse(await readFile(join(EXAMPLE, 'traffic', 'claims.json'), 'utf8')) as unknown[];
  const seen: Record<string, { requests: number; errors: number }> = {};
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  let n = 0;
  const pacer = invokePacer();
  const loop = async () => {
    while (!finished) {
      await pacer.removeTokens(1);
      if (finished) return;
      const out = await api.invoke(TARGET, claims[n++ % claims.length]);
      seen[out.executedVersion] ??= { requests: 0, errors: 0 };
      seen[out.executedVersion].requests++;
      if (!out.ok) seen[out.executedVersion].errors++;
    }
  };
  await Promise.all([loop(), loop(), loop()]);
  return seen;
}

/**
 * Waits until the change's workflow execution ended (the change's final status is recorded a few
 * steps before its execution ends: e.g. RetireVersions runs after promotion).
 * @returns the execution's record
 */
export async function executionEnded(stack: Stack, changeId: string, timeoutMs = 90_000): Promise<ExecutionRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = stack.runtime.sfn.execution(changeId);
    if (execution && execution.status !== 'RUNNING') return execution;
    if (Date.now() > deadline) throw new Error(`the execution of ${changeId} is ${execution?.status ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The chain heads but `audit-reads`: what a request that writes nothing leaves as it was (every
 * GET /audit/verify a test makes to compare heads records itself on audit-reads).
 */
export const headsBesideReads = (heads: readonly ChainHead[] | undefined): ChainHead[] => (heads ?? []).filter((h) => h.chain !== AUDIT_READS_CHAIN);
