import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Change, FINAL_STATUSES } from '../../lambdas/core/change';
import type { CmvClient } from '../../lib/client/api-client';
import { exampleChange } from '../integration/local-stack';
import { aliasMatchesRecord, type Driver, type Rig, type RuntimeChild, TARGET, whileAlive } from './crash-rig';

/**
 * What the crash tests do from outside, as people would: propose a change, approve it through the
 * link e-mailed to bob, abort it as dana, activate a version — one look at a time, so that each
 * restart picks up wherever the last run left the change.
 */

/**
 * A config-only change of the bundled example (its code stays 1.0.0's; `MAX_WEEKLY_BENEFIT` differs
 * from every other change's, so nothing is "unchanged"), with a canary of its own.
 */
export async function configChange(version: string, maxWeeklyBenefit: number, canary: { steps: number[]; bakeSeconds: number }) {
  const { code: _code, ...request } = await exampleChange('1.1.0-seasonal-bonus.json', {
    version,
    title: `Weekly benefit cap ${maxWeeklyBenefit}`,
    config: { MAX_WEEKLY_BENEFIT: String(maxWeeklyBenefit), MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    canary,
  });
  return request as typeof request & { version: string };
}

/** The link e-mailed to `email` for `changeId` (the outbox), as a path: `/approvals/<token>`; undefined while there is none. */
export async function approvalPath(rig: Rig, changeId: string, email: string): Promise<string | undefined> {
  const dir = join(rig.dataDir, 'outbox');
  // Whole e-mails only: `<name>.txt`, not the temp file of one being written.
  for (const file of (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.txt')).sort()) {
    const mail = await readFile(join(dir, file), 'utf8');
    if (!mail.startsWith(`To: ${email}\n`) || !mail.includes(changeId)) continue;
    const path = /https?:\/\/[^/\s]+(\/approvals\/\S+)/.exec(mail)?.[1];
    if (path) return path;
  }
  return undefined;
}

/**
 * Bob approves through his e-mailed link (POST, as the page's form does), against this run's URL
 * (the link names the port of the run that sent it).
 * @throws Error when the page answers other than 200 (a cut request resolves to undefined)
 */
export async function approveByBobsLink(run: RuntimeChild, path: string): Promise<void> {
  const res = await whileAlive(run, () =>
    fetch(`${run.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=ok' }),
  );
  if (res && res.status !== 200) throw new Error(`bob's vote through ${path} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
}

/** The change of `version` on the target (found by listing: the POST that created it may have been cut by a crash). */
export async function findChange(api: CmvClient, version: string): Promise<Change | undefined> {
  return (await api.changes({ target: TARGET, limit: '100' })).items.find((c) => c.version === version);
}

/** Whether the change's execution ended (its saved record in the data dir, as the local Step Functions keeps it). */
export async function executionEnded(rig: Rig, changeId: string): Promise<boolean> {
  const text = await readFile(join(rig.dataDir, 'executions', `${changeId}.json`), 'utf8').catch(() => undefined);
  return text !== undefined && (JSON.parse(text) as { status: string }).status !== 'RUNNING';
}

/** The state the change's execution entered last, as the local Step Functions journals it (undefined: none yet, or it ended). */
export async function executionState(rig: Rig, changeId: string): Promise<string | undefined> {
  const text = await readFile(join(rig.dataDir, 'executions', `${changeId}.jsonl`), 'utf8').catch(() => '');
  const entered = text
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as { type: string; state?: string })
    .filter((e) => e.type === 'StateEntered');
  return entered.at(-1)?.state;
}

/**
 * Drives one change through its life: proposes it (unless a cut POST already created it), approves
 * it through bob's e-mailed link once it awaits approval (unless his vote is recorded), aborts it as
 * dana once it reached `abortAtWeight` %, or pauses it there (`pauseAtWeight`) and promotes it once
 * the workflow holds it (its execution waits in AwaitResume). Done when the change is final and its
 * execution ended.
 */
export class ChangePilot implements Driver {
  changeId?: string;
  private awaitingSince?: number;
  private aborted = false;
  private paused = false;
  private promoted = false;

  constructor(
    private readonly rig: Rig,
    private readonly request: Record<string, unknown> & { version: string },
    private readonly options: { abortAtWeight?: number; pauseAtWeight?: number } = {},
  ) {}

  /** @throws Error when bob gets no approval e-mail within 15 s of a run (a change nobody can approve by link is stuck) */
  async step(run: RuntimeChild, api: CmvClient): Promise<boolean> {
    if (!this.changeId) {
      this.changeId = (await findChange(api, this.request.version))?.changeId ?? (await api.propose(this.request)).changeId;
      return false;
    }
    const c = await api.change(this.changeId);
    if (c.status === 'awaiting_approval' && !c.approvedAt && !c.approvals.some((v) => v.approver === 'bob')) {
      this.awaitingSince ??= Date.now();
      const path = await approvalPath(this.rig, c.changeId, 'bob@example.org');
      if (path) await approveByBobsLink(run, path);
      else if (Date.now() - this.awaitingSince > 15_000) throw new Error(`change ${c.changeId} awaits approval, but no approval e-mail reached bob`);
      return false;
    }
    if (
      this.options.abortAtWeight !== undefined &&
      !this.aborted &&
      c.status === 'deploying' &&
      (c.deployment?.currentWeight ?? 0) >= this.options.abortAtWeight
    ) {
      // Once the alias routes the weight too: the shift's own move is over, the abort's is the next one.
      if (!aliasMatchesRecord(await api.target(TARGET))) return false;
      this.aborted = true;
      await api.control(c.changeId, 'abort', 'crash test', 'dana');
      return false;
    }
    const pauseAt = this.options.pauseAtWeight;
    if (pauseAt !== undefined && c.status === 'deploying' && (c.deployment?.currentWeight ?? 0) >= pauseAt) {
      if (!this.paused && !c.deployment?.paused) {
        if (!aliasMatchesRecord(await api.target(TARGET))) return false;
        this.paused = true;
        await api.control(c.changeId, 'pause', 'crash test', 'dana');
        return false;
      }
      if (!this.promoted && c.deployment?.paused && (await executionState(this.rig, c.changeId)) === 'AwaitResume') {
        this.promoted = true;
        await api.control(c.changeId, 'promote', 'crash test', 'dana');
        return false;
      }
    }
    return FINAL_STATUSES.has(c.status) && (await executionEnded(this.rig, c.changeId));
  }

  restarted(): void {
    this.awaitingSince = undefined;
  }
}

/** Activates `version` as dana (unless the record already shows it live); done when the alias routes as recorded. */
export class ActivationDriver implements Driver {
  readonly changeId = undefined;

  constructor(private readonly version: string) {}

  async step(_run: RuntimeChild, api: CmvClient): Promise<boolean> {
    const t = await api.target(TARGET);
    if (t.liveVersion !== this.version) {
      await api.activate(TARGET, this.version, 'crash test', 'dana');
      return false;
    }
    return t.alias.functionVersion === t.liveFunctionVersion && !t.alias.additionalVersion;
  }
}
