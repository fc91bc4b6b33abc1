'use strict';

/**
 * Configuration from the function's environment, read once at cold start: a published Lambda version's
 * environment never changes, and CMV sets it per version from the change request's `config`.
 * The figures are set outside the statute's text, which is why they are configuration, not code:
 * - MAX_WEEKLY_BENEFIT: §29(a) maximum weekly benefit rate, 57.5% of the statewide average weekly wage,
 *   recomputed by DUA every October ($1,105 is the figure this example assumes).
 * - MIN_BASE_PERIOD_WAGES: §24(a) minimum base-period wages, indexed each January to the minimum wage.
 * - DEPENDENCY_ALLOWANCE: §29(c) weekly allowance per dependent child ($25 in the statute).
 * - WAGE_RECORDS_LATENCY_MS: how long the (simulated) look-up of the claimant's wage records takes, in ms
 *   (default 0). The example has no wage-records backend; this stands in for one that got slower, so
 *   that a change can be slow without being wrong (CMV's health-driven canary rolls it back).
 */

const DEFAULTS = { MAX_WEEKLY_BENEFIT: 1105, MIN_BASE_PERIOD_WAGES: 6300, DEPENDENCY_ALLOWANCE: 25 };

function dollars(env, name) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return DEFAULTS[name];
  const value = Number(raw);
  // A bad figure must stop the cold start: paying claims with a guessed maximum would be worse than failing.
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a non-negative number of dollars, got "${raw}"`);
  }
  return value;
}

function milliseconds(env, name) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return 0;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 60000) {
    throw new Error(`${name} must be a whole number of milliseconds from 0 to 60000, got "${raw}"`);
  }
  return value;
}

/** The configuration in `env` (defaults for unset variables); throws on a malformed value. */
function load(env) {
  return Object.freeze({
    maxWeeklyBenefit: dollars(env, 'MAX_WEEKLY_BENEFIT'),
    minBasePeriodWages: dollars(env, 'MIN_BASE_PERIOD_WAGES'),
    dependencyAllowance: dollars(env, 'DEPENDENCY_ALLOWANCE'),
    wageRecordsLatencyMs: milliseconds(env, 'WAGE_RECORDS_LATENCY_MS'),
  });
}

module.exports = { config: load(process.env), load };
