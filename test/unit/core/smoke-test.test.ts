import { judgeSmokeTest } from '../../../lambdas/core/smoke-test';

const test = { name: 'one claim', payload: { claimId: 'c-1' }, expect: { statusCode: 200, body: { weeklyBenefit: 600 } } };

describe('judgeSmokeTest()', () => {
  it('passes when the expected version answered and the result contains the expected fields', () => {
    const result = judgeSmokeTest(test, { executedVersion: '3', ok: true, payload: { statusCode: 200, body: { weeklyBenefit: 600, extra: 1 } } }, '3');

    expect(result).toEqual({ name: 'one claim', passed: true, reason: 'ok', executedVersion: '3' });
  });

  it('fails when another version answered', () => {
    const result = judgeSmokeTest(test, { executedVersion: '2', ok: true, payload: { statusCode: 200, body: { weeklyBenefit: 600 } } }, '3');

    expect(result).toMatchObject({ passed: false, reason: 'ran version 2, expected 3' });
  });

  it('fails on a function error, quoting it', () => {
    const result = judgeSmokeTest(test, { executedVersion: '3', ok: false, payload: { errorType: 'TypeError', errorMessage: 'boom' } }, '3');

    expect(result.passed).toBe(false);
    expect(result.reason).toContain('function error');
    expect(result.reason).toContain('boom');
  });

  it('fails when a field differs', () => {
    const result = judgeSmokeTest(test, { executedVersion: '3', ok: true, payload: { statusCode: 200, body: { weeklyBenefit: 601 } } }, '3');

    expect(result.passed).toBe(false);
    expect(result.reason).toContain('does not contain');
  });

  it('passes on any successful result when nothing is expected', () => {
    expect(judgeSmokeTest({ name: 'ping', payload: null }, { executedVersion: '3', ok: true, payload: 'pong' }, '3').passed).toBe(true);
  });

  it('compares a scalar expectation exactly', () => {
    expect(judgeSmokeTest({ name: 'ping', payload: null, expect: 'pong' }, { executedVersion: '3', ok: true, payload: 'pong' }, '3').passed).toBe(true);
    expect(judgeSmokeTest({ name: 'ping', payload: null, expect: 'pong' }, { executedVersion: '3', ok: true, payload: 'ping' }, '3').passed).toBe(false);
  });
});
