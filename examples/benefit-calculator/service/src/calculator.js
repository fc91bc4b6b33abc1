'use strict';

/**
 * Weekly unemployment-insurance benefit of a claim under Massachusetts General Laws chapter 151A.
 * Pure functions: no environment, no I/O. Amounts are dollars (cents allowed on input); the arithmetic
 * runs in whole cents so that "rounded to the next lower full dollar amount" is exact, not float noise.
 */

const RULE = 'M.G.L. c.151A §§1(w), 24(a), 29(a), 29(c)';

// §1(a): the base period is four completed calendar quarters; callers send all four, empty ones as 0.
const QUARTERS_IN_BASE_PERIOD = 4;
// §1(w): the average weekly wage spreads the two highest quarters over the 26 weeks they contain...
const WEEKS_IN_TWO_QUARTERS = 26;
// ...but someone paid in two or fewer quarters is averaged over the 13 weeks of the highest quarter alone,
// so that empty quarters do not dilute a short work history (see README for this reading).
const WEEKS_IN_ONE_QUARTER = 13;
// §24(a): base-period wages must cover at least 30 weeks of the benefit rate, i.e. a real attachment to work.
const WEEKS_OF_RATE_REQUIRED = 30;
// §29(c): all children's allowances together may not exceed half the weekly benefit rate (see README).
const DEPENDENCY_CAP_SHARE = 0.5;

class ValidationError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ValidationError';
  }
}

const isAmount = (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const toCents = (dollars) => Math.round(dollars * 100);

/** Checks the event and returns the claim with defaults filled in; throws ValidationError otherwise. */
function validateClaim(event) {
  if (event === null || typeof event !== 'object') throw new ValidationError('event must be an object');
  const { claimId, baseQuarters, dependants } = event;
  if (typeof claimId !== 'string' || claimId.trim() === '') {
    throw new ValidationError('claimId must be a non-empty string');
  }
  if (!Array.isArray(baseQuarters) || baseQuarters.length !== QUARTERS_IN_BASE_PERIOD) {
    throw new ValidationError(`baseQuarters must list the ${QUARTERS_IN_BASE_PERIOD} quarters of the base period`);
  }
  const quarters = baseQuarters.map((q, i) => {
    if (q === null || typeof q !== 'object') throw new ValidationError(`baseQuarters[${i}] must be an object`);
    if (!isAmount(q.wages)) throw new ValidationError(`baseQuarters[${i}].wages must be a non-negative number`);
    const seasonalBonus = q.seasonalBonus ?? 0;
    if (!isAmount(seasonalBonus)) {
      throw new ValidationError(`baseQuarters[${i}].seasonalBonus must be a non-negative number`);
    }
    return { quarter: String(q.quarter ?? `#${i + 1}`), wages: q.wages, seasonalBonus };
  });
  if (dependants !== undefined && !(Number.isInteger(dependants) && dependants >= 0)) {
    throw new ValidationError('dependants must be the number of dependent children (a non-negative integer)');
  }
  return { claimId, baseQuarters: quarters, dependants: dependants ?? 0 };
}

/** Income of one base-period quarter, in dollars. */
function quarterIncome(quarter) {
  let income = quarter.wages;
  // §1 counts every form of remuneration for employment as wages, so a seasonal bonus paid in the
  // quarter raises that quarter's wages like any other pay.
  income += quarter.seasonalBonus;
  return income;
}

/**
 * §1(w) average weekly wage, in cents (not rounded): the two highest quarters over 26 weeks, or, for
 * someone paid in two or fewer quarters, the highest quarter over 13 weeks.
 */
function averageWeeklyWageCents(quarterCents) {
  const sorted = [...quarterCents].sort((a, b) => b - a);
  const quartersWithWages = sorted.filter((c) => c > 0).length;
  if (quartersWithWages <= 2) return sorted[0] / WEEKS_IN_ONE_QUARTER;
  return (sorted[0] + sorted[1]) / WEEKS_IN_TWO_QUARTERS;
}

/** §29(a) weekly benefit rate in dollars: half the average weekly wage, capped at the maximum. */
function weeklyBenefitRate(awwCents, maximumWeeklyBenefit) {
  // §29(a) rounds "to the next lower full dollar amount", so partial dollars are dropped, never rounded up.
  const rate = Math.floor(awwCents / 2 / 100);
  // §29(a) caps the rate (not the dependency allowance) at 57.5% of the statewide average weekly wage,
  // a figure DUA publishes each October: configured as MAX_WEEKLY_BENEFIT.
  return Math.min(rate, maximumWeeklyBenefit);
}

/** §29(c) dependency allowance in dollars for `children` dependent children. */
function dependencyAllowance(rate, children, perChild) {
  // The allowance is paid on top of the rate, but the total may not exceed half the rate; the half is
  // taken to the next lower dollar, as §29(a) does for the rate itself.
  return Math.min(children * perChild, Math.floor(rate * DEPENDENCY_CAP_SHARE));
}

/** §24(a) monetary eligibility: the reason the claim fails it, or null when it passes. */
function ineligibilityReason(basePeriodCents, rate, minBasePeriodWages) {
  const wages = basePeriodCents / 100;
  if (basePeriodCents < toCents(minBasePeriodWages)) {
    return `base-period wages $${wages} are below the §24(a) minimum of $${minBasePeriodWages}`;
  }
  const required = WEEKS_OF_RATE_REQUIRED * rate;
  if (basePeriodCents < toCents(required)) {
    return (
      `base-period wages $${wages} are below ${WEEKS_OF_RATE_REQUIRED} × the weekly benefit rate ` +
      `$${rate} = $${required} (§24(a))`
    );
  }
  return null;
}

/**
 * The weekly benefit of one claim.
 * @param {object} event {claimId, baseQuarters: [{quarter, wages, seasonalBonus}] × 4, dependants: number}
 * @param {{maxWeeklyBenefit: number, minBasePeriodWages: number, dependencyAllowance: number}} config
 */
function calculateBenefit(event, config) {
  const claim = validateClaim(event);
  const children = claim.dependants;
  const quarterCents = claim.baseQuarters.map((q) => toCents(quarterIncome(q)));
  const basePeriodCents = quarterCents.reduce((sum, c) => sum + c, 0);
  const awwCents = averageWeeklyWageCents(quarterCents);
  const result = (fields) => ({
    claimId: claim.claimId,
    ...fields,
    basePeriodWages: basePeriodCents / 100,
    averageWeeklyWage: Math.round(awwCents) / 100,
    maximumWeeklyBenefit: config.maxWeeklyBenefit,
    rule: RULE,
  });
  // An ineligible claim is paid nothing; the wages and average still explain the decision.
  const unpaid = (reason) =>
    result({ eligible: false, reason, weeklyBenefitRate: 0, dependencyAllowance: 0, weeklyBenefitAmount: 0 });

  if (basePeriodCents === 0) return unpaid('no wages were paid in the base period (§24(a))');
  const rate = weeklyBenefitRate(awwCents, config.maxWeeklyBenefit);
  const reason = ineligibilityReason(basePeriodCents, rate, config.minBasePeriodWages);
  if (reason) return unpaid(reason);

  const allowance = dependencyAllowance(rate, children, config.dependencyAllowance);
  return result({
    eligible: true,
    weeklyBenefitRate: rate,
    dependencyAllowance: allowance,
    weeklyBenefitAmount: rate + allowance,
  });
}

module.exports = {
  RULE,
  ValidationError,
  validateClaim,
  quarterIncome,
  averageWeeklyWageCents,
  weeklyBenefitRate,
  dependencyAllowance,
  calculateBenefit,
};
