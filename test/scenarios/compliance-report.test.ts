import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Change } from '../../lambdas/core/change';
import type { ComplianceReport } from '../../lambdas/core/compliance-report';
import { AUDIT_READS_CHAIN, type ChainHead, type LedgerEntry } from '../../lambdas/core/ledger';
import { ApiError } from '../../lib/client/api-client';
import { ROOT } from '../../lib/local/runtime';
import { approvalLink, exampleChange, type Stack, startStack, TARGET, trafficUntil, waitForChange, waitForStatus } from '../integration/local-stack';

/**
 * The compliance report over real HTTP, on the changes of the demo (`npm run demo`) as the local
 * stack runs them, plus two emergency changes: its figures must equal a hand count of those changes.
 *
 * | change | what | ends |
 * |---|---|---|
 * | A 1.1.0 | standard, medium; bob approves; healthy canary | deployed |
 * | B 1.2.0 | standard, medium; bob approves; fails live claims | rolled back by the error-rate alarm |
 * | C 1.3.0 | minor, low; breaks its tests | tests_failed |
 * | D 1.1.1 | standard, medium, config only; dana aborts at 10 % | rolled back by the operator |
 * | E 1.1.2 | emergency, high, config only; grace approves; deferred tests pass | deployed, no review |
 * | F 1.3.1 | emergency, high (1.3.0's code); bob approves; deferred tests fail at 100 % | rolled back, reviewed by dana |
 */
jest.setTimeout(240_000);

const ENDED = ['deployed', 'rolled_back', 'failed', 'tests_failed', 'rejected', 'expired'] as const;

describe('compliance report (local stack)', () => {
  let stack: Stack;
  let started: string;
  const ids: Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F', string> = { A: '', B: '', C: '', D: '', E: '', F: '' };
  /** Every ledger entry of each change, as an auditor reads them (GET /audit). */
  const ledger: Record<string, LedgerEntry[]> = {};

  const approve = async (changeId: string, who: string) => {
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    const link = await approvalLink(stack, changeId, `${who}@example.org`);
    const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=ok' });
    expect(res.status).toBe(200);
  };
  const withTraffic = async (changeId: string): Promise<Change> => {
    const ended = waitForStatus(stack.api, changeId, ENDED, 120_000);
    await trafficUntil(stack.api, ended);
    return ended;
  };
  const configOnly = async (version: string, extra: Record<string, unknown>) =>
    exampleChange('1.1.0-seasonal-bonus.json', { version, code: undefined, baseVersion: undefined, ...extra });
  const report = (query: Record<string, string>, as = 'erin') => stack.api.compliance(query, as);
  const period = () => ({ from: started, to: new Date(Date.now() + 1000).toISOString() });

  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
    started = new Date().toISOString();

    ids.A = (await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json'))).changeId;
    await approve(ids.A, 'bob');
    expect((await withTraffic(ids.A)).status).toBe('deployed');

    ids.B = (await stack.api.propose(await exampleChange('1.2.0-itemised-dependants.json'))).changeId;
    await approve(ids.B, 'bob');
    expect((await withTraffic(ids.B)).status).toBe('rolled_back');

    ids.C = (await stack.api.propose(await exampleChange('1.3.0-round-to-cents.json'))).changeId;
    expect((await waitForStatus(stack.api, ids.C, ENDED)).status).toBe('tests_failed');

    ids.D = (
      await stack.api.propose(
        await configOnly('1.1.1', {
          config: { MAX_WEEKLY_BENEFIT: '1120', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
          canary: { steps: [10, 50, 100], bakeSeconds: 900 },
        }),
      )
    ).changeId;
    await approve(ids.D, 'bob');
    await waitForChange(stack.api, ids.D, (c) => {
      if (c.status !== 'awaiting_approval' && c.status !== 'deploying') throw new Error(`change D is ${c.status}`);
      return c.deployment?.currentWeight === 10;
    });
    expect((await stack.api.control(ids.D, 'abort', 'takes effect in January', 'dana')).status).toBe('rolled_back');

    ids.E = (
      await stack.api.propose(
        await configOnly('1.1.2', {
          changeType: 'emergency',
          riskLevel: 'high',
          config: { MAX_WEEKLY_BENEFIT: '1119', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
        }),
      )
    ).changeId;
    await approve(ids.E, 'grace');
    expect((await waitForStatus(stack.api, ids.E, ENDED, 120_000)).status).toBe('deployed');

    ids.F = (
      await stack.api.propose(await exampleChange('1.3.0-round-to-cents.json', { version: '1.3.1', changeType: 'emergency', riskLevel: 'high' }))
    ).changeId;
    await approve(ids.F, 'bob');
    expect((await waitForStatus(stack.api, ids.F, ENDED, 120_000)).status).toBe('rolled_back');
    await stack.api.review(ids.F, { outcome: 'unsuccessful', summary: 'The rounding broke the deferred tests; rolled back at once.' }, 'dana');

    for (const id of Object.values(ids)) ledger[id] = (await stack.api.audit({ changeId: id, limit: '500' }, 'erin')).items;
  }, 900_000);

  afterAll(async () => {
    await stack?.stop();
  });

  /** The entry of `type` of a change (the first, or the one `pick` chooses). */
  const entryOf = (id: string, type: string, pick: (e: LedgerEntry) => boolean = () => true) => {
    const found = ledger[id].filter((e) => e.type === type && pick(e)).sort((a, b) => a.seq - b.seq)[0];
    if (!found) throw new Error(`change ${id} has no ${type} entry`);
    return found;
  };
  const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

  it('counts the changes by type, risk and outcome as a hand count does', async () => {
    // Act
    const r = await report(period());

    // Assert
    expect(r.scope.targets).toEqual([TARGET]);
    expect(r.changes.total).toBe(6);
    const counts = (items: readonly { key: string; count: number }[]) => Object.fromEntries(items.filter((i) => i.count).map((i) => [i.key, i.count]));
    expect(counts(r.changes.byType)).toEqual({ standard: 3, minor: 1, emergency: 2 });
    expect(counts(r.changes.byRisk)).toEqual({ medium: 3, low: 1, high: 2 });
    expect(counts(r.changes.byOutcome)).toEqual({ deployed: 2, rolled_back: 3, tests_failed: 1 });
    expect(r.changes.byOutcome.find((o) => o.key === 'tests_failed')?.entries.map((e) => [e.changeId, e.type])).toEqual([
      [ids.C, 'ChangeProposed'],
      [ids.C, 'TestsFailed'],
    ]);
  });

  it('finds approval and testing compliance, success and rollback rates, rollbacks by cause, emergency figures as counted by hand', async () => {
    // Act
    const r = await report(period());

    // Assert: deployed A and E had their quorum (bob; grace) and every required suite (lint, unit, integration; unit, security after the deployment)
    expect(r.approvalCompliance).toMatchObject({ count: 2, of: 2, percent: 100, exceptions: [] });
    expect(r.testingCompliance).toMatchObject({ count: 2, of: 2, percent: 100, exceptions: [] });
    // Five deployments ended (A, B, D, E, F): two deployed, three rolled back
    expect(r.changeSuccessRate).toMatchObject({ count: 2, of: 5, percent: 40 });
    expect(r.rollbackRate).toMatchObject({ count: 3, of: 5, percent: 60 });
    const causes = Object.fromEntries(
      r.rollbackRate.byCause.filter((c) => c.count).map((c) => [c.key, c.entries.filter((e) => e.type === 'ChangeRolledBack').map((e) => e.changeId)]),
    );
    expect(causes).toEqual({ alarm: [ids.B], operator_abort: [ids.D], deferred_tests: [ids.F] });
    // Two of six are emergency changes; E has no review, F has
    expect(r.emergencyChangeRate).toMatchObject({ count: 2, of: 6, percent: 33.33 });
    expect(r.emergencyMissingReview).toMatchObject({ count: 1, of: 2, percent: 50, changeIds: [ids.E] });
  });

  it('measures lead time (ChangeProposed → TrafficShifted to 100 %) and time to restore (alarm → restoredAt) from the entries', async () => {
    // Arrange: the hand count, from the entries an auditor reads
    const lead = (id: string) => seconds(entryOf(id, 'ChangeProposed').time, entryOf(id, 'TrafficShifted', (e) => e.details.weight === 100).time);
    const rollbackB = entryOf(ids.B, 'ChangeRolledBack');
    const check = ledger[ids.B].find((e) => e.type === 'CanaryStepChecked' && e.details.decision === 'rollback');
    const triggeredAt = (rollbackB.details.alarmAt as string | undefined) ?? check?.time ?? '';
    const restore = seconds(triggeredAt, rollbackB.details.restoredAt as string);

    // Act
    const r = await report(period());

    // Assert
    expect(r.leadTime.samples).toEqual(
      expect.arrayContaining([
        { changeId: ids.A, seconds: lead(ids.A) },
        { changeId: ids.E, seconds: lead(ids.E) },
      ]),
    );
    expect(r.leadTime).toMatchObject({
      count: 2,
      meanSeconds: Math.round(((lead(ids.A) + lead(ids.E)) / 2) * 1000) / 1000,
      p90Seconds: Math.max(lead(ids.A), lead(ids.E)),
    });
    expect(r.timeToRestore).toMatchObject({ count: 1, samples: [{ changeId: ids.B, seconds: restore }], meanSeconds: restore });
    expect(r.timeToRestore.notMeasured).toEqual(
      expect.arrayContaining([
        { changeId: ids.D, cause: 'operator_abort' },
        { changeId: ids.F, cause: 'deferred_tests' },
      ]),
    );
  });

  it('cites, for each figure, entries an auditor finds in the ledger with the same hash', async () => {
    // Act
    const r = await report(period());

    // Assert
    const byHash = new Map(Object.values(ledger).flatMap((es) => es.map((e) => [e.hash, e] as const)));
    const cited = [
      r.approvalCompliance,
      r.testingCompliance,
      r.changeSuccessRate,
      r.rollbackRate,
      r.emergencyChangeRate,
      r.emergencyMissingReview,
      r.leadTime,
      r.timeToRestore,
    ].flatMap((f) => f.entries);
    for (const ref of cited)
      expect(byHash.get(ref.hash)).toMatchObject({ chain: ref.chain, seq: ref.seq, type: ref.type, changeId: ref.changeId, time: ref.time });
    expect(r.approvalCompliance.entries.map((e) => e.type)).toEqual(expect.arrayContaining(['ChangeProposed', 'ChangeApproved', 'ChangeDeployed']));
    expect(r.testingCompliance.entries.map((e) => e.type)).toEqual(expect.arrayContaining(['TestsPassed', 'DeferredTestsPassed']));
  });

  it('narrows to a target or an environment, and answers an empty report for one no registered target matches', async () => {
    // Act
    const [byTarget, byEnv, none] = await Promise.all([
      report({ ...period(), target: TARGET }),
      report({ ...period(), environment: 'production' }),
      report({ ...period(), environment: 'staging' }),
    ]);

    // Assert
    expect(byTarget.changes.total).toBe(6);
    expect(byEnv.changes.total).toBe(6);
    expect(none).toMatchObject({ scope: { environment: 'staging', targets: [] }, changes: { total: 0 } });
    expect((await report({ ...period(), target: 'no-such-target' })).scope.targets).toEqual([]);
    expect((await report({ from: started, to: started })).changes.total).toBe(0);
  });

  it('answers the same figures as CSV, one row per figure and per cited entry', async () => {
    // Arrange
    const q = new URLSearchParams({ ...period(), format: 'csv' });

    // Act
    const res = await fetch(`${stack.runtime.url}/reports/compliance?${q}`, { headers: { 'x-user': 'dana' } });
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];

    // Assert
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="cmv-compliance-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv"$/);
    const figure = (name: string, breakdown = '') => rows.find((x) => x.record === 'figure' && x.figure === name && x.breakdown === breakdown);
    expect(figure('changes')?.value).toBe('6');
    expect(figure('rollback_rate')).toMatchObject({ value: '60', unit: '%', count: '3', of: '5' });
    expect(figure('rollbacks_by_cause', 'operator_abort')?.value).toBe('1');
    const json = await report(period());
    expect(rows.filter((x) => x.record === 'evidence' && x.figure === 'approval_compliance').map((x) => x.entry_hash)).toEqual(
      json.approvalCompliance.entries.map((e) => e.hash),
    );
  });

  it('serves the HTML page with one CSP that allows no script', async () => {
    // Act
    const res = await fetch(`${stack.runtime.url}/reports/compliance?${new URLSearchParams({ ...period(), format: 'html' })}`, {
      headers: { 'x-user': 'erin' },
    });
    const html = await res.text();

    // Assert
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*';/);
    expect(res.headers.get('content-security-policy')).not.toMatch(/script-src|unsafe/);
    expect(html).not.toMatch(/<script|style="/i);
    expect(html.match(/<svg /g)).toHaveLength(4);
  });

  it('prints it with `cmv report compliance`: each figure and its entries as text, or the CSV as served; a refused request exits 2', async () => {
    // Arrange
    const cmv = (args: string[], user = 'erin') =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
        execFile(
          join(ROOT, 'node_modules', '.bin', 'tsx'),
          [join(ROOT, 'bin', 'cmv.ts'), 'report', 'compliance', ...args],
          { env: { ...process.env, CMV_API_URL: stack.runtime.url, CMV_USER: user, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
          (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const { from, to } = period();
    const json = await report({ from, to });

    // Act
    const [text, csv, refused] = await Promise.all([cmv(['--from', from, '--to', to]), cmv(['--from', from, '--to', to, '--format', 'csv']), cmv([], 'bob')]);

    // Assert
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}rollback rate +60 % {3}3 of 5 ended deployments were rolled back$/m);
    expect(text.stdout).toContain(
      `ledger entries (${json.rollbackRate.entries.length}): ${json.rollbackRate.entries.map((e) => `${e.chain}#${e.seq}`).join(' ')}`,
    );
    expect(text.stdout).toContain(`missing: ${ids.E}`);
    expect(csv.code).toBe(0);
    expect((parse(csv.stdout, { columns: true }) as Record<string, string>[]).find((r) => r.figure === 'changes')?.value).toBe('6');
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toMatch(/403/);
  });

  it('lets auditors and release admins read it, and refuses everyone else (403)', async () => {
    // Act / Assert
    await expect(report({}, 'erin')).resolves.toMatchObject({ changes: expect.any(Object) });
    await expect(report({}, 'dana')).resolves.toMatchObject({ changes: expect.any(Object) });
    for (const who of ['alice', 'bob', 'frank', 'grace']) await expect(report({}, who)).rejects.toMatchObject({ status: 403 });
  });

  it.each([
    [{ from: 'last week' }, 'from', /ISO-8601/],
    [{ from: '2026-03-02', to: '2026-03-01' }, 'to', /must not be before from \(2026-03-02T00:00:00.000Z\)/],
    [{ from: '2025-01-01', to: '2026-03-01' }, 'from', /at most 366 days/],
    [{ target: 'Benefit Calculator' }, 'target', /lowercase/],
    [{ environment: '' }, 'environment', /lowercase/],
    [{ format: 'pdf' }, 'format', /json|csv|html/],
  ])('refuses %j with 400 naming %s and why', async (query, path, message) => {
    // Act
    const refused = await report(query as Record<string, string>).catch((err: ApiError) => err);

    // Assert
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(400);
    expect((refused as ApiError).body.errors).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('refuses a parameter it does not know (400)', async () => {
    await expect(report({ limit: '10' })).rejects.toMatchObject({ status: 400 });
  });

  // The report reads; the hand count above holds whatever it is asked. Only the read itself is recorded, on its own chain.
  it("writes nothing to the targets' chains, and one AuditQueried entry per report on the chain audit-reads", async () => {
    // Arrange
    const targetsOnly = (heads: ChainHead[]) => heads.filter((h) => h.chain !== AUDIT_READS_CHAIN);
    const readsBefore = (await stack.runtime.services.ledger.head(AUDIT_READS_CHAIN))?.seq ?? 0;
    const before = targetsOnly(await stack.runtime.services.ledger.heads());

    // Act
    const answers: ComplianceReport[] = await Promise.all([report(period()), report({ ...period(), target: TARGET }, 'dana')]);

    // Assert
    expect(answers.map((a) => a.changes.total)).toEqual([6, 6]);
    expect(targetsOnly(await stack.runtime.services.ledger.heads())).toEqual(before);
    expect((await stack.runtime.services.ledger.head(AUDIT_READS_CHAIN))?.seq).toBe(readsBefore + 2);
  });
});
