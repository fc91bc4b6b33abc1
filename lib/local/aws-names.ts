/**
 * Where the local runtime "is deployed": its account, region and the names of the resources the CDK
 * stack leaves to CloudFormation (tables, bucket, topic…). The runtime names its stand-ins' resources
 * with these, and the local IAM check resolves the synthesized template with the same ones, so that a
 * grant in the template names exactly what the local runtime calls (lib/local/iam/synth-role-policies.ts).
 */
export const LOCAL_AWS = { partition: 'aws', region: 'local', account: '000000000000' } as const;

/** The stack's name locally: the names the stack derives from it (the state machine's) are the local runtime's. */
export const LOCAL_STACK_NAME = 'cmv';

/** The local names of CMV's resources. */
export const LOCAL_NAMES = {
  /** By table definition id (lambdas/adapters/tables.ts). */
  tables: { Changes: 'cmv-changes', AuditChains: 'cmv-audit-chains', Idempotency: 'cmv-idempotency' },
  artifactBucket: 'cmv-artifacts',
  approvalTopic: 'cmv-approvals',
  linkSecret: 'cmv-link-secret',
  key: 'cmv-key',
  /** The ledger's digests: the append-only bucket (S3 Object Lock in AWS) and the signing key. */
  digestBucket: 'cmv-digests',
  digestKey: 'cmv-ledger-digests',
  /** The key that signs versions' bundle manifests. */
  bundleKey: 'cmv-bundles',
  /** AWS Signer's profile of the code CMV deploys: `<stack>_code`, as CodeSigning (lib/constructs/code-signing.ts) names it. */
  codeSigningProfile: `${LOCAL_STACK_NAME}_code`,
  codeDeployApplication: 'cmv',
  /** EventBridge Scheduler's group of the workflow's wake-ups, and the role its schedules invoke the wake function with (CmvWakes). */
  wakeScheduleGroup: 'cmv-wakes',
  wakeSchedulerRole: 'cmv-wake-scheduler',
  /** The function the wake-ups invoke (lambdas/handlers/scheduled/wake-due.ts). */
  wakeFunction: 'cmv-wake-due',
  /** `<stack>-change-lifecycle`, as CmvWorkflow names it. */
  stateMachine: `${LOCAL_STACK_NAME}-change-lifecycle`,
} as const;

const { partition, region, account } = LOCAL_AWS;

/** Local ARNs, formatted as AWS formats them. */
export const localArn = {
  stateMachine: (name: string) => `arn:${partition}:states:${region}:${account}:stateMachine:${name}`,
  topic: (name: string) => `arn:${partition}:sns:${region}:${account}:${name}`,
  secret: (name: string) => `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}`,
  function: (name: string) => `arn:${partition}:lambda:${region}:${account}:function:${name}`,
  key: (id: string) => `arn:${partition}:kms:${region}:${account}:key/${id}`,
  role: (name: string) => `arn:${partition}:iam::${account}:role/${name}`,
};
