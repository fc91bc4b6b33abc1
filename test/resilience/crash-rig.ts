import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { LedgerEntry } from '../../lambdas/core/ledger';
import { routesAs } from '../../lambdas/core/target';
import { ApiError, CmvClient, type TargetView } from '../../lib/client/api-client';
import type { LocalDynamo } from '../../lib/local/dynamodb';
import { loadRolePolicies, rolePoliciesFile } from '../../lib/local/iam/policy-cache';
import { ROOT } from '../../lib/local/runtime';
import { testDynamo } from '../integration/local-stack';

/**
 * The crash tests' rig: the local runtime as a child process (`npm start`'s lib/local/main.ts) on one
 * data dir, killed at named crash points (`CMV_CRASH_AT`, lib/local/faults.ts) and started again on
 * the same data. DynamoDB Local — the suite's one (global-setup.ts), in a namespace of the file's own —
 * runs beside it and outlives every crash, as DynamoDB outlives a Lambda in AWS (and it saves the
 * JVM's start, seconds, at every restart and for every file).
 * The sources are compiled once per file with esbuild — the transform tsx makes at every start —
 * and each run is plain Node on the output: half the CPU of a start under tsx.
 */

export const TARGET = 'benefit-calculator';
/** How long a start may take: loading the modules, the start-up reconciliation (a loaded 2-core box). */
const START_TIMEOUT_MS = 60_000;
/** Every child still running, killed in {@link killAll} (afterAll, and at exit). */
const live = new Set<RuntimeChild>();

/** How a child process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One run of the local runtime in a child process, in a process group of its own. */
export class RuntimeChild {
  private out = '';
  private err = '';
  /** Resolves when the process exited (by itself, a crash point, or {@link kill}). */
  readonly exited: Promise<Exit>;
  private ended?: Exit;

  private constructor(
    private readonly child: ChildProcess,
    readonly crashAt: string | undefined,
  ) {
    child.stdout?.on('data', (d: Buffer) => {
      this.out = (this.out + d.toString()).slice(-200_000);
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.err = (this.err + d.toString()).slice(-200_000);
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.ended = { code, signal };
        resolve(this.ended);
      }),
    );
  }

  /**
   * Starts `npm start` (lib/local/main.ts, compiled) on the rig's data (PORT 0, CMV_SPEED 60) with `crashAt` armed.
   * @returns the child, once it printed its banner (the start-up reconciliation has run) or exited
   */
  static async start(rig: Rig, crashAt?: string): Promise<RuntimeChild> {
    // Node itself, not a wrapper such as the tsx CLI, which runs the program in a child of its own and reports its SIGKILL as exit code 137.
    const child = spawn(process.execPath, [join(rig.build, 'lib', 'local', 'main.js')], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        CMV_DATA_DIR: rig.dataDir,
        CMV_SOURCE_ROOT: join(ROOT, 'examples'),
        CMV_DYNAMODB_ENDPOINT: rig.dynamo.endpoint,
        CMV_DYNAMODB_NAMESPACE: rig.dynamo.config.credentials.accessKeyId,
        PORT: '0',
        CMV_SPEED: '60',
        CMV_CRASH_AT: crashAt ?? '',
        CMV_POLICY_FILE: join(ROOT, 'examples', 'policy-single-approver.yaml'),
        // The compiled runtime cannot synthesize the stack (its sources are compiled); the rig did.
        CMV_IAM_POLICIES: rig.iamPolicies,
      },
    });
    const run = new RuntimeChild(child, crashAt);
    live.add(run);
    void run.exited.then(() => live.delete(run));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!run.ended && !run.url) {
      if (Date.now() > deadline) {
        await run.kill();
        throw new Error(`the runtime did not start within ${START_TIMEOUT_MS} ms${run.describe()}`);
      }
      await Promise.race([run.exited, sleep(25)]);
    }
    return run;
  }

  /** The API's URL, once the banner is printed. */
  get url(): string | undefined {
    return /Press Ctrl\+C/.test(this.out) ? /API\s+(http:\/\/\S+)/.exec(this.out)?.[1] : undefined;
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  /** The crash point the process reported before it killed itself, e.g. `commit:TrafficShifted#1`. */
  get reachedPoint(): string | undefined {
    return /CMV crash point reached: (\S+)/.exec(this.err)?.[1];
  }

  /** Its output, for a failure message. */
  describe(): string {
    return `\n--- stdout (end) ---\n${this.out.slice(-4000)}\n--- stderr (end) ---\n${this.err.slice(-4000)}`;
  }

  /** Kills the whole process group (the runtime and whatever it started: test builds, DynamoDB Local of a run without the rig's) and waits for the exit. */
  async kill(): Promise<Exit> {
    killGroup(this.child.pid);
    return this.exited;
  }

  /** After the process died: kills what it left behind in its group. */
  reap(): void {
    killGroup(this.child.pid);
  }
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Kills every runtime child still running (afterAll, also after a failure). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.kill()));
}
process.once('exit', () => {
  for (const c of live) c.reap();
});

/** One data dir, one DynamoDB Local and one compiled runtime, shared by the runs of a test file. */
export interface Rig {
  readonly dataDir: string;
  readonly dynamo: LocalDynamo;
  /** The compiled sources: `<build>/lib/local/main.js` is `npm start`. */
  readonly build: string;
  /** The role policies of the stack with the example target, for the IAM check of every run (CMV_IAM_POLICIES). */
  readonly iamPolicies: string;
  dispose(): Promise<void>;
}

export async function startRig(): Promise<Rig> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cmv-crash-'));
  const [dynamo, build, iamPolicies] = await Promise.allSettled([testDynamo(), compileRuntime(), exampleRolePolicies()]);
  if (dynamo.status === 'rejected' || build.status === 'rejected' || iamPolicies.status === 'rejected') {
    if (dynamo.status === 'fulfilled') await dynamo.value.stop();
    if (build.status === 'fulfilled') await rm(build.value, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
    throw ([dynamo, build, iamPolicies].find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
  }
  return startedRig(dataDir, dynamo.value, build.value, iamPolicies.value);
}

/** The cached role policies of the stack with the runtime's default target (synthesized if the sources changed). */
async function exampleRolePolicies(): Promise<string> {
  const targets = [join(ROOT, 'examples', 'benefit-calculator', 'target.json')];
  await loadRolePolicies(ROOT, targets);
  return rolePoliciesFile(ROOT, targets);
}

function startedRig(dataDir: string, dynamo: LocalDynamo, build: string, iamPolicies: string): Rig {
  return {
    dataDir,
    dynamo,
    build,
    iamPolicies,
    dispose: async () => {
      await killAll();
      await dynamo.stop();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      await rm(build, { recursive: true, force: true });
    },
  };
}

/**
 * Compiles lambdas/ and lib/ file by file (CommonJS, as tsx would) into a fresh folder under
 * node_modules/.cache — so that the compiled files resolve the repository's node_modules — with
 * examples/ and statemachines/ linked beside them, where the runtime looks for them (its ROOT).
 * @returns the folder
 */
async function compileRuntime(): Promise<string> {
  await mkdir(join(ROOT, 'node_modules', '.cache'), { recursive: true });
  const out = await mkdtemp(join(ROOT, 'node_modules', '.cache', 'cmv-crash-'));
  const sources = async (dir: string): Promise<string[]> =>
    (await readdir(join(ROOT, dir), { recursive: true })).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => join(ROOT, dir, f));
  await build({
    entryPoints: [...(await sources('lambdas')), ...(await sources('lib'))],
    outdir: out,
    outbase: ROOT,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  for (const dir of ['examples', 'statemachines']) await symlink(join(ROOT, dir), join(out, dir));
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` against a child that may die at its crash point meanwhile: a request that fails
 * because the child died resolves to undefined; any other failure (a wrong answer) is thrown.
 */
export async function whileAlive<T>(run: RuntimeChild, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) throw err;
    // A connection refused or reset, or a 500 from a request cut by the kill: only once the child is gone.
    await Promise.race([run.exited, sleep(2000)]);
    if (!run.alive) return undefined;
    throw err;
  }
}

/** Every ledger entry of a change, oldest first (GET /audit as erin, all pages). */
export async function ledgerOf(api: CmvClient, changeId: string): Promise<LedgerEntry[]> {
  const items: LedgerEntry[] = [];
  let nextToken: string | undefined;
  do {
    const page = await api.audit({ changeId, limit: '500', ...(nextToken ? { nextToken } : {}) }, 'erin');
    items.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return items.sort((a, b) => a.seq - b.seq);
}

/**
 * Ledger entries that must appear at most once per change, keyed by type and what distinguishes
 * legitimate repeats (the canary's weight, the smoke tests' phase). A final entry (deployed, rolled
 * back, failed…) counts once whatever its type.
 */
export function duplicates(entries: readonly LedgerEntry[]): string[] {
  const FINAL = new Set(['ChangeDeployed', 'ChangeRolledBack', 'ChangeFailed', 'ChangeRejected', 'ApprovalExpired', 'TestsFailed']);
  const counts = new Map<string, number[]>();
  for (const e of entries) {
    const d = e.details as { weight?: number; phase?: string; approver?: string };
    const key = FINAL.has(e.type)
      ? 'final outcome'
      : e.type === 'TrafficShifted' || e.type === 'CanaryStepChecked'
        ? `${e.type} at ${d.weight}%`
        : e.type.startsWith('SmokeTests')
          ? `SmokeTests ${d.phase}`
          : e.type === 'ApprovalRecorded'
            ? `${e.type} by ${e.actor}`
            : e.type;
    counts.set(key, [...(counts.get(key) ?? []), e.seq]);
  }
  return [...counts].filter(([, seqs]) => seqs.length > 1).map(([key, seqs]) => `${key} (seq ${seqs.join(', ')})`);
}

/** Whether the target's alias, as Lambda reports it, routes as its record says (or CodeDeploy holds it). */
export function aliasMatchesRecord(t: TargetView): boolean {
  if (t.shiftedByCodeDeploy) return true;
  return routesAs(t.alias, t.route ?? { functionVersion: t.liveFunctionVersion });
}

/** What the invariant checks of one run saw: whether they ran to the end before the child died at its point. */
export type InvariantCheck = 'checked' | 'cut by the crash';

/**
 * The invariants that hold at any time, checked right after a start (the start-up reconciliation
 * has run): the alias routes as the record says — read again while a resumed workflow may be moving
 * it between the record and the alias, until they agree (within `settleMs`) —, the ledger verifies,
 * and no entry of the change is duplicated.
 * @returns 'cut by the crash' when the child reached its point first (the next start checks again)
 */
export async function checkInvariants(run: RuntimeChild, changeId: string | undefined, settleMs = 15_000): Promise<InvariantCheck> {
  const url = run.url;
  if (!url) return 'cut by the crash';
  const api = new CmvClient(url, { user: 'alice' });
  const deadline = Date.now() + settleMs;
  for (;;) {
    const t = await whileAlive(run, () => api.target(TARGET));
    if (!t) return 'cut by the crash';
    if (aliasMatchesRecord(t)) break;
    if (Date.now() > deadline) {
      throw new Error(
        `the alias of ${TARGET} routes ${JSON.stringify(t.alias.routingPercent)}, its record says ${JSON.stringify(t.route)} (${settleMs} ms after the start of the run armed with ${run.crashAt ?? 'no crash point'})`,
      );
    }
    await sleep(50);
  }
  const verified = await whileAlive(run, () => api.verify('erin'));
  if (!verified) return 'cut by the crash';
  if (!verified.valid) throw new Error(`the ledger does not verify after the run armed with ${run.crashAt ?? 'no crash point'}: ${JSON.stringify(verified)}`);
  if (changeId) {
    const entries = await whileAlive(run, () => ledgerOf(api, changeId));
    if (!entries) return 'cut by the crash';
    const dup = duplicates(entries);
    if (dup.length)
      throw new Error(`duplicated ledger entries of change ${changeId} after the run armed with ${run.crashAt ?? 'no crash point'}: ${dup.join('; ')}`);
  }
  return 'checked';
}

/** Something that drives the system from outside while a run is up, until its part is over. */
export interface Driver {
  /** The change whose ledger the invariant checks read, once known. */
  readonly changeId?: string;
  /** @returns true when there is nothing more to do (the change's life, or the action, is over) */
  step(run: RuntimeChild, api: CmvClient): Promise<boolean>;
  restarted?(): void;
}

/** What a chain did: one entry per run. */
export interface ChainRun {
  readonly crashAt?: string;
  /** From spawning the process to its banner (or its death, when it died starting). */
  readonly startMs: number;
  readonly invariants: InvariantCheck;
  readonly ms: number;
}

/** One line on a chain's runs: how many, how many checked their invariants after the start, and their times (start + the rest, in ms). */
export function summary(runs: readonly ChainRun[]): string {
  const checked = runs.filter((r) => r.invariants === 'checked').length;
  const total = runs.reduce((n, r) => n + r.ms, 0);
  return `${runs.length} runs in ${total} ms, ${checked} with the invariants checked after the start; per run (start+rest): ${runs.map((r) => `${r.startMs}+${r.ms - r.startMs}`).join(' ')}`;
}

/** `commit:TrafficShifted` → `commit:TrafficShifted#1`, as the runtime reports a point. */
const withOccurrence = (point: string) => (point.includes('#') ? point : `${point}#1`);

/**
 * Runs a chain of crash points along one life: one child run per point, each started on the data the
 * previous one left, driven by `driver` until it dies at its point — which must be reached (a run
 * whose driver is done while it still lives fails, naming the point) — and, after each start, the
 * invariants checked. Then a last run without a point, driven until the driver is done; it is
 * returned running, for the caller's final assertions.
 * @throws Error naming the point and the run's output when a point is not reached, the child dies
 *   otherwise, or a run makes no progress within `runTimeoutMs`
 */
export async function runChain(
  rig: Rig,
  points: readonly string[],
  driver: Driver,
  runTimeoutMs = 90_000,
): Promise<{ last: RuntimeChild; api: CmvClient; runs: ChainRun[] }> {
  const runs: ChainRun[] = [];
  for (const point of [...points, undefined]) {
    const started = Date.now();
    const run = await RuntimeChild.start(rig, point);
    const startMs = Date.now() - started;
    driver.restarted?.();
    const invariants = await checkInvariants(run, driver.changeId);
    const api = new CmvClient(run.url ?? 'http://127.0.0.1:1', { user: 'alice' });
    let done = false;
    while (run.alive && !done) {
      if (Date.now() - started > runTimeoutMs) {
        const c = driver.changeId ? await whileAlive(run, () => api.change(driver.changeId as string)) : undefined;
        await run.kill();
        throw new Error(
          `no progress within ${runTimeoutMs} ms in the run armed with ${point ?? 'no crash point'}: change ${driver.changeId} is ${c?.status}${run.describe()}`,
        );
      }
      done = (await whileAlive(run, () => driver.step(run, api))) ?? false;
      if (!done) await Promise.race([run.exited, sleep(50)]);
    }
    runs.push({ crashAt: point, startMs, invariants, ms: Date.now() - started });
    if (!point && !run.alive) throw new Error(`the last run, armed with no crash point, died: ${JSON.stringify(await run.exited)}${run.describe()}`);
    if (!point) return { last: run, api, runs };
    if (run.alive) {
      await run.kill();
      throw new Error(`crash point ${point} was never reached: the driver was done and the runtime still ran${run.describe()}`);
    }
    const exit = await run.exited;
    run.reap();
    if (exit.signal !== 'SIGKILL' || run.reachedPoint !== withOccurrence(point)) {
      throw new Error(`the run armed with ${point} ended with ${JSON.stringify(exit)}, at point ${run.reachedPoint ?? 'none'}${run.describe()}`);
    }
  }
  throw new Error('unreachable');
}
