import type { Change } from '../../lambdas/core/change';
import { ApiError, type CmvClient } from '../../lib/client/api-client';
import { invokePacer } from '../../lib/client/invoke-pacer';
import type { LocalRuntime } from '../../lib/local/runtime';

/**
 * What every section of the demo shares (bin/demo.ts runs the sections in order): the runtime, alice's
 * API client, the live traffic, the timeline printer and the list of failures the demo exits 1 on.
 * A section is a module of bin/demo/ exporting `async (ctx: DemoContext) => void`.
 */
export interface DemoContext {
  readonly runtime: LocalRuntime;
  /** The API as alice (requester); pass another user id to a call to act as someone else. */
  readonly api: CmvClient;
  readonly traffic: Traffic;
  /** Each line the demo expects but did not see; non-empty: the demo exits 1. */
  readonly failures: string[];
  /** Each change's final status and the one expected, for the outcome table. */
  readonly results: { version: string; status: string; expect: string }[];
}

const started = Date.now();
/** Prints a timeline line, prefixed with the seconds since the demo started. */
export const say = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
/** Seconds since the demo started. */
export const elapsedSeconds = () => (Date.now() - started) / 1000;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows a change to a final status (or one of `stopAt`), printing each transition; `approvers` approve through their e-mailed links in turn. */
export async function follow(
  api: CmvClient,
  changeId: string,
  outbox: readonly { to: string; text: string }[],
  traffic: Traffic,
  approvers: readonly string[],
  stopAt: readonly string[] = [],
  operate?: (change: Change) => Promise<boolean>,
): Promise<Change> {
  let operated = false;
  let status = '';
  let steps = 0;
  let decided = 0;
  for (;;) {
    const change = await api.change(changeId);
    if (change.status !== status) {
      status = change.status;
      if (status === 'testing') say(`testing: the local CodeBuild runs the suites the policy requires: ${change.plan.tests.join(', ')}`);
      if (status === 'awaiting_approval') {
        say(`tests passed: ${change.tests?.suites?.map((s) => `${s.suite} ✓`).join(' ') ?? change.tests?.buildId} → awaiting approval`);
        const groups = change.plan.approvals.groups;
        if (groups.length === 0) say(`pre-approved by the policy (rule ${change.plan.policy.ruleId}): no approval e-mails`);
        else
          say(
            `approval e-mails go to ${[...new Set(groups.flatMap((g) => g.eligible))].join(', ')}; needed: ${groups.map((g) => `${g.name} ${g.required}`).join(' + ')}`,
          );
        for (const approver of approvers) {
          await approveByEmail(changeId, outbox, approver);
          const after = await api.change(changeId);
          if (!after.approvedAt && after.status === 'awaiting_approval')
            say(`  still awaiting approval: ${after.approvals.length} vote(s) so far, the policy needs more`);
        }
      }
      if (status === 'deploying') traffic.start();
      if (status === 'tests_failed') say(`${change.reason}; log ${change.tests?.logs} — no traffic ever reached it`);
      if (status === 'deployed') say(`deployed ✓ ${change.version} is live`);
      if (status === 'rolled_back') say(`rolled back ✓ ${change.reason}`);
    }
    const history = change.deployment?.history ?? [];
    for (; steps < history.length; steps++)
      say(`canary: alias shifted to ${history[steps].weight}% on version ${change.deployment?.toFunctionVersion}; baking …`);
    for (; decided < history.length && history[decided].decision; decided++) {
      const h = history[decided];
      say(`  after bake at ${h.weight}%: ${h.decision} — ${h.reason} | traffic ${traffic.report()}`);
    }
    if (operate && !operated && change.status === 'deploying') operated = await operate(change);
    if (['deployed', 'rolled_back', 'tests_failed', 'rejected', 'expired', 'failed', ...stopAt].includes(status)) {
      traffic.stop();
      return change;
    }
    await sleep(100);
  }
}

/** An approver opens the link from their e-mail (GET: the review page, nothing changes), then presses Approve (POST). */
export async function approveByEmail(changeId: string, outbox: readonly { to: string; text: string }[], who: string): Promise<void> {
  const address = `${who}@example.org`;
  const deadline = Date.now() + 10_000;
  while (!outbox.some((m) => m.to === address && m.text.includes(changeId)) && Date.now() < deadline) await sleep(50);
  const mail = outbox.find((m) => m.to === address && m.text.includes(changeId));
  const link = mail?.text.match(/https?:\/\/\S+\/approvals\/\S+/)?.[0];
  if (!link) throw new Error(`no approval e-mail to ${who} for ${changeId}`);
  const review = await fetch(link);
  say(`${who} opens the link in the e-mail: "${(await review.text()).match(/<h1>(.*?)<\/h1>/)?.[1]}" (${review.status}; opening it changes nothing)`);
  const res = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'decision=approve&comment=Reviewed+the+change+and+tests',
  });
  say(`${who} presses Approve: ${(await res.text()).match(/role="status">(.*?)<\/p>/)?.[1] ?? res.status}`);
}

/** Live traffic to the target's alias while a change deploys: sample claims from three loops as alice, paced under the invoke route's per-caller throttle. */
export class Traffic {
  private running = false;
  private readonly pacer = invokePacer();
  /** Requests the API answered 429 (there should be none: the traffic is paced under the limit). */
  throttled = 0;
  private seen = new Map<string, { requests: number; errors: number }>();
  private next = 0;
  constructor(
    private readonly api: CmvClient,
    private readonly claims: unknown[],
    private readonly target: string,
  ) {}
  sample(): unknown {
    return this.claims[this.next++ % this.claims.length];
  }
  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < 3; i++) void this.loop();
  }
  stop(): void {
    this.running = false;
  }
  /** Requests and errors per executed version since the last report. */
  report(): string {
    const text = [...this.seen].map(([v, s]) => `v${v}: ${s.requests} req, ${s.errors} err`).join('; ') || 'none';
    this.seen = new Map();
    return text;
  }
  private async loop(): Promise<void> {
    while (this.running) {
      await this.pacer.removeTokens(1);
      if (!this.running) return;
      try {
        const out = await this.api.invoke(this.target, this.sample());
        const s = this.seen.get(out.executedVersion) ?? { requests: 0, errors: 0 };
        s.requests++;
        if (!out.ok) s.errors++;
        this.seen.set(out.executedVersion, s);
      } catch (err) {
        // A 429 means this traffic outran the invoke route's throttle; anything else: the runtime is stopping.
        if (err instanceof ApiError && err.status === 429) this.throttled++;
      }
    }
  }
}
