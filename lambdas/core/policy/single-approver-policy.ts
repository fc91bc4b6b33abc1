import { ChangePolicy } from './change-policy';

/**
 * CMV's default policy before the seeds' rules (examples/policy-single-approver.yaml holds it as a
 * file): one peer approver for medium and low risk production changes, one CAB member for critical
 * risk. Start CMV with that file to keep this behaviour; the test stacks do, unless a test names a
 * policy, so that a test says who approves only when approving is what it tests.
 */
export const SINGLE_APPROVER_POLICY: ChangePolicy = ChangePolicy.parse({
  name: 'CMV single-approver change-control policy',
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
      description: 'Critical risk: the CAB and an executive, the full test matrix, the Saturday window.',
      match: { riskLevels: ['critical'] },
      approvals: [
        { name: 'Change Advisory Board', roles: ['cab'], quorum: { count: 1 } },
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
      description: 'Medium risk: one peer approver, any time outside blackouts.',
      match: { riskLevels: ['medium'] },
      approvals: [{ name: 'Peer review', roles: ['approver'], quorum: { count: 1 } }],
      tests: ['lint', 'unit', 'integration'],
      approvalTimeoutHours: 48,
    },
    {
      id: 'low-risk',
      description: 'Low risk (and anything else): one peer approver.',
      match: {},
      approvals: [{ name: 'Peer review', roles: ['approver'], quorum: { count: 1 } }],
      tests: ['lint', 'unit'],
      approvalTimeoutHours: 24,
    },
  ],
});
