import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { DEFAULT_POLICY } from '../../lambdas/core/policy/default-policy';
import { WORKFLOW_FUNCTIONS, type WorkflowPlaceholder } from '../../lambdas/handlers/workflow/registry';
import { CmvStack } from '../../lib/cmv-stack';
import { aslPlaceholders, CmvWorkflow } from '../../lib/constructs/cmv-workflow';
import { allow } from '../../lib/constructs/grants';
import { RegisteredTarget } from '../../lib/constructs/registered-target';

/** An app that synthesizes without bundling any function (the stack under test is the point, not esbuild). */
const appWithoutBundling = (context: Record<string, unknown> = {}) => new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });

const tmpFile = (name: string, content: string) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'cmv-infra-')), name);
  writeFileSync(file, content);
  return file;
};

const USERS = {
  users: [
    { id: 'alice', name: 'Alice Requester', email: 'alice@example.org', roles: ['requester'] },
    { id: 'bob', name: 'Bob Approver', email: 'bob@example.org', roles: ['approver', 'auditor'] },
  ],
};

/** The deployment config document of a synthesized stack, as `cdk deploy` uploads it. */
const deployedConfig = (app: App, stack: CmvStack) => {
  const asset = stack.node.findChild('DeploymentConfig') as Asset;
  return { key: asset.s3ObjectKey, document: JSON.parse(readFileSync(path.join(app.outdir, asset.assetPath), 'utf8')) };
};

describe('CmvStack with a users file', () => {
  let app: App;
  let stack: CmvStack;
  let template: Template;

  beforeAll(() => {
    // GIVEN a users file named by the cmvUsersFile context value
    app = appWithoutBundling({ cmvUsersFile: tmpFile('users.json', JSON.stringify(USERS)) });
    // WHEN
    stack = new CmvStack(app, 'Cmv');
    template = Template.fromStack(stack);
  }, 60_000);

  it('writes the users and the default policy into the deployment config asset, named by its hash, that every function reads', () => {
    // THEN
    const { key, document } = deployedConfig(app, stack);
    expect(document).toEqual({ users: USERS.users, policy: DEFAULT_POLICY });
    expect(key).toMatch(/^[0-9a-f]{64}\.json$/);
    // Every CMV handler (the user sync gets the document's URI from its custom resource instead).
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) => fn.Properties.Environment?.Variables?.CHANGES_TABLE);
    expect(functions.length).toBeGreaterThan(30);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        CMV_CONFIG_S3_URI: { 'Fn::Sub': `s3://cdk-hnb659fds-assets-\${AWS::AccountId}-\${AWS::Region}/${key}` },
      });
      expect(JSON.stringify(fn.Properties.Environment.Variables)).not.toContain('alice@example.org');
    }
  });

  it('creates no user and no subscription as a resource, and syncs them from the same document at deploy', () => {
    // THEN
    template.resourceCountIs('AWS::Cognito::UserPoolUser', 0);
    template.resourceCountIs('AWS::Cognito::UserPoolUserToGroupAttachment', 0);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const { key } = deployedConfig(app, stack);
    template.hasResourceProperties('Custom::CmvUserSync', {
      ConfigUri: { 'Fn::Sub': `s3://cdk-hnb659fds-assets-\${AWS::AccountId}-\${AWS::Region}/${key}` },
      UserPoolId: { Ref: Match.stringLikeRegexp('^UsersPool') },
      TopicArn: { Ref: Match.stringLikeRegexp('^ApprovalTopic') },
    });
  });

  it('lets the sync change the users of the pool, the topic’s subscriptions, and read that document only', () => {
    // THEN
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('UserSyncHandlerRole'),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const on = (pattern: RegExp) =>
      statements.filter((s) => pattern.test(JSON.stringify(s.Resource))).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(on(/UsersPool.*Arn/).sort()).toEqual([
      'cognito-idp:AdminAddUserToGroup',
      'cognito-idp:AdminCreateUser',
      'cognito-idp:AdminDisableUser',
      'cognito-idp:AdminEnableUser',
      'cognito-idp:AdminRemoveUserFromGroup',
      'cognito-idp:AdminUpdateUserAttributes',
      'cognito-idp:ListUsers',
      'cognito-idp:ListUsersInGroup',
    ]);
    expect(on(/ApprovalTopic/).sort()).toEqual(['sns:ListSubscriptionsByTopic', 'sns:Subscribe']);
    expect(on(/^"\*"$/).sort()).toEqual([
      'sns:GetSubscriptionAttributes',
      'sns:SetSubscriptionAttributes',
      'sns:Unsubscribe',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    expect(on(/cdk-hnb659fds-assets/)).toEqual(['s3:GetObject']);
  });
});

describe('CmvStack()', () => {
  it('rejects a users file that does not match the schema the Lambdas use', () => {
    // GIVEN a user without roles
    const file = tmpFile('users.json', JSON.stringify({ users: [{ id: 'x', name: 'X', email: 'x@example.org', roles: [] }] }));
    // WHEN / THEN
    expect(() => new CmvStack(appWithoutBundling(), 'Cmv', { usersFile: file })).toThrow(/is not a users file/);
  });

  it('rejects a policy file that does not match the schema the Lambdas use, naming the file and the field', () => {
    // GIVEN a rule with a negative approval timeout
    const file = tmpFile('policy.json', JSON.stringify({ ...DEFAULT_POLICY, rules: [{ ...DEFAULT_POLICY.rules[0], approvalTimeoutHours: -1 }] }));
    // WHEN / THEN
    expect(() => new CmvStack(appWithoutBundling(), 'Cmv', { policyFile: file })).toThrow(
      /^policy .*policy\.json is invalid: rules\.0\.approvalTimeoutHours: /,
    );
  });

  it('deploys 3,000 users: the config document holds them all, and no function environment grows', () => {
    // GIVEN 3,000 users, one in ten an approver
    const users = Array.from({ length: 3000 }, (_, i) => ({
      id: `user${i}`,
      name: `User number ${i}`,
      email: `user${i}@example.org`,
      roles: i % 10 === 0 ? ['approver', 'requester'] : ['requester'],
    }));
    const app = appWithoutBundling({ cmvUsersFile: tmpFile('users.json', JSON.stringify({ users })) });
    // WHEN
    const stack = new CmvStack(app, 'Cmv');
    const template = Template.fromStack(stack);
    // THEN
    expect(deployedConfig(app, stack).document.users).toHaveLength(3000);
    const sizes = Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => JSON.stringify(fn.Properties.Environment?.Variables ?? {}).length);
    expect(Math.max(...sizes)).toBeLessThan(2048);
  }, 120_000);
});

describe('CmvWorkflow()', () => {
  const functionsOf = (stack: Stack, placeholders: WorkflowPlaceholder[]) =>
    Object.fromEntries(
      placeholders.map((p) => [
        p,
        new LambdaFunction(stack, p, { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler=1') }),
      ]),
    ) as Record<WorkflowPlaceholder, LambdaFunction>;
  const testProject = {
    projectName: 'cmv-change-tests',
    projectArn: 'arn:aws:codebuild:eu-west-1:111111111111:project/cmv-change-tests',
    maxDuration: Duration.minutes(80),
  };

  it('rejects functions that do not match the placeholders of the ASL file', () => {
    // GIVEN every workflow function but Rollback
    const stack = new Stack(appWithoutBundling(), 'S');
    const placeholders = (Object.keys(WORKFLOW_FUNCTIONS) as WorkflowPlaceholder[]).filter((p) => p !== 'RollbackFunctionArn');
    // WHEN / THEN
    expect(() => new CmvWorkflow(stack, 'Workflow', { functions: functionsOf(stack, placeholders), testProject })).toThrow(
      /placeholders without a value: \[RollbackFunctionArn\]/,
    );
  });

  it('accepts exactly the functions of WORKFLOW_FUNCTIONS', () => {
    // GIVEN
    const stack = new Stack(appWithoutBundling(), 'S');
    // WHEN
    new CmvWorkflow(stack, 'Workflow', { functions: functionsOf(stack, Object.keys(WORKFLOW_FUNCTIONS) as WorkflowPlaceholder[]), testProject });
    // THEN
    Template.fromStack(stack).resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  });
});

describe('aslPlaceholders()', () => {
  it('finds placeholders in states and ignores those in comments', () => {
    // GIVEN
    const $ = (name: string) => `\${${name}}`;
    const asl = JSON.stringify({
      Comment: `filled from ${$('Placeholders')}`,
      States: { A: { Comment: $('NotThis'), Resource: $('FnArn'), Parameters: { P: [`x${$('Other')}y`] } } },
    });
    // WHEN / THEN
    expect([...aslPlaceholders(asl)].sort()).toEqual(['FnArn', 'Other']);
  });
});

describe('allow()', () => {
  it('rejects wildcard actions', () => {
    // GIVEN
    const role = new Role(new Stack(), 'R', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    // WHEN / THEN
    expect(() => allow(role, ['s3:GetObject*'], ['arn:aws:s3:::b/*'])).toThrow(/wildcard actions: s3:GetObject\*/);
  });
});

describe('RegisteredTarget.fromTargetFile()', () => {
  it('rejects a target file without a handler, naming the field', () => {
    // GIVEN
    const file = tmpFile('target.json', JSON.stringify({ name: 'svc', source: 'service' }));
    // WHEN / THEN
    expect(() => RegisteredTarget.fromTargetFile(new Stack(), 'T', file)).toThrow(/"handler" must be a non-empty string/);
  });
});
