import { LOCAL_AWS } from '../aws-names';
import type { IamRequest } from './evaluate';

/** What the stand-ins know that a request does not carry: which group a deployment is in, which state machine a task token belongs to. */
export interface ResourceLookups {
  /** The application and deployment group of a CodeDeploy deployment; undefined when there is none (the stand-in then answers "not found"). */
  deploymentGroupOf(deploymentId: string): Promise<{ readonly application: string; readonly deploymentGroup: string } | undefined>;
  /** The ARN of the state machine whose execution issued a task token. */
  stateMachineOfTaskToken(taskToken: string): Promise<string>;
  /** The customer managed KMS key a bucket, topic or secret (by ARN) is encrypted with; undefined when none. */
  keyOf(resourceArn: string): string | undefined;
}

/** One authorization: the action, the resource, and condition keys of the request beyond the global ones. */
export type Authorization = Pick<IamRequest, 'action' | 'resource'> & { readonly context?: IamRequest['context'] };

/** The IAM requests one API call makes: its action on each resource AWS authorizes it against (all must be allowed). */
type Authorize = (input: Record<string, unknown>, lookups: ResourceLookups) => readonly Authorization[] | Promise<readonly Authorization[]>;

const { partition: P, region: R, account: A } = LOCAL_AWS;
const str = (v: unknown): string => String(v ?? '');
const one = (action: string, resource: string) => [{ action, resource }];

/** A function's ARN as Lambda authorizes a call: qualified when the call names a version or alias (in FunctionName or Qualifier), else unqualified. */
function functionArn(input: Record<string, unknown>, qualified: boolean): string {
  const name = str(input.FunctionName);
  const m = /^(?:arn:[^:]+:lambda:[^:]*:)?(?:\d{12}:)?(?:function:)?([^:]+)(?::([^:]+))?$/.exec(name);
  if (!m) return name;
  const qualifier = input.Qualifier !== undefined ? str(input.Qualifier) : m[2];
  return `arn:${P}:lambda:${R}:${A}:function:${m[1]}${qualified && qualifier ? `:${qualifier}` : ''}`;
}
/** Actions on a function that act on the version or alias a call names (Lambda Developer Guide: "Fine-tuning the Resources and Conditions sections of policies"). */
const onQualifiedFunction =
  (action: string): Authorize =>
  (input) =>
    one(action, functionArn(input, true));
/** Actions on the function itself: publish, code and configuration, aliases, listings. */
const onFunction =
  (action: string): Authorize =>
  (input) =>
    one(action, functionArn(input, false));

const tableArn = (table: unknown) => (str(table).startsWith('arn:') ? str(table) : `arn:${P}:dynamodb:${R}:${A}:table/${str(table)}`);
/** Query and Scan of an index authorize the index's ARN (`table/<t>/index/<i>`). */
const onTableOrIndex =
  (action: string): Authorize =>
  (input) =>
    one(action, input.IndexName ? `${tableArn(input.TableName)}/index/${str(input.IndexName)}` : tableArn(input.TableName));
const onTable =
  (action: string): Authorize =>
  (input) =>
    one(action, tableArn(input.TableName));
/** TransactWriteItems is authorized per item: each item's own action on its table (DynamoDB Developer Guide, "Using IAM with DynamoDB transactions"). */
const TRANSACT_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};
const perTransactItem: Authorize = (input) =>
  ((input.TransactItems as Record<string, { TableName: string }>[] | undefined) ?? []).flatMap((item) =>
    Object.entries(item).map(([kind, op]) => ({ action: TRANSACT_ITEM_ACTIONS[kind] ?? `dynamodb:${kind}`, resource: tableArn(op.TableName) })),
  );
const perBatchTable =
  (action: string): Authorize =>
  (input) =>
    Object.keys((input.RequestItems as object) ?? {}).map((t) => ({ action, resource: tableArn(t) }));

const objectArn = (input: Record<string, unknown>) => `arn:${P}:s3:::${str(input.Bucket)}/${str(input.Key)}`;
const bucketArn = (input: Record<string, unknown>) => `arn:${P}:s3:::${str(input.Bucket)}`;

/**
 * The KMS calls a service makes on the caller's behalf for a resource encrypted with a customer
 * managed key, which the caller's policy must allow with `kms:ViaService` = that service: S3 decrypts
 * an object read and generates a data key for one written (also with a bucket key), SNS does both for
 * a publish, Secrets Manager decrypts a secret read. (DynamoDB uses its own grant on the key.)
 */
function viaKey(resourceArn: string, service: string, actions: readonly string[], lookups: ResourceLookups): Authorization[] {
  const key = lookups.keyOf(resourceArn);
  const context = { 'kms:ViaService': `${service}.${R}.amazonaws.com`, 'kms:CallerAccount': A };
  return key ? actions.map((action) => ({ action, resource: key, context })) : [];
}

const alarmArn = (name: unknown) => `arn:${P}:cloudwatch:${R}:${A}:alarm:${str(name)}`;

const groupArn = (application: string, group: string) => `arn:${P}:codedeploy:${R}:${A}:deploymentgroup:${application}/${group}`;
const configArn = (name: string) => `arn:${P}:codedeploy:${R}:${A}:deploymentconfig:${name}`;
/** Calls on a deployment authorize its deployment group (CodeDeploy User Guide, "CodeDeploy permissions reference"). */
const onDeploymentGroupOf =
  (action: string): Authorize =>
  async (input, lookups) => {
    const d = await lookups.deploymentGroupOf(str(input.deploymentId));
    return d ? one(action, groupArn(d.application, d.deploymentGroup)) : [];
  };

const keyArn = (id: unknown) => (str(id).startsWith('arn:') ? str(id) : `arn:${P}:kms:${R}:${A}:key/${str(id)}`);
const busArn = (name: unknown) => (str(name).startsWith('arn:') ? str(name) : `arn:${P}:events:${R}:${A}:event-bus/${str(name) || 'default'}`);

/**
 * How AWS authorizes each API call CMV's handlers make, by IAM service prefix and operation name (the
 * SDK command's name without `Command`): the IAM action and the resource ARN(s) it is checked against,
 * from the Service Authorization Reference and each service's guide where they are more precise. To
 * let a handler call a new API, add its operation here; a call with no entry fails closed.
 */
export const AUTHORIZATIONS: Readonly<Record<string, Readonly<Record<string, Authorize>>>> = {
  lambda: {
    // The one operation whose IAM action differs from its name.
    Invoke: onQualifiedFunction('lambda:InvokeFunction'),
    GetFunction: onQualifiedFunction('lambda:GetFunction'),
    GetFunctionConfiguration: onQualifiedFunction('lambda:GetFunctionConfiguration'),
    DeleteFunction: onQualifiedFunction('lambda:DeleteFunction'),
    PublishVersion: onFunction('lambda:PublishVersion'),
    UpdateFunctionCode: onFunction('lambda:UpdateFunctionCode'),
    UpdateFunctionConfiguration: onFunction('lambda:UpdateFunctionConfiguration'),
    CreateFunction: onFunction('lambda:CreateFunction'),
    CreateAlias: onFunction('lambda:CreateAlias'),
    GetAlias: onFunction('lambda:GetAlias'),
    UpdateAlias: onFunction('lambda:UpdateAlias'),
    DeleteAlias: onFunction('lambda:DeleteAlias'),
    ListAliases: onFunction('lambda:ListAliases'),
    ListVersionsByFunction: onFunction('lambda:ListVersionsByFunction'),
    // On the version or alias the call names (Lambda Developer Guide, "Fine-tuning the Resources and Conditions sections of policies").
    PutProvisionedConcurrencyConfig: onQualifiedFunction('lambda:PutProvisionedConcurrencyConfig'),
    GetProvisionedConcurrencyConfig: onQualifiedFunction('lambda:GetProvisionedConcurrencyConfig'),
    DeleteProvisionedConcurrencyConfig: onQualifiedFunction('lambda:DeleteProvisionedConcurrencyConfig'),
  },
  dynamodb: {
    GetItem: onTable('dynamodb:GetItem'),
    PutItem: onTable('dynamodb:PutItem'),
    UpdateItem: onTable('dynamodb:UpdateItem'),
    DeleteItem: onTable('dynamodb:DeleteItem'),
    Query: onTableOrIndex('dynamodb:Query'),
    Scan: onTableOrIndex('dynamodb:Scan'),
    TransactWriteItems: perTransactItem,
    TransactGetItems: perTransactItem,
    BatchGetItem: perBatchTable('dynamodb:BatchGetItem'),
    BatchWriteItem: perBatchTable('dynamodb:BatchWriteItem'),
  },
  s3: {
    // A read of a named version needs s3:GetObjectVersion instead.
    GetObject: (input, lookups) => [
      ...one(input.VersionId ? 's3:GetObjectVersion' : 's3:GetObject', objectArn(input)),
      ...viaKey(bucketArn(input), 's3', ['kms:Decrypt'], lookups),
    ],
    HeadObject: (input) => one(input.VersionId ? 's3:GetObjectVersion' : 's3:GetObject', objectArn(input)),
    PutObject: (input, lookups) => [...one('s3:PutObject', objectArn(input)), ...viaKey(bucketArn(input), 's3', ['kms:GenerateDataKey'], lookups)],
    DeleteObject: (input) => one('s3:DeleteObject', objectArn(input)),
    // The request's Prefix is the s3:prefix condition key (Amazon S3 User Guide, "Condition key examples").
    ListObjectsV2: (input) => [
      { action: 's3:ListBucket', resource: bucketArn(input), ...(input.Prefix !== undefined ? { context: { 's3:prefix': str(input.Prefix) } } : {}) },
    ],
  },
  sns: {
    Publish: (input, lookups) => {
      const topic = str(input.TopicArn ?? input.TargetArn);
      return [...one('sns:Publish', topic), ...viaKey(topic, 'sns', ['kms:GenerateDataKey', 'kms:Decrypt'], lookups)];
    },
  },
  states: {
    StartExecution: (input) => one('states:StartExecution', str(input.stateMachineArn)),
    // No resource type in the Service Authorization Reference, but AWS checks them against the state machine of the token's execution (its AccessDenied messages name it).
    SendTaskSuccess: async (input, lookups) => one('states:SendTaskSuccess', await lookups.stateMachineOfTaskToken(str(input.taskToken))),
    SendTaskFailure: async (input, lookups) => one('states:SendTaskFailure', await lookups.stateMachineOfTaskToken(str(input.taskToken))),
    SendTaskHeartbeat: async (input, lookups) => one('states:SendTaskHeartbeat', await lookups.stateMachineOfTaskToken(str(input.taskToken))),
    DescribeExecution: (input) => one('states:DescribeExecution', str(input.executionArn)),
    StopExecution: (input) => one('states:StopExecution', str(input.executionArn)),
  },
  cloudwatch: {
    PutMetricAlarm: (input) => one('cloudwatch:PutMetricAlarm', alarmArn(input.AlarmName)),
    // By name: each named alarm; by prefix or all: every alarm.
    DescribeAlarms: (input) =>
      (input.AlarmNames as string[] | undefined)?.map((n) => ({ action: 'cloudwatch:DescribeAlarms', resource: alarmArn(n) })) ??
      one('cloudwatch:DescribeAlarms', '*'),
    DeleteAlarms: (input) => ((input.AlarmNames as string[] | undefined) ?? []).map((n) => ({ action: 'cloudwatch:DeleteAlarms', resource: alarmArn(n) })),
    // No resource-level permissions.
    GetMetricData: () => one('cloudwatch:GetMetricData', '*'),
    PutMetricData: () => one('cloudwatch:PutMetricData', '*'),
  },
  codedeploy: {
    // CreateDeployment also needs GetDeploymentConfig on the config it uses and RegisterApplicationRevision (or GetApplicationRevision) on the application (permissions reference, note 1).
    CreateDeployment: async (input) => {
      const application = str(input.applicationName);
      return [
        { action: 'codedeploy:CreateDeployment', resource: groupArn(application, str(input.deploymentGroupName)) },
        ...(input.deploymentConfigName ? [{ action: 'codedeploy:GetDeploymentConfig', resource: configArn(str(input.deploymentConfigName)) }] : []),
        { action: 'codedeploy:RegisterApplicationRevision', resource: `arn:${P}:codedeploy:${R}:${A}:application:${application}` },
      ];
    },
    GetDeployment: onDeploymentGroupOf('codedeploy:GetDeployment'),
    StopDeployment: onDeploymentGroupOf('codedeploy:StopDeployment'),
    PutLifecycleEventHookExecutionStatus: onDeploymentGroupOf('codedeploy:PutLifecycleEventHookExecutionStatus'),
    GetDeploymentConfig: (input) => one('codedeploy:GetDeploymentConfig', configArn(str(input.deploymentConfigName))),
  },
  events: {
    PutEvents: (input) =>
      [...new Set(((input.Entries as { EventBusName?: string }[] | undefined) ?? []).map((e) => busArn(e.EventBusName)))].map((resource) => ({
        action: 'events:PutEvents',
        resource,
      })),
  },
  kms: {
    // Called directly (not through a service): on the key named by KeyId (an ARN, or a key id in this account).
    Sign: (input) => one('kms:Sign', keyArn(input.KeyId)),
    GetPublicKey: (input) => one('kms:GetPublicKey', keyArn(input.KeyId)),
  },
  signer: {
    // Signer reads the source object version and writes the signed zip with the caller's access (so the caller's
    // policy must allow both, and the bucket key through S3); the signed zip's key is the prefix and the job's id.
    StartSigningJob: (input, lookups) => {
      const source = ((input.source as { s3?: Record<string, unknown> } | undefined)?.s3 ?? {}) as Record<string, unknown>;
      const destination = ((input.destination as { s3?: Record<string, unknown> } | undefined)?.s3 ?? {}) as Record<string, unknown>;
      const sourceObject = `arn:${P}:s3:::${str(source.bucketName)}/${str(source.key)}`;
      const signedObject = `arn:${P}:s3:::${str(destination.bucketName)}/${str(destination.prefix)}signing-job.zip`;
      return [
        { action: 'signer:StartSigningJob', resource: `arn:${P}:signer:${R}:${A}:/signing-profiles/${str(input.profileName)}` },
        { action: 's3:GetObjectVersion', resource: sourceObject },
        { action: 's3:PutObject', resource: signedObject },
        ...viaKey(`arn:${P}:s3:::${str(source.bucketName)}`, 's3', ['kms:Decrypt'], lookups),
        ...viaKey(`arn:${P}:s3:::${str(destination.bucketName)}`, 's3', ['kms:GenerateDataKey'], lookups),
      ];
    },
    DescribeSigningJob: (input) => one('signer:DescribeSigningJob', `arn:${P}:signer:${R}:${A}:/signing-jobs/${str(input.jobId)}`),
  },
  scheduler: {
    // The schedule in its group (`schedule/<group>/<name>`), and passing the target's role to EventBridge Scheduler
    // (EventBridge Scheduler User Guide, "Using identity-based policies": CreateSchedule needs iam:PassRole on the execution role).
    CreateSchedule: (input) => [
      { action: 'scheduler:CreateSchedule', resource: `arn:${P}:scheduler:${R}:${A}:schedule/${str(input.GroupName) || 'default'}/${str(input.Name)}` },
      {
        action: 'iam:PassRole',
        resource: str((input.Target as { RoleArn?: unknown } | undefined)?.RoleArn),
        context: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      },
    ],
  },
  // On the role it names (STS API Reference, AssumeRole; the caller's policy must allow it, and the role's trust policy trust the caller).
  sts: {
    AssumeRole: (input) => one('sts:AssumeRole', str(input.RoleArn)),
  },
  secretsmanager: {
    GetSecretValue: (input, lookups) => {
      const secret = str(input.SecretId).startsWith('arn:') ? str(input.SecretId) : `arn:${P}:secretsmanager:${R}:${A}:secret:${str(input.SecretId)}`;
      return [...one('secretsmanager:GetSecretValue', secret), ...viaKey(secret, 'secretsmanager', ['kms:Decrypt'], lookups)];
    },
  },
};

/** The operation name of an SDK command: `UpdateAliasCommand` → `UpdateAlias`; a DynamoDB document command by the low-level one it sends (`GetCommand` → `GetItem`). */
export function operationOf(command: unknown): string {
  const inner = (command as { clientCommand?: object }).clientCommand;
  return (inner ?? (command as object)).constructor.name.replace(/Command$/, '');
}
