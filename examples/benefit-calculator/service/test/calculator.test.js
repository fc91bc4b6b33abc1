'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { calculateBenefit, quarterIncome, ValidationError } = require('../src/calculator');

// The figures of target.json: §29(a) maximum, §24(a) minimum, §29(c) allowance per child.
const CONFIG = { maxWeeklyBenefit: 1105, minBasePeriodWages: 6300, dependencyAllowance: 25 };
const QUARTERS = ['2025Q3', '2025Q4', '2026Q1', '2026Q2'];

/** A claim whose four base-period quarters paid `wages` (and `bonuses`). */
function claim(wages, { bonuses = [0, 0, 0, 0], dependants = 0 } = {}) {
  return {
    claimId: 'C-TEST',
    baseQuarters: QUARTERS.map((quarter, i) => ({ quarter, wages: wages[i], seasonalBonus: bonuses[i] })),
    dependants,
  };
}

const isValidationError = (pattern) => (err) =>
  err instanceof ValidationError && err.name === 'ValidationError' && pattern.test(err.message);

test('§29(a): half of the two highest quarters over 26 weeks, rounded to the next lower dollar', () => {
  // (10,400 + 9,900) / 26 = 780.77 a week; half is 390.38, paid as $390.
  const result = calculateBenefit(claim([9100, 10400, 8800, 9900]), CONFIG);
  assert.equal(result.eligible, true);
  assert.equal(result.basePeriodWages, 38200);
  assert.equal(result.averageWeeklyWage, 780.77);
  assert.equal(result.weeklyBenefitRate, 390);
  assert.equal(result.dependencyAllowance, 0);
  assert.equal(result.weeklyBenefitAmount, 390);
});

test('seasonal bonuses count as income of the quarter they are paid in', () => {
  // 2025Q4 pays 10,400 + 1,500 = 11,900: (11,900 + 9,900) / 26 = 838.46 a week; half is 419.23 → $419.
  assert.equal(quarterIncome({ quarter: '2025Q4', wages: 10400, seasonalBonus: 1500 }), 11900);
  const result = calculateBenefit(claim([9100, 10400, 8800, 9900], { bonuses: [0, 1500, 0, 0] }), CONFIG);
  assert.equal(result.basePeriodWages, 39700);
  assert.equal(result.averageWeeklyWage, 838.46);
  assert.equal(result.weeklyBenefitRate, 419);
});

test('§1(w): wages in two or fewer quarters are averaged over the highest quarter alone', () => {
  // 9,000 / 13 = 692.31 a week; half is 346.15 → $346 (15,000 / 26 would have given only $288).
  const result = calculateBenefit(claim([0, 0, 6000, 9000]), CONFIG);
  assert.equal(result.eligible, true);
  assert.equal(result.averageWeeklyWage, 692.31);
  assert.equal(result.weeklyBenefitRate, 346);
});

test('§29(a): the rate is capped at the maximum; the dependency allowance is paid on top', () => {
  // (32,000 + 31,000) / 26 = 2,423.08 a week; half is 1,211 but the maximum is 1,105; + 3 × 25 = 1,180.
  const result = calculateBenefit(claim([30000, 32000, 31000, 29000], { dependants: 3 }), CONFIG);
  assert.equal(result.weeklyBenefitRate, 1105);
  assert.equal(result.dependencyAllowance, 75);
  assert.equal(result.weeklyBenefitAmount, 1180);
  assert.equal(result.maximumWeeklyBenefit, 1105);
});

test('§29(c): $25 a week per dependent child', () => {
  // $390 (first test) + 2 × 25 = $440.
  const result = calculateBenefit(claim([9100, 10400, 8800, 9900], { dependants: 2 }), CONFIG);
  assert.equal(result.dependencyAllowance, 50);
  assert.equal(result.weeklyBenefitAmount, 440);
});

test('§29(c): the dependency allowance is at most half the rate', () => {
  // 3,150 / 26 = 121.15 a week → rate $60; 3 children would be $75, but half the rate is $30.
  const result = calculateBenefit(claim([1575, 1575, 1575, 1575], { dependants: 3 }), CONFIG);
  assert.equal(result.eligible, true);
  assert.equal(result.weeklyBenefitRate, 60);
  assert.equal(result.dependencyAllowance, 30);
  assert.equal(result.weeklyBenefitAmount, 90);
});

test('§24(a): base-period wages below the minimum are ineligible', () => {
  const result = calculateBenefit(claim([1000, 1500, 2000, 1500], { dependants: 1 }), CONFIG);
  assert.equal(result.eligible, false);
  assert.match(result.reason, /below the §24\(a\) minimum of \$6300/);
  assert.equal(result.basePeriodWages, 6000);
  assert.equal(result.weeklyBenefitAmount, 0);
});

test('§24(a): base-period wages below 30 times the rate are ineligible', () => {
  // One big quarter: 12,000 / 13 = 923.08 a week → rate $461; 30 × 461 = 13,830 > 13,000 paid.
  const result = calculateBenefit(claim([0, 0, 12000, 1000]), CONFIG);
  assert.equal(result.eligible, false);
  assert.match(result.reason, /30 × the weekly benefit rate \$461 = \$13830/);
  assert.equal(result.weeklyBenefitRate, 0);
});

test('§24(a): no wages at all is an ineligible claim, not an error', () => {
  const result = calculateBenefit(claim([0, 0, 0, 0]), { ...CONFIG, minBasePeriodWages: 0 });
  assert.equal(result.eligible, false);
  assert.match(result.reason, /no wages/);
});

test('wages with cents are summed exactly before rounding down', () => {
  // 5,200.30 + 5,199.70 is 10,400.00 exactly (not 10,399.999… in floating point): 400 a week → $200.
  const result = calculateBenefit(claim([5200.3, 5199.7, 100, 100]), CONFIG);
  assert.equal(result.weeklyBenefitRate, 200);
});

test('a missing seasonalBonus counts as none', () => {
  const event = claim([9100, 10400, 8800, 9900]);
  for (const q of event.baseQuarters) delete q.seasonalBonus;
  assert.equal(calculateBenefit(event, CONFIG).weeklyBenefitRate, 390);
});

test('invalid claims throw a ValidationError', () => {
  const valid = claim([9100, 10400, 8800, 9900]);
  const cases = [
    [null, /object/],
    [{ ...valid, claimId: '' }, /claimId/],
    [{ ...valid, baseQuarters: valid.baseQuarters.slice(0, 3) }, /4 quarters/],
    [claim([9100, -5, 8800, 9900]), /baseQuarters\[1\]\.wages/],
    [claim([9100, undefined, 8800, 9900]), /baseQuarters\[1\]\.wages/],
    [claim([9100, '10400', 8800, 9900]), /baseQuarters\[1\]\.wages/],
    [claim([9100, 10400, 8800, 9900], { bonuses: [0, -1, 0, 0] }), /seasonalBonus/],
  ];
  for (const [event, pattern] of cases) {
    assert.throws(() => calculateBenefit(event, CONFIG), isValidationError(pattern));
  }
});

test('dependants must be a count of dependent children', () => {
  for (const dependants of [-1, 1.5, '2']) {
    const event = claim([9100, 10400, 8800, 9900], { dependants });
    assert.throws(() => calculateBenefit(event, CONFIG), isValidationError(/dependants/));
  }
});
