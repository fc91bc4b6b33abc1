import type { Change } from '../../lambdas/core/change';
import type { LedgerEntry } from '../../lambdas/core/ledger';
import { ApiError } from '../../lib/client/api-client';
import { approvalLink, approveByBob, exampleChange, executionEnded, type Stack, startStack, TARGET, waitForStatus } from '../integration/local-stack';

/**
 * Races on every path that moves an alias, on the local stack over real HTTP: many concurrent
 * callers, then the record (the target's live version and route), the alias (GetAlias, as
 * GET /targets/{t} shows it) and the ledger (the last entry that moved the alias) must agree.
 */
jest.setTimeout(180_000);

const CALLERS = 50;

describe('concurrent callers (local stack)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Deploys a config-only 1.1.x straight to 100 % and returns its change id. */
  const deploy = async (version: string, maxWeekly: string): Promise<string> => {
    const body = await exampleChange('1.1.0-seasonal-bonus.json', {
      version,
      baseVersion: '1.0.0',
      code: undefined,
      canary: { steps: [100], bakeSeconds: 0 },
      config: { MAX_WEEKLY_BENEFIT: maxWeekly, MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const { changeId } = await stack.api.propose(body);
    await approveByBob(stack, changeId);
    expect((await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed'])).status).toBe('deployed');
    return changeId;
  };

  /** The target's record, its alias as Lambda reports it, and the newest ledger entry of `type` for it. */
  const observed = async () => {
    const target = await stack.api.target(TARGET);
    const { items } = await stack.api.audit({ target: TARGET, type: 'VersionActivated', limit: '1' }, 'erin');
    return { target, alias: target.alias, lastActivation: items[0] as LedgerEntry | undefined };
  };

  it('keeps the record, the alias and the ledger in agreement under 50 concurrent activations of three versions', async () => {
    // Arrange: 1.0.0 (registered), 1.1.1 and 1.1.2 (deployed) are all activatable.
    await deploy('1.1.1', '1106');
    await deploy('1.1.2', '1107');
    const versions = ['1.0.0', '1.1.1', '1.1.2'];

    for (let round = 0; round < 8; round++) {
      // Act
      const answers = await Promise.all(
        Array.from({ length: CALLERS }, (_, i) =>
          stack.api.activate(TARGET, versions[(i + round) % versions.length], `round ${round} caller ${i}`, 'dana').then(
            () => 200,
            (err: unknown) => (err instanceof ApiError ? err.status : 500),
          ),
        ),
      );

      // Assert: only 200 and 409; the alias serves what the record and its last ledger entry say.
      expect(answers.filter((s) => s !== 200 && s !== 409)).toEqual([]);
      const { target, alias, lastActivation } = await observed();
      expect({ version: alias.functionVersion, extra: alias.additionalVersion ?? null }).toEqual({ version: target.liveFunctionVersion, extra: null });
      expect(lastActivation?.details).toMatchObject({ version: target.liveVersion, functionVersion: target.liveFunctionVersion });
    }
    expect(await stack.api.verify('erin')).toMatchObject({ valid: true });
  });

  it('keeps the record, the alias and the ledger in agreement under 50 concurrent operator controls of a canary', async () => {
    const controls = ['pause', 'resume', 'promote', 'abort'] as const;
    for (let round = 0; round < 3; round++) {
      // Arrange: a canary at 10 %.
      const body = await exampleChange('1.1.0-seasonal-bonus.json', {
        version: `1.2.${round}`,
        baseVersion: '1.0.0',
        code: undefined,
        canary: { steps: [10, 50, 100], bakeSeconds: 120 },
        config: { MAX_WEEKLY_BENEFIT: String(1200 + round), MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
      });
      const { changeId } = await stack.api.propose(body);
      await approveByBob(stack, changeId);
      await waitFor(changeId, (c) => (c.deployment?.currentWeight ?? 0) >= 10 || c.status !== 'deploying');

      // Act: every control at once, several times over.
      const answers = await Promise.all(
        Array.from({ length: CALLERS }, (_, i) =>
          stack.api.control(changeId, controls[(i + round) % controls.length], `caller ${i}`, 'dana').then(
            () => 200,
            (err: unknown) => (err instanceof ApiError ? err.status : 500),
          ),
        ),
      );
      const done = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed'], 120_000);
      await stack.runtime.sfn.idle();

      // Assert: only 200 and 409; the alias serves the version the outcome says, alone.
      expect(answers.filter((s) => s !== 200 && s !== 409)).toEqual([]);
      const d = done.deployment;
      const expected = done.status === 'deployed' ? d?.toFunctionVersion : d?.fromFunctionVersion;
      const target = await stack.api.target(TARGET);
      expect({ status: done.status, version: target.alias.functionVersion, extra: target.alias.additionalVersion ?? null }).toEqual({
        status: done.status,
        version: expected,
        extra: null,
      });
      expect(target.liveFunctionVersion).toBe(target.alias.functionVersion);
      const outcomes = (await stack.api.audit({ changeId }, 'erin')).items.filter((e) => ['ChangeDeployed', 'ChangeRolledBack'].includes(e.type));
      expect(outcomes).toHaveLength(1);
    }
    expect(await stack.api.verify('erin')).toMatchObject({ valid: true });
  });

  it('leaves the alias on the previous version when an abort commits while a shift is between reading and moving the alias', async () => {
    // Arrange: the workflow's first shift (a weighted UpdateAlias of ShiftTraffic) is held at the gate.
    const svc = stack.runtime.servicesOf('lambdas/handlers/workflow/shift-traffic.ts') as { functions: typeof stack.runtime.services.functions };
    const original = svc.functions;
    let arrive!: () => void;
    const arrived = new Promise<void>((r) => {
      arrive = r;
    });
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    svc.functions = Object.assign(Object.create(original), {
      updateAlias: async (...args: Parameters<typeof original.updateAlias>) => {
        if ((args[2].additionalWeight ?? 0) > 0) {
          arrive();
          await released;
        }
        return original.updateAlias(...args);
      },
    });
    try {
      const body = await exampleChange('1.1.0-seasonal-bonus.json', {
        version: '1.3.0',
        baseVersion: '1.0.0',
        code: undefined,
        canary: { steps: [10, 100], bakeSeconds: 120 },
        config: { MAX_WEEKLY_BENEFIT: '1300', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
      });
      const { changeId } = await stack.api.propose(body);
      await approveByBob(stack, changeId);
      await arrived;

      // Act: the abort commits and answers while the shift waits; then the shift goes on.
      const aborted = await stack.api.control(changeId, 'abort', 'while shifting', 'dana');
      const atAnswer = (await stack.api.target(TARGET)).alias;
      release();
      await stack.runtime.sfn.idle();

      // Assert: the abort's answer and the end state both have the previous version alone.
      const from = aborted.deployment?.fromFunctionVersion;
      expect(aborted.status).toBe('rolled_back');
      expect({ version: atAnswer.functionVersion, extra: atAnswer.additionalVersion ?? null }).toEqual({ version: from, extra: null });
      const target = await stack.api.target(TARGET);
      expect({ version: target.alias.functionVersion, weight: target.alias.additionalWeight ?? 0 }).toEqual({ version: from, weight: 0 });
      expect(target.route).toEqual({ functionVersion: from });
    } finally {
      svc.functions = original;
      release();
    }
  });

  it('ends the workflow as rolled back when an abort commits while the promotion is being recorded', async () => {
    // Arrange: the workflow's ChangeDeployed commit (FinalizeDeployment's) waits at the gate.
    const svc = stack.runtime.servicesOf('lambdas/handlers/workflow/finalize-deployment.ts') as { store: typeof stack.runtime.services.store };
    const original = svc.store;
    let arrive!: () => void;
    const arrived = new Promise<void>((r) => {
      arrive = r;
    });
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    svc.store = Object.assign(Object.create(original), {
      commit: async (...args: Parameters<typeof original.commit>) => {
        if (args[1].type === 'ChangeDeployed') {
          arrive();
          await released;
        }
        return original.commit(...args);
      },
    });
    try {
      const body = await exampleChange('1.1.0-seasonal-bonus.json', {
        version: '1.4.0',
        baseVersion: '1.0.0',
        code: undefined,
        canary: { steps: [100], bakeSeconds: 0 },
        config: { MAX_WEEKLY_BENEFIT: '1400', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
      });
      const { changeId } = await stack.api.propose(body);
      await approveByBob(stack, changeId);
      await arrived;

      // Act
      const aborted = await stack.api.control(changeId, 'abort', 'during promotion', 'dana');
      release();
      const execution = await executionEnded(stack, changeId);

      // Assert: the record, the alias and the workflow all say rolled back.
      expect(aborted.status).toBe('rolled_back');
      expect(execution).toMatchObject({ status: 'FAILED', error: 'ChangeRolledBack' });
      const target = await stack.api.target(TARGET);
      expect({ version: target.alias.functionVersion, extra: target.alias.additionalVersion ?? null }).toEqual({
        version: aborted.deployment?.fromFunctionVersion,
        extra: null,
      });
      expect((await stack.api.change(changeId)).status).toBe('rolled_back');
    } finally {
      svc.store = original;
      release();
    }
  });

  it('records one vote and resumes the workflow once when the same link is posted 20 times at once beside 20 API votes', async () => {
    // Arrange
    const body = await exampleChange('1.1.0-seasonal-bonus.json', {
      version: '1.6.0',
      baseVersion: '1.0.0',
      code: undefined,
      canary: { steps: [100], bakeSeconds: 0 },
      config: { MAX_WEEKLY_BENEFIT: '1600', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const { changeId } = await stack.api.propose(body);
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    const link = await approvalLink(stack, changeId, 'bob@example.org');

    // Act
    const posts = Array.from({ length: 20 }, () =>
      fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=ok' }).then(
        (r) => r.status,
      ),
    );
    const votes = Array.from({ length: 20 }, () =>
      stack.api.decide(changeId, 'approve', 'ok', 'carol').then(
        () => 200,
        (err: unknown) => (err instanceof ApiError ? err.status : 500),
      ),
    );
    const answers = await Promise.all([...posts, ...votes]);
    const done = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    // Assert: only 200 and 409; one deciding vote, one approval entry, one deployment.
    expect(answers.filter((s) => s !== 200 && s !== 409)).toEqual([]);
    expect(done.status).toBe('deployed');
    const types = (await stack.api.audit({ changeId }, 'erin')).items.map((e) => e.type);
    expect(types.filter((t) => t === 'ChangeApproved')).toHaveLength(1);
    expect(types.filter((t) => t === 'DeploymentStarted')).toHaveLength(1);
    expect(new Set(done.approvals.map((v) => v.approver)).size).toBe(done.approvals.length);
    expect((await executionEnded(stack, changeId)).status).toBe('SUCCEEDED');
  });

  it('answers 50 concurrent proposals with 201 or 503 + Retry-After, never 500, and fails none of the accepted changes for contention', async () => {
    // Act
    const answers = await Promise.all(
      Array.from({ length: CALLERS }, async (_, i) => {
        const body = await exampleChange('1.1.0-seasonal-bonus.json', {
          version: `1.5.${i}`,
          baseVersion: '1.0.0',
          code: undefined,
          riskLevel: 'low',
          config: { MAX_WEEKLY_BENEFIT: String(1500 + i), MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
        });
        const res = await fetch(`${stack.runtime.url}/changes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-user': 'alice' },
          body: JSON.stringify(body),
        });
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { changeId?: string } };
      }),
    );

    // Assert
    expect(answers.filter((a) => a.status !== 201 && a.status !== 503)).toEqual([]);
    expect(answers.filter((a) => a.status === 503 && !a.retryAfter)).toEqual([]);
    const accepted = answers.flatMap((a) => (a.body.changeId ? [a.body.changeId] : []));
    expect(accepted.length).toBeGreaterThan(0);
    for (const changeId of accepted) {
      const change = await waitForStatus(stack.api, changeId, ['awaiting_approval', 'tests_failed', 'failed'], 120_000);
      expect({ changeId, status: change.status, reason: change.reason ?? null }).toEqual({ changeId, status: 'awaiting_approval', reason: null });
    }
    expect(await stack.api.verify('erin')).toMatchObject({ valid: true });
  });

  const waitFor = async (changeId: string, ok: (c: Change) => boolean, timeoutMs = 30_000): Promise<Change> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = await stack.api.change(changeId);
      if (ok(c)) return c;
      if (Date.now() > deadline) throw new Error(`change ${changeId}: condition not met, it is ${c.status} at ${c.deployment?.currentWeight}%`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
});
