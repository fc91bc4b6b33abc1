import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeleteItemCommand, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { executionCost } from '../../bench/history-events';
import { lifecycleDefinition } from '../../bench/lifecycle-model';
import { LOCAL_LEDGER_TABLE, ROOT } from '../../lib/local/runtime';
import { aliasRoutes, approvalLink, EXAMPLE, exampleChange, executionEnded, type Stack, startStack, TARGET, trafficUntil, waitForStatus } from './local-stack';

const quarters = [
  { quarter: '2025Q3', wages: 9100, seasonalBonus: 0 },
  { quarter: '2025Q4', wages: 10400, seasonalBonus: 1500 },
  { quarter: '2026Q1', wages: 8800, seasonalBonus: 0 },
  { quarter: '2026Q2', wages: 9900, seasonalBonus: 0 },
];

/**
 * The whole lifecycle on the local stack: the real ASL file in aws-local-stepfunctions, DynamoDB
 * Local, the API over HTTP, the example service running in the local Lambda host.
 */
jest.setTimeout(180_000);

describe('change lifecycle (local stack)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const approveByLink = async (changeId: string) => {
    const link = await approvalLink(stack, changeId, 'bob@example.org');
    const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=ok' });
    expect(res.status).toBe(200);
  };

  it('deploys 1.1.0 through tests, approval and a healthy canary', async () => {
    // Arrange
    const { changeId, version, status } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json'));
    expect({ version, status }).toEqual({ version: '1.1.0', status: 'submitted' });

    // Act
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    await approveByLink(changeId);
    const deployed = waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);
    const traffic = await trafficUntil(stack.api, deployed);
    const change = await deployed;

    // Assert
    expect(change.status).toBe('deployed');
    expect(change.tests).toMatchObject({ passed: true, buildStatus: 'SUCCEEDED' });
    expect(change.deployment?.history.map((h) => [h.weight, h.decision])).toEqual([
      [10, 'continue'],
      [50, 'continue'],
      [100, 'promote'],
    ]);
    expect(traffic['2']?.requests).toBeGreaterThan(0);
    const target = await stack.api.target(TARGET);
    expect(target.liveVersion).toBe('1.1.0');
    expect(target.alias.routingPercent).toEqual({ '2': 100 });
    const execution = await executionEnded(stack, changeId);
    expect(execution.status).toBe('SUCCEEDED');
    // Issue #10: the example's three steps of 60 s cost a bounded number of transitions, whatever the bake (no polling clock).
    expect(executionCost(lifecycleDefinition().States, execution.history).transitions).toBeLessThanOrEqual(40);
    const live = await stack.api.invoke(TARGET, { claimId: 'C-9', baseQuarters: quarters, dependants: 0 });
    expect(live).toMatchObject({ executedVersion: '2', ok: true, payload: { calculatorVersion: '1.1.0', maximumWeeklyBenefit: 1105 } });
  });

  it('deploys code given as a file:// source directory, with the config the change request carries', async () => {
    const body = await exampleChange('1.1.0-seasonal-bonus.json', {
      version: '1.1.1',
      baseVersion: '1.1.0',
      code: { artifact: pathToFileURL(join(EXAMPLE, 'service')).href },
      config: { MAX_WEEKLY_BENEFIT: '500', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const { changeId } = await stack.api.propose(body);
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    await approveByLink(changeId);
    const change = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    expect(change).toMatchObject({ status: 'deployed', source: { kind: 'artifact', uri: body.code && (body.code as { artifact: string }).artifact } });
    const live = await stack.api.invoke(TARGET, { claimId: 'C-9', baseQuarters: quarters, dependants: 0 });
    expect(live.payload).toMatchObject({ calculatorVersion: '1.0.0', maximumWeeklyBenefit: 500 });
    await stack.api.activate(TARGET, '1.1.0', 'back to 1.1.0 for the next tests', 'dana');
    const restored = await stack.api.invoke(TARGET, { claimId: 'C-9', baseQuarters: quarters, dependants: 0 });
    expect(restored.payload).toMatchObject({ calculatorVersion: '1.1.0', maximumWeeklyBenefit: 1105 });
  });

  it('rolls 1.2.0 back by itself when its error alarm fires during the canary, leaving 1.1.0 live', async () => {
    const { changeId } = await stack.api.propose(await exampleChange('1.2.0-itemised-dependants.json'));
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    await approveByLink(changeId);
    const ended = waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);
    const traffic = await trafficUntil(stack.api, ended);
    const change = await ended;

    expect(change.status).toBe('rolled_back');
    expect(change.reason).toMatch(/cmv-benefit-calculator-error-rate in ALARM/);
    expect(change.deployment?.history.at(-1)?.decision).toBe('rollback');
    // Never promoted. At which weight the alarm fires depends on how many requests reach the new version
    // within a bake (a second of wall clock here), which a loaded machine changes: at 100 % too, before promotion.
    expect(change.deployment?.history.map((h) => h.decision)).not.toContain('promote');
    const { fromFunctionVersion, toFunctionVersion = '' } = change.deployment ?? { fromFunctionVersion: '' };
    expect(traffic[toFunctionVersion]?.errors).toBeGreaterThan(0);
    const target = await aliasRoutes(stack.api, TARGET, { [fromFunctionVersion]: 100 });
    expect(target.liveVersion).toBe('1.1.0');
    expect(fromFunctionVersion).toBe(target.liveFunctionVersion);
    const execution = await executionEnded(stack, changeId);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'ChangeRolledBack' });
    // Whoever rolled back first — the alarm's event (at once) or the workflow's check after a bake slice —
    // the rollback is recorded once and the workflow ends through it.
    const rollbacks = (await stack.api.audit({ changeId, type: 'ChangeRolledBack' }, 'erin')).items;
    expect(rollbacks).toEqual([expect.objectContaining({ details: expect.objectContaining({ trigger: expect.stringMatching(/^(alarm|workflow)$/) }) })]);
    expect(execution?.history.some((h) => h.state === 'Rollback' || h.state === 'RolledBack')).toBe(true);
  });

  it('stops a change whose tests fail before it receives any traffic', async () => {
    const { changeId } = await stack.api.propose(await exampleChange('1.3.0-round-to-cents.json'));
    const change = await waitForStatus(stack.api, changeId, ['tests_failed', 'awaiting_approval', 'failed']);

    expect(change.status).toBe('tests_failed');
    expect(change.tests).toMatchObject({ passed: false, buildStatus: 'FAILED' });
    expect(change.deployment).toBeUndefined();
    expect(await executionEnded(stack, changeId)).toMatchObject({ status: 'FAILED', error: 'TestsFailed' });
    const versions = await stack.api.versions(TARGET);
    expect(versions.items.find((v) => v.version === '1.3.0')).toMatchObject({ testsPassed: false, status: 'tests_failed' });
  });

  it('ends a change rejected by an approver as rejected, with the reason, and never deploys it', async () => {
    const { changeId } = await stack.api.propose(
      await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.4.0', title: 'Same code, to be rejected', redeploy: true }),
    );
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);

    const change = await stack.api.decide(changeId, 'reject', 'no ticket reference', 'bob');

    expect(change.status).toBe('rejected');
    expect(change.reason).toBe('rejected by bob: no ticket reference');
    expect(await executionEnded(stack, changeId)).toMatchObject({ status: 'FAILED', error: 'ChangeRejected' });
    expect((await stack.api.change(changeId)).deployment).toBeUndefined();
  });

  it('writes the release notes of a range: the released versions with their approvers and tests, the others apart (API and `cmv release-notes`)', async () => {
    const notes = await stack.api.releaseNotes(TARGET, '1.0.0', '1.4.0');
    const cli = await new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
      execFile(
        join(ROOT, 'node_modules', '.bin', 'tsx'),
        [join(ROOT, 'bin', 'cmv.ts'), 'release-notes', TARGET, '1.0.0..1.4.0'],
        { env: { ...process.env, CMV_API_URL: stack.runtime.url, CMV_USER: 'carol', CMV_TOKEN: undefined } },
        (err, stdout, stderr) => done({ code: err ? 1 : 0, stdout, stderr }),
      ),
    );

    expect(notes.released.map((n) => n.version)).toEqual(['1.1.0', '1.1.1']);
    expect(notes.released[0]).toMatchObject({
      title: 'Exclude seasonal bonuses from base-period income',
      changeType: 'standard',
      riskLevel: 'medium',
      requester: 'alice',
      approvers: [{ approver: 'bob' }],
      tests: expect.arrayContaining([{ suite: 'unit', passed: true }]),
    });
    expect(notes.released[0].deployedAt).toEqual(expect.any(String));
    expect(notes.notReleased.map((n) => [n.version, n.status])).toEqual([
      ['1.2.0', 'rolled_back'],
      ['1.3.0', 'tests_failed'],
      ['1.4.0', 'rejected'],
    ]);
    expect(cli).toMatchObject({ code: 0, stdout: `${notes.markdown}\n` });
    expect(cli.stdout).toMatch(/^## 1\.1\.0 \(\d{4}-\d\d-\d\d\): Exclude seasonal bonuses from base-period income$/m);
    expect(cli.stdout).toMatch(/^- Approved by: bob \(/m);
    await expect(stack.api.releaseNotes(TARGET, '1.4.0', '1.0.0')).rejects.toMatchObject({ status: 400 });
  });

  it('made no AWS call a role does not allow, over every change above (proposal, tests, approval, bakes woken by their schedules, rollback)', () => {
    // THEN: each handler called only what its role in the synthesized stack allows
    expect(stack.runtime.iam).toBeDefined();
    expect(stack.runtime.iam?.denials.map((d) => `${d.entry}: ${d.action} on ${d.resource}`)).toEqual([]);
  });

  it('keeps a hash chain that verifies, and detects an altered or a missing ledger entry', async () => {
    const before = await stack.api.verify('erin');
    expect(before).toMatchObject({ valid: true });
    const db = new DynamoDBClient(stack.runtime.dynamo);
    const key = { chain: { S: `target:${TARGET}` }, seq: { N: '3' } };

    await db.send(
      new UpdateItemCommand({
        TableName: LOCAL_LEDGER_TABLE,
        Key: key,
        UpdateExpression: 'SET actor = :a',
        ExpressionAttributeValues: { ':a': { S: 'mallory' } },
      }),
    );
    const altered = await stack.api.verify('erin');
    await db.send(new DeleteItemCommand({ TableName: LOCAL_LEDGER_TABLE, Key: key }));
    const missing = await stack.api.verify('erin');

    expect(altered).toMatchObject({ valid: false, firstBadSeq: 3 });
    expect(altered.reason).toMatch(/altered/);
    expect(missing).toMatchObject({ valid: false, firstBadSeq: 3 });
    expect(missing.reason).toMatch(/missing/);
    db.destroy();
  });
});
