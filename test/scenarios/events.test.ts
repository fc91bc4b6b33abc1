import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LedgerEntry } from '../../lambdas/core/ledger';
import { approveByBob, exampleChange, type Stack, startStack, TARGET, trafficUntil, waitForChange, waitForStatus } from '../integration/local-stack';

/**
 * CMV's events on the local stack: every ledger entry reaches the local bus through the ledger
 * table's DynamoDB stream and the publisher, as `source: cmv` events in ledger order whose hash is
 * the entry's; a rollback also e-mails the requester and the approvers.
 */
jest.setTimeout(180_000);

describe('events (local stack)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const approve = (changeId: string) => approveByBob(stack, changeId);
  const ledgerOf = async (changeId: string): Promise<LedgerEntry[]> => (await stack.api.audit({ changeId, limit: '100' }, 'erin')).items as LedgerEntry[];
  const eventsOf = async (changeId: string) => {
    await stack.runtime.ledgerStream.drain();
    return stack.runtime.events.read({ source: ['cmv'], detail: { changeId: [changeId] } });
  };

  it('publishes one event per ledger entry of a deployed change, in ledger order, carrying the entry hash', async () => {
    // A 5-minute bake at 10 % (5 s here): enough requests reach the new version for the step to observe some, however slow the machine.
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { canary: { steps: [10, 100], bakeSeconds: 300 } }));
    await approve(changeId);
    const done = waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed'], 90_000);
    await trafficUntil(stack.api, done);
    const deployed = await done;
    expect(deployed.status).toBe('deployed');
    // Each decided step recorded what it observed, from the metrics by executed version (GetMetricData).
    const first = deployed.deployment?.history[0];
    expect(first?.weight).toBe(10);
    expect(first?.observed?.new.requests).toBeGreaterThan(0);
    expect(first?.observed?.old.requests).toBeGreaterThan(first?.observed?.new.requests ?? 0);
    expect(first?.observed?.new.p99Ms).toBeGreaterThanOrEqual(0);

    const ledger = (await ledgerOf(changeId)).sort((a, b) => a.seq - b.seq);
    const events = await eventsOf(changeId);

    expect(events.map((e) => [e.detail.seq, e.detail.hash])).toEqual(ledger.map((e) => [e.seq, e.hash]));
    const types = events.map((e) => e['detail-type']);
    expect(types[0]).toBe('Change Proposed');
    expect(types).toEqual(expect.arrayContaining(['Deployment Started', 'Traffic Shifted', 'Deployment Step Completed', 'Deployment Succeeded']));
    expect(events.find((e) => e['detail-type'] === 'Deployment Step Completed')?.detail).toMatchObject({
      changeId,
      target: TARGET,
      ledgerType: 'CanaryStepChecked',
      weight: 10,
    });
  });

  it('publishes "Deployment Rolled Back" for an aborted canary and e-mails the requester and the approver', async () => {
    const before = stack.runtime.sns.messages.length;
    const body = await exampleChange('1.1.0-seasonal-bonus.json', {
      version: '1.1.1',
      code: undefined,
      baseVersion: undefined,
      canary: { steps: [10, 100], bakeSeconds: 900 },
      config: { MAX_WEEKLY_BENEFIT: '1120', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const { changeId } = await stack.api.propose(body);
    await approve(changeId);
    await waitForChange(stack.api, changeId, (c) => c.deployment?.currentWeight === 10);
    await stack.api.control(changeId, 'abort', 'wrong figure', 'dana');

    const events = await eventsOf(changeId);
    const rolledBack = events.filter((e) => e['detail-type'] === 'Deployment Rolled Back');
    expect(rolledBack).toEqual([
      expect.objectContaining({
        source: 'cmv',
        detail: expect.objectContaining({ changeId, actor: 'dana', trigger: 'operator', reason: expect.stringContaining('wrong figure') }),
      }),
    ]);
    const notices = stack.runtime.sns.messages.slice(before).filter((m) => m.subject.includes('rolled back'));
    expect(notices.map((m) => m.to).sort()).toEqual(['alice@example.org', 'bob@example.org']);
    expect(notices[0].text).toContain('wrong figure');

    // The CLI reads the same bus.
    const cli = await promisify(execFile)(
      join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx'),
      [join(__dirname, '..', '..', 'bin', 'cmv.ts'), 'events', '--change', changeId, '--type', 'Deployment Rolled Back', '--data-dir', stack.runtime.dataDir],
      { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
    );
    const lines = cli.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`Deployment Rolled Back\\s+benefit-calculator ${changeId} by dana #\\d+ — .*wrong figure`));
  });
});
