import { busEventOf, DETAIL_TYPES, rollbackNotice, UNKNOWN_DETAIL_TYPE } from '../../../lambdas/core/events';
import type { LedgerEntry } from '../../../lambdas/core/ledger';
import { TRANSITIONS } from '../../../lambdas/core/transitions';

const entry = (type: string, details: Record<string, unknown> = {}): LedgerEntry => ({
  chain: 'target:svc',
  seq: 7,
  order: '2026-11-22T10:00:00.000Z#target:svc#000000000007',
  time: '2026-11-22T10:00:00.000Z',
  type,
  changeId: 'chg-1',
  target: 'svc',
  actor: 'cmv-workflow',
  details,
  prevHash: 'p',
  hash: 'h',
});

describe('events', () => {
  it('names every change transition in words', () => {
    expect(Object.keys(TRANSITIONS).filter((t) => !(t in DETAIL_TYPES))).toEqual([]);
  });

  it('maps a ledger entry to its event: the detail-type, the details, and the entry fields a subscriber checks against the ledger', () => {
    expect(busEventOf(entry('CanaryStepChecked', { weight: 10, decision: 'continue' }))).toEqual({
      detailType: 'Deployment Step Completed',
      time: '2026-11-22T10:00:00.000Z',
      detail: {
        weight: 10,
        decision: 'continue',
        ledgerType: 'CanaryStepChecked',
        chain: 'target:svc',
        seq: 7,
        hash: 'h',
        changeId: 'chg-1',
        target: 'svc',
        actor: 'cmv-workflow',
      },
    });
  });

  it('names a read of the audit trail (AuditQueried, chain audit-reads) as such, not as an unknown entry', () => {
    expect(busEventOf(entry('AuditQueried', { query: {} })).detailType).toBe('Audit Queried');
  });

  it('lets the entry fields win over details of the same name, and names an unknown type generically', () => {
    const e = busEventOf(entry('SomethingNew', { seq: 99, hash: 'forged' }));
    expect(e.detailType).toBe(UNKNOWN_DETAIL_TYPE);
    expect(e.detail).toMatchObject({ chain: 'target:svc', seq: 7, hash: 'h', ledgerType: 'SomethingNew' });
  });

  it('writes a rollback notice with who, why and the alarm, and none for other entries', () => {
    const notice = rollbackNotice({
      ...entry('ChangeRolledBack', { reason: 'error rate 12 %', trigger: 'alarm', alarm: 'cmv-svc-error-rate' }),
      actor: 'alarm:cmv-svc-error-rate',
    });
    expect(notice?.subject).toBe('CMV: change chg-1 to svc was rolled back');
    expect(notice?.text).toContain('rolled back by alarm:cmv-svc-error-rate (alarm)');
    expect(notice?.text).toContain('Reason: error rate 12 %');
    expect(notice?.text).toContain('Alarm: cmv-svc-error-rate');
    expect(rollbackNotice(entry('ChangeDeployed'))).toBeUndefined();
  });
});
