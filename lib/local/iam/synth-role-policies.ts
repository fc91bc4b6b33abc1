import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { TABLES } from '../../../lambdas/adapters/tables';
import { CmvStack } from '../../cmv-stack';
import { CmvFunction } from '../../constructs/cmv-function';
import { CmvWakes } from '../../constructs/cmv-wakes';
import { REPO_ROOT } from '../../constructs/repo';
import { LOCAL_AWS, LOCAL_NAMES, LOCAL_STACK_NAME } from '../aws-names';
import type { Statement } from './evaluate';
import type { HandlerRole, RolePolicies } from './role-policies';
import { type Template, TemplateResolver } from './template-resolver';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Where each resource type names its customer managed key, and how the resource's ARN is got. */
const KEY_OF: Readonly<Record<string, { key: (p: Record<string, unknown>) => unknown; arn: (id: string) => unknown }>> = {
  'AWS::S3::Bucket': {
    key: (p) =>
      (p.BucketEncryption as { ServerSideEncryptionConfiguration?: { ServerSideEncryptionByDefault?: { KMSMasterKeyID?: unknown } }[] } | undefined)
        ?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID,
    arn: (id) => ({ 'Fn::GetAtt': [id, 'Arn'] }),
  },
  'AWS::SNS::Topic': { key: (p) => p.KmsMasterKeyId, arn: (id) => ({ Ref: id }) },
  'AWS::SecretsManager::Secret': { key: (p) => p.KmsKeyId, arn: (id) => ({ Ref: id }) },
};

/** The key ARN of every bucket, topic and secret encrypted with a customer managed key, by the resource's ARN. */
function encryptionKeys(resources: Resources, resolver: TemplateResolver): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const [id, r] of Object.entries(resources)) {
    const kind = KEY_OF[r.Type];
    const key = kind?.key(r.Properties ?? {});
    if (kind && key !== undefined) keys[resolver.resolve(kind.arn(id)) as string] = resolver.resolve(key) as string;
  }
  return keys;
}

/**
 * The one resource of a type the local runtime names (topic, secret, key, CodeDeploy application),
 * leaving out `unnamed`: resources no handler's role refers to.
 */
function onlyOfType(resources: Resources, type: string, unnamed: ReadonlySet<string> = new Set()): string {
  const ids = Object.keys(resources).filter((id) => resources[id].Type === type && !unnamed.has(id));
  if (ids.length !== 1)
    throw new Error(`the local runtime names one ${type}, the stack has ${ids.length}: ${ids.join(', ')}; name it in lib/local/aws-names.ts`);
  return ids[0];
}

/**
 * Synthesizes CMV's stack (as `cdk synth` would, without bundling the handlers or running the
 * template validation, which take minutes and change no policy) with the given targets, and reads
 * each handler's role policy from the template, resolved to the local runtime's names.
 * @param targetFiles - target.json files (absolute, or relative to the repository root): the stack grants on their functions only
 * @throws Error when a role has a managed policy (not modelled) or the template uses an intrinsic it cannot resolve
 */
export function synthesizeRolePolicies(targetFiles: readonly string[]): RolePolicies {
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  // The stack reads target files relative to the repository root.
  const stack = new CmvStack(app, LOCAL_STACK_NAME, { targetFiles: targetFiles.map((f) => relative(REPO_ROOT, resolve(REPO_ROOT, f))) });
  const template = app.synth().getStackByName(stack.stackName).template as Template;
  const resources = template.Resources as Resources;
  const logicalId = (element: CfnElement) => Stack.of(element).resolve(element.logicalId) as string;

  // The operator topic and its key: only CloudWatch alarms use them, no handler's role.
  const operations = new Set([stack.operations.topic, stack.operations.topicKey].map((c) => logicalId(c.node.defaultChild as CfnElement)));
  const names: Record<string, string> = {
    [logicalId(stack.artifacts.bucket.node.defaultChild as CfnElement)]: LOCAL_NAMES.artifactBucket,
    [onlyOfType(resources, 'AWS::SNS::Topic', operations)]: LOCAL_NAMES.approvalTopic,
    [onlyOfType(resources, 'AWS::SecretsManager::Secret')]: LOCAL_NAMES.linkSecret,
    [logicalId(stack.digestKey.node.defaultChild as CfnElement)]: LOCAL_NAMES.digestKey,
    [logicalId(stack.bundleKey.node.defaultChild as CfnElement)]: LOCAL_NAMES.bundleKey,
    [logicalId(stack.digests.bucket.node.defaultChild as CfnElement)]: LOCAL_NAMES.digestBucket,
    [onlyOfType(resources, 'AWS::CodeDeploy::Application')]: LOCAL_NAMES.codeDeployApplication,
    [onlyOfType(resources, 'AWS::Scheduler::ScheduleGroup')]: LOCAL_NAMES.wakeScheduleGroup,
  };
  // The key of the tables, artifacts, topic and secret: the stack's other key.
  const dataKeys = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::KMS::Key' && !(id in names) && !operations.has(id));
  if (dataKeys.length !== 1)
    throw new Error(`the local runtime names one data key, the stack has ${dataKeys.length}: ${dataKeys.join(', ')}; name it in lib/local/aws-names.ts`);
  names[dataKeys[0]] = LOCAL_NAMES.key;
  const wakes = stack.node.findAll().find((c): c is CmvWakes => c instanceof CmvWakes);
  if (wakes) {
    names[logicalId(wakes.role.node.defaultChild as CfnElement)] = LOCAL_NAMES.wakeSchedulerRole;
    names[logicalId(wakes.function.function.node.defaultChild as CfnElement)] = LOCAL_NAMES.wakeFunction;
  }
  for (const def of TABLES) {
    const local = (LOCAL_NAMES.tables as Record<string, string>)[def.id];
    if (!local) throw new Error(`the local runtime has no name for table ${def.id}: add it to LOCAL_NAMES.tables in lib/local/aws-names.ts`);
    names[logicalId(stack.tables.table(def).node.defaultChild as CfnElement)] = local;
  }
  const resolver = new TemplateResolver(template, { ...LOCAL_AWS, stackName: LOCAL_STACK_NAME, names });

  const roles: Record<string, HandlerRole> = {};
  for (const fn of stack.node.findAll().filter((c): c is CmvFunction => c instanceof CmvFunction)) {
    const roleId = logicalId(fn.role.node.defaultChild as CfnElement);
    const role = resources[roleId];
    if (role.Properties?.ManagedPolicyArns) throw new Error(`role ${roleId} of ${fn.entry} has managed policies, which the local IAM check does not model`);
    const attached = Object.values(resources).filter(
      (r) => r.Type === 'AWS::IAM::Policy' && ((r.Properties?.Roles as unknown[]) ?? []).some((x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId })),
    );
    const documents = [
      ...attached.map((r) => r.Properties?.PolicyDocument),
      ...((role.Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument),
    ];
    const statements = documents.flatMap((d) => (resolver.resolve(d) as { Statement: Statement[] }).Statement);
    const roleName = resolver.resolve({ Ref: roleId }) as string;
    const functionName = resolver.resolve({ Ref: logicalId(fn.function.node.defaultChild as CfnElement) }) as string;
    roles[fn.entry] = {
      entry: fn.entry,
      roleName,
      roleArn: resolver.resolve({ 'Fn::GetAtt': [roleId, 'Arn'] }) as string,
      principalArn: `arn:${LOCAL_AWS.partition}:sts::${LOCAL_AWS.account}:assumed-role/${roleName}/${functionName}`,
      statements,
    };
  }
  return { targetFiles, roles, keys: encryptionKeys(resources, resolver) };
}

// As a script (the runtime runs it in a child process, so that it never loads aws-cdk-lib itself):
// `synth-role-policies.ts <out.json> <target.json>...`
if (require.main === module) {
  const [out, ...targetFiles] = process.argv.slice(2);
  writeFileSync(out, JSON.stringify(synthesizeRolePolicies(targetFiles)));
}
