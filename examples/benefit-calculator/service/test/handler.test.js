'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');

// The handler reads its environment once, when loaded: set it as target.json does, then load it.
Object.assign(process.env, { MAX_WEEKLY_BENEFIT: '1105', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' });
const { handler } = require('../src/index');
const { load } = require('../src/config');
const { version } = require('../package.json');

const event = {
  claimId: 'C-1001',
  baseQuarters: [
    { quarter: '2025Q3', wages: 9100, seasonalBonus: 0 },
    { quarter: '2025Q4', wages: 10400, seasonalBonus: 0 },
    { quarter: '2026Q1', wages: 8800, seasonalBonus: 0 },
    { quarter: '2026Q2', wages: 9900, seasonalBonus: 0 },
  ],
  dependants: 2,
};

test('handler returns the decision and the version that made it', async () => {
  // (10,400 + 9,900) / 26 = 780.77 a week → $390; + 2 × $25.
  assert.deepEqual(await handler(event), {
    claimId: 'C-1001',
    eligible: true,
    weeklyBenefitRate: 390,
    dependencyAllowance: 50,
    weeklyBenefitAmount: 440,
    basePeriodWages: 38200,
    averageWeeklyWage: 780.77,
    maximumWeeklyBenefit: 1105,
    rule: 'M.G.L. c.151A §§1(w), 24(a), 29(a), 29(c)',
    calculatorVersion: version,
  });
});

test('handler answers an ineligible claim with a reason, not an error', async () => {
  const wages = [1000, 1500, 2000, 1500];
  const baseQuarters = event.baseQuarters.map((q, i) => ({ ...q, wages: wages[i] }));
  const result = await handler({ ...event, baseQuarters });
  assert.equal(result.eligible, false);
  assert.match(result.reason, /minimum/);
  assert.equal(result.calculatorVersion, version);
});

test('handler rejects invalid input with a ValidationError', async () => {
  await assert.rejects(handler({ ...event, baseQuarters: [] }), { name: 'ValidationError' });
  await assert.rejects(handler(undefined), { name: 'ValidationError' });
});

test('config: defaults for unset variables, numbers for set ones, a clear error for malformed ones', () => {
  assert.deepEqual(load({}), { maxWeeklyBenefit: 1105, minBasePeriodWages: 6300, dependencyAllowance: 25, wageRecordsLatencyMs: 0 });
  assert.equal(load({ MAX_WEEKLY_BENEFIT: '1200' }).maxWeeklyBenefit, 1200);
  assert.throws(() => load({ MIN_BASE_PERIOD_WAGES: 'lots' }), /MIN_BASE_PERIOD_WAGES must be a non-negative number/);
  assert.throws(() => load({ DEPENDENCY_ALLOWANCE: '-25' }), /DEPENDENCY_ALLOWANCE/);
  assert.equal(load({ WAGE_RECORDS_LATENCY_MS: '500' }).wageRecordsLatencyMs, 500);
  assert.throws(() => load({ WAGE_RECORDS_LATENCY_MS: '1.5' }), /WAGE_RECORDS_LATENCY_MS must be a whole number/);
});
