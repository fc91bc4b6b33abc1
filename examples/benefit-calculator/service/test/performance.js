'use strict';
// Performance check (CMV's "performance" suite): 20,000 claims must be computed within the budget.
// Plain script, not node:test, so `node --test` (unit/regression) does not run it.
const { handler } = require('../src/index');

const BUDGET_MS = Number(process.env.PERF_BUDGET_MS || 2000);
const claim = (i) => ({
  claimId: `P-${i}`,
  baseQuarters: [
    { quarter: '2025Q3', wages: 8000 + (i % 500), seasonalBonus: 0 },
    { quarter: '2025Q4', wages: 9000 + (i % 700), seasonalBonus: i % 3 ? 0 : 1200 },
    { quarter: '2026Q1', wages: 7000, seasonalBonus: 0 },
    { quarter: '2026Q2', wages: 9500, seasonalBonus: 0 },
  ],
  dependants: i % 4,
});

(async () => {
  const started = process.hrtime.bigint();
  for (let i = 0; i < 20000; i++) await handler(claim(i));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`20000 claims in ${ms.toFixed(0)} ms (budget ${BUDGET_MS} ms)`);
  if (ms > BUDGET_MS) process.exit(1);
})();
