'use strict';

const { calculateBenefit } = require('./calculator');
const { config } = require('./config');
// Each deployed version reports itself, so a canary's responses show which version answered.
const { version } = require('../package.json');

/**
 * Lambda handler. Event: {claimId, baseQuarters: [{quarter, wages, seasonalBonus}] × 4, dependants}.
 * Returns the benefit decision; invalid input throws a ValidationError (a failed invocation).
 */
exports.handler = async (event) => {
  // The wage-records look-up (simulated: the example has no backend), as slow as the configuration says.
  if (config.wageRecordsLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, config.wageRecordsLatencyMs));
  return { ...calculateBenefit(event, config), calculatorVersion: version };
};
