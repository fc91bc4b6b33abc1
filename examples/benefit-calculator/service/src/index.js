'use strict';

const { calculateBenefit } = require('./calculator');
const { config } = require('./config');
// Each deployed version reports itself, so a canary's responses show which version answered.
const { version } = require('../package.json');

/**
 * Lambda handler. Event: {claimId, baseQuarters: [{quarter, wages, seasonalBonus}] × 4, dependants}.
 * Returns the benefit decision; invalid input throws a ValidationError (a failed invocation).
 */
exports.handler = async (event) => ({ ...calculateBenefit(event, config), calculatorVersion: version });
