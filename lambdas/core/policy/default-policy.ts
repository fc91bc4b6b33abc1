import { ChangePolicy } from './change-policy';

/**
 * CMV's default change-control policy (README "The default policy" shows it as a table), the rules of
 * the change-control process CMV serves (its seeds), after ITIL 4 change enablement:
 * - a production change needs at least two approvers: two peers for medium and low risk, a majority
 *   of the CAB for high risk, the whole CAB (unanimous) and an executive for critical risk;
 * - high and critical risk start only in the Saturday 02:00–04:00 window (Europe/Berlin);
 * - emergency changes go to the emergency CAB, bypass the windows, and need a post-implementation review;
 * - non-production changes are pre-approved.
 * Tests follow the testing matrix: the higher the risk, the more suites. The single-approver policy
 * of earlier versions stays reachable as a file (examples/policy-single-approver.yaml).
 */
export const DEFAULT_POLICY: ChangePolicy = ChangePolicy.parse({
  name: 'CMV default change-control policy',
  timeZone: 'Europe/Berlin',
  blackouts: [],
  rules: [
    {
      id: 'non-production',
      description: 'Changes to non-production environments are pre-approved.',
      match: { environments: ['development', 'staging'] },
      approvals: [],
      tests: ['lint', 'unit'],
      approvalTimeoutHours: 24,
    },
    {
      id: 'emergency',
      description: 'Restore service now: the emergency CAB decides, no window, review afterwards.',
      match: { changeTypes: ['emergency'] },
      approvals: [{ name: 'Emergency CAB', roles: ['cab', 'executive'], quorum: { count: 1 } }],
      tests: ['unit', 'security'],
      bypassWindows: true,
      testsAfterDeploy: true,
      postImplementationReview: true,
      approvalTimeoutHours: 4,
      canary: { steps: [25, 100], bakeSeconds: 60 },
    },
    {
      id: 'critical-risk',
      description: 'Critical risk: the whole CAB and an executive, the full test matrix, the Saturday window.',
      match: { riskLevels: ['critical'] },
      approvals: [
        { name: 'Change Advisory Board', roles: ['cab'], quorum: 'unanimous' },
        { name: 'Executive sign-off', roles: ['executive'], quorum: { count: 1 } },
      ],
      tests: ['lint', 'unit', 'integration', 'regression', 'performance', 'security'],
      windows: [{ days: ['sat'], start: '02:00', end: '04:00' }],
      approvalTimeoutHours: 72,
      canary: { steps: [5, 25, 50, 100], bakeSeconds: 300 },
    },
    {
      id: 'high-risk',
      description: 'High risk: a majority of the CAB, the Saturday window.',
      match: { riskLevels: ['high'] },
      approvals: [{ name: 'Change Advisory Board', roles: ['cab'], quorum: 'majority' }],
      tests: ['lint', 'unit', 'integration', 'regression', 'security'],
      windows: [{ days: ['sat'], start: '02:00', end: '04:00' }],
      approvalTimeoutHours: 72,
    },
    {
      id: 'medium-risk',
      description: 'Medium risk in production: two peer approvers, any time outside blackouts.',
      match: { riskLevels: ['medium'] },
      approvals: [{ name: 'Peer review', roles: ['approver'], quorum: { count: 2 } }],
      tests: ['lint', 'unit', 'integration'],
      approvalTimeoutHours: 48,
    },
    {
      id: 'low-risk',
      description: 'Low risk in production (and anything else): two peer approvers.',
      match: {},
      approvals: [{ name: 'Peer review', roles: ['approver'], quorum: { count: 2 } }],
      tests: ['lint', 'unit'],
      approvalTimeoutHours: 24,
    },
  ],
});
