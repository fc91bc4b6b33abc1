import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
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

describe('CmvStack with a users file', () => {
  let template: Template;

  beforeAll(() => {
    // GIVEN a users file named by the cmvUsersFile context value
    const app = appWithoutBundling({ cmvUsersFile: tmpFile('users.json', JSON.stringify(USERS)) });
    // WHEN
    template = Template.fromStack(new CmvStack(app, 'Cmv'));
  }, 60_000);

  it('passes the users to every function as CMV_USERS_JSON', () => {
    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ CMV_USERS_JSON: JSON.stringify(USERS) }) },
    });
  });

  it('creates each user in Cognito with a group membership per role', () => {
    // THEN
    template.hasResourceProperties('AWS::Cognito::UserPoolUser', {
      Username: 'bob',
      UserAttributes: Match.arrayWith([{ Name: 'email', Value: 'bob@example.org' }]),
    });
    template.resourceCountIs('AWS::Cognito::UserPoolUser', 2);
    template.resourceCountIs('AWS::Cognito::UserPoolUserToGroupAttachment', 3);
    template.hasResourceProperties('AWS::Cognito::UserPoolUserToGroupAttachment', { Username: 'bob', GroupName: Match.anyValue() });
  });

  it('subscribes approvers only, each filtered to the messages addressed to them', () => {
    // THEN
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'bob@example.org',
      FilterPolicy: { approver: ['bob@example.org'] },
    });
  });
});

describe('CmvStack()', () => {
  it('rejects a users file that does not match the schema the Lambdas use', () => {
    // GIVEN a user without roles
    const file = tmpFile('users.json', JSON.stringify({ users: [{ id: 'x', name: 'X', email: 'x@example.org', roles: [] }] }));
    // WHEN / THEN
    expect(() => new CmvStack(appWithoutBundling(), 'Cmv', { usersFile: file })).toThrow(/is not a users file/);
  });

  it('rejects a users file too large for a Lambda environment', () => {
    // GIVEN 60 users
    const users = Array.from({ length: 60 }, (_, i) => ({ id: `user${i}`, name: `User number ${i}`, email: `user${i}@example.org`, roles: ['requester'] }));
    const file = tmpFile('users.json', JSON.stringify({ users }));
    // WHEN / THEN
    expect(() => new CmvStack(appWithoutBundling(), 'Cmv', { usersFile: file })).toThrow(/Lambda environments hold 4 KB/);
  });
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
