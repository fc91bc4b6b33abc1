import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ApiError } from '../../lib/client/api-client';
import { approvalLink, exampleChange, headsBesideReads, type Stack, startStack, TARGET, waitForStatus } from '../integration/local-stack';

/**
 * The change request template over HTTP and the workflow: a policy rule's required fields refuse a
 * request that lacks one (400 naming the field and the rule, nothing written); a complete request
 * keeps every field on the change (GET /changes/{id}), in its ChangeProposed ledger entry and on the
 * e-mailed review page.
 */
jest.setTimeout(180_000);

const POLICY = {
  name: 'template policy',
  timeZone: 'UTC',
  rules: [
    {
      id: 'high-risk-paperwork',
      match: { riskLevels: ['high'] },
      approvals: [{ name: 'Peer', roles: ['approver'], quorum: { count: 1 } }],
      tests: ['unit'],
      testsAfterDeploy: true,
      requiredFields: ['justification', 'impactAnalysis', 'rollbackPlan', 'links'],
      approvalTimeoutHours: 24,
    },
    {
      id: 'rest',
      match: {},
      approvals: [{ name: 'Peer', roles: ['approver'], quorum: { count: 1 } }],
      tests: ['unit'],
      testsAfterDeploy: true,
      approvalTimeoutHours: 24,
    },
  ],
};

const TEMPLATE = {
  category: 'code',
  justification: 'Court order: seasonal bonuses are no base-period income.',
  impactAnalysis: { technicalRisk: 'Lower weekly rates for bonus claimants.', securityRisk: 'None: no new inputs.', downtimeMinutes: 0 },
  affectedComponents: [TARGET],
  rollbackPlan: 'Activate 1.0.0 again (cmv activate).',
  testingPlan: 'Unit tests of quarterIncome; a claim with a bonus in its highest quarter.',
  requestedWindow: { start: '2026-12-05T02:00:00+01:00', end: '2026-12-05T04:00:00+01:00' },
  links: ['https://tickets.example.org/CHG-1042'],
};

describe('change request template (local stack)', () => {
  let stack: Stack;
  beforeAll(async () => {
    const policyFile = join(await mkdtemp(join(tmpdir(), 'cmv-template-')), 'policy.yaml');
    await writeFile(policyFile, stringify(POLICY));
    stack = await startStack({ speed: 600, policyFile });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const change = (version: string, overrides: Record<string, unknown>) =>
    exampleChange('1.1.0-seasonal-bonus.json', { version, redeploy: true, riskLevel: 'high', ...overrides });
  const written = async () => ({ head: headsBesideReads((await stack.api.verify('erin')).heads), changes: (await stack.api.changes()).items.length });

  it('refuses a request without the fields its rule requires: 400 naming each field and the rule, nothing written', async () => {
    const before = await written();
    const { justification, links, ...rest } = TEMPLATE;

    const err = (await stack.api.propose(await change('7.0.0', rest)).catch((e: unknown) => e)) as ApiError;
    const dryRun = (await stack.api.plan(await change('7.0.0', rest)).catch((e: unknown) => e)) as ApiError;

    expect(err.status).toBe(400);
    expect(err.body.errors?.map((e) => e.path)).toEqual(['justification', 'links']);
    expect(err.body.errors?.[0].message).toMatch(/required by policy rule high-risk-paperwork/);
    expect(dryRun.status).toBe(400);
    expect(await written()).toEqual(before);
  });

  it.each([
    ['requestedWindow.end', { requestedWindow: { start: '2026-12-05T04:00:00+01:00', end: '2026-12-05T02:00:00+01:00' } }],
    ['requestedWindow.start', { requestedWindow: { start: '2026-12-05T02:00:00', end: '2026-12-05T04:00:00+01:00' } }],
    ['links.0', { links: ['javascript:alert(1)'] }],
    ['impactAnalysis.downtimeMinutes', { impactAnalysis: { ...TEMPLATE.impactAnalysis, downtimeMinutes: -5 } }],
    ['impactAnalysis.downtimeMinutes', { impactAnalysis: { ...TEMPLATE.impactAnalysis, downtimeMinutes: 1.5 } }],
    ['affectedComponents.1', { affectedComponents: [TARGET, 'no-such-service'] }],
    ['category', { category: 'marketing' }],
  ])('refuses %s when it is invalid, writing nothing', async (path, bad) => {
    const before = await written();

    const err = (await stack.api.propose(await change('7.1.0', { ...TEMPLATE, ...bad })).catch((e: unknown) => e)) as ApiError;

    expect(err.status).toBe(400);
    expect(err.body.errors?.map((e) => e.path)).toContain(path);
    expect(await written()).toEqual(before);
  });

  it('keeps every field on the change, in its ChangeProposed entry and on the review page', async () => {
    const { changeId } = await stack.api.propose(await change('7.2.0', TEMPLATE));

    const stored = await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    const proposed = (await stack.api.audit({ changeId, type: 'ChangeProposed' }, 'erin')).items[0];
    const page = await (await fetch(await approvalLink(stack, changeId, 'bob@example.org'))).text();

    const { category, ...fields } = TEMPLATE;
    expect(stored).toMatchObject({ ...fields, category });
    expect(stored.plan).toMatchObject({ category: { name: 'code' }, requiredFields: ['justification', 'impactAnalysis', 'rollbackPlan', 'links'] });
    expect(proposed.details).toMatchObject({ ...fields, category: { name: 'code' }, requiredFields: POLICY.rules[0].requiredFields });
    for (const text of [fields.justification, fields.impactAnalysis.technicalRisk, fields.rollbackPlan, fields.testingPlan, fields.requestedWindow.start]) {
      expect(page).toContain(text);
    }
    expect(page).toContain('<a href="https://tickets.example.org/CHG-1042" rel="noopener noreferrer">');
    expect(page).toContain('<th scope="row">Affected components</th><td>benefit-calculator</td>');
  });

  it('derives the category when the request names none: config for a config-only change, and says so in the plan', async () => {
    const { code, ...configOnly } = await change('7.3.0', {
      config: { MAX_WEEKLY_BENEFIT: '1200', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const withCode = await change('7.3.0', {});

    const config = await stack.api.plan({ ...configOnly, riskLevel: 'low' });
    const code_ = await stack.api.plan({ ...withCode, riskLevel: 'low' });

    expect(code).toBeDefined();
    expect(config.plan.category).toEqual({ name: 'config', derived: expect.stringMatching(/config only/) });
    expect(code_.plan.category).toEqual({ name: 'code', derived: expect.stringMatching(/changes code/) });
  });
});
