import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, ArnFormat, type CfnElement, type CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { IGrantable, Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { IDEMPOTENCY_TABLE, LEDGER_TABLE, TABLES } from '../../lambdas/adapters/tables';
import { BUILT_IN_ROLES } from '../../lambdas/core/policy/change-policy';
import { API_ROUTES, AWS_API_ROUTES } from '../../lambdas/handlers/api/routes';
import { STATE_MACHINE_FILE, WORKFLOW_FUNCTIONS, type WorkflowPlaceholder } from '../../lambdas/handlers/workflow/registry';
import { CmvStack, LEDGER_DENIED_ACTIONS } from '../../lib/cmv-stack';
import { CmvFunction } from '../../lib/constructs/cmv-function';
import { aslPlaceholders } from '../../lib/constructs/cmv-workflow';
import { AWS_CUSTOM_RESOURCE_SINGLETON } from '../../lib/constructs/registered-target';
import { SUITE_RUNNER_SCRIPT } from '../../lib/test-suite-runner';

/** A policy statement as CloudFormation renders it. */
interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}
type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[] }>;
/** What the CDK writes to validation-report.json (cloud assembly schema, "Validation Report"). */
type ValidationReport = { pluginReports: { pluginName: string; violations: { ruleName: string; description: string }[] }[] };
/** The repository's cdk.json, as the CDK CLI reads it. */
const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
/** Runs `synth` with the CDK's CloudFormation validation on (test/setup.ts turns it off), as `cdk synth` runs. */
function withCdkValidation<T>(synth: () => T): T {
  const before = process.env.CDK_VALIDATION;
  delete process.env.CDK_VALIDATION;
  try {
    return synth();
  } finally {
    if (before !== undefined) process.env.CDK_VALIDATION = before;
  }
}
type AslTask = { Type: string; Resource?: string; TimeoutSeconds?: number };

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const ENV_EVERY_HANDLER_READS = [
  'CHANGES_TABLE',
  'LEDGER_TABLE',
  'ARTIFACT_BUCKET',
  'APPROVAL_TOPIC_ARN',
  'API_BASE_URL',
  'LINK_SECRET_ARN',
  'CMV_CONFIG_S3_URI',
  'APPROVAL_LINK_TTL_SECONDS',
  'DIGEST_BUCKET',
  'DIGEST_KEY_ID',
];

describe('CmvStack', () => {
  let app: App;
  let stack: CmvStack;
  let template: Template;
  let resources: Resources;
  let validation: ValidationReport;
  const logicalId = (c: IConstruct) => stack.resolve((c.node.defaultChild as CfnElement).logicalId) as string;
  const ref = (value: string) => stack.resolve(value) as unknown;
  /** The statements of every policy attached to the role of a grantee (a function, a role). */
  const statementsOfRole = (grantee: IGrantable): Statement[] =>
    Object.values(resources)
      .filter(
        (r) => r.Type === 'AWS::IAM::Policy' && list(r.Properties?.Roles as unknown[]).some((x) => same(x, { Ref: logicalId(grantee.grantPrincipal as Role) })),
      )
      .flatMap((r) => list((r.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement));
  /** The actions a role may perform on `resource` (one rendered ARN). */
  const actionsOn = (role: IGrantable, resource: unknown): string[] =>
    statementsOfRole(role)
      .filter((s) => s.Effect === 'Allow' && list(s.Resource).some((r) => same(r, resource)))
      .flatMap((s) => list(s.Action))
      .sort();
  /** The actions a role is allowed (its explicit denies left out). */
  const allActions = (role: IGrantable): string[] =>
    [
      ...new Set(
        statementsOfRole(role)
          .filter((s) => s.Effect === 'Allow')
          .flatMap((s) => list(s.Action)),
      ),
    ].sort();

  beforeAll(() => {
    // GIVEN an app with no account, region or context (as `cdk synth` runs offline), but without
    // bundling: the template is the same, and bundling each of the ~40 handlers through the CDK (an
    // esbuild process each) was most of this file's time. bundles.test.ts bundles every handler of
    // the stack as the stack bundles it, and checks the CDK's bundle is the same byte for byte.
    // The context is cdk.json's, as `cdk synth` reads it.
    app = new App({ context: { ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [] } });
    // WHEN the stack is synthesized (once for all tests), with the CloudFormation validation `cdk
    // synth` runs (test/setup.ts turns it off for every other synth of the suite: seconds each)
    stack = new CmvStack(app, 'Cmv');
    template = withCdkValidation(() => Template.fromStack(stack));
    validation = JSON.parse(readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
    resources = template.toJSON().Resources as Resources;
  }, 180_000);

  describe('CloudFormation validation', () => {
    it('fails `cdk synth` on a property outside its schema (cdk.json sets @aws-cdk/core:validateAgainstDefaultRules)', () => {
      // GIVEN a stack with cdk.json's context and a key with a property CloudFormation does not know
      const bad = new App({ context: CDK_JSON.context });
      const key = new Key(new Stack(bad, 'Bad'), 'Key');
      (key.node.defaultChild as CfnResource).addPropertyOverride('Rotation', true);
      // WHEN / THEN (without the flag the CDK reports it as a warning and synthesizes)
      expect(() => withCdkValidation(() => bad.synth())).toThrow(/'Rotation' was unexpected/);
    });

    it("finds nothing in the template: every property is in its resource type's schema", () => {
      // THEN
      expect(validation.pluginReports.flatMap((r) => r.violations.map((v) => `${v.ruleName} ${v.description}`))).toEqual([]);
    });
  });

  describe('tables', () => {
    it('creates exactly the tables of lambdas/adapters/tables.ts', () => {
      // THEN
      template.resourceCountIs('AWS::DynamoDB::Table', TABLES.length);
    });

    it.each(TABLES.map((t) => [t.id, t] as const))('creates %s with the keys, indexes and TTL of its definition', (_, def) => {
      // THEN
      const key = (k: { name: string }, type: 'HASH' | 'RANGE') => ({ AttributeName: k.name, KeyType: type });
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [key(def.partitionKey, 'HASH'), key(def.sortKey, 'RANGE')],
        GlobalSecondaryIndexes: def.indexes.length
          ? def.indexes.map((i) => ({
              IndexName: i.indexName,
              KeySchema: [key(i.partitionKey, 'HASH'), key(i.sortKey, 'RANGE')],
              Projection: { ProjectionType: 'ALL' },
            }))
          : Match.absent(),
        AttributeDefinitions: Match.arrayWith([{ AttributeName: def.partitionKey.name, AttributeType: def.partitionKey.type }]),
        TimeToLiveSpecification: def.timeToLiveAttribute ? { AttributeName: def.timeToLiveAttribute, Enabled: true } : Match.absent(),
      });
    });

    it('encrypts every table with the app key, on demand, with PITR and deletion protection, retained', () => {
      // THEN
      const tables = template.findResources('AWS::DynamoDB::Table');
      for (const table of Object.values(tables)) {
        expect(table).toMatchObject({
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
          Properties: {
            BillingMode: 'PAY_PER_REQUEST',
            SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] } },
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          },
        });
      }
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });
  });

  describe('state machine', () => {
    it('is a STANDARD state machine logging ALL events with execution data, traced', () => {
      // THEN
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }] },
        TracingConfiguration: { Enabled: true },
      });
    });

    it('substitutes every placeholder of the ASL file with the ARN of its own function, and the test project name', () => {
      // THEN
      const expected: Record<string, unknown> = { TestProjectName: { Ref: logicalId(stack.node.findChild('ChangeTests').node.findChild('Project')) } };
      for (const [placeholder, fn] of Object.entries(stack.workflowFunctions)) expected[placeholder] = ref(fn.function.functionArn);
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', { DefinitionSubstitutions: expected });
      expect(Object.keys(expected).sort()).toEqual([...Object.keys(WORKFLOW_FUNCTIONS), 'TestProjectName'].sort());
    });

    it('deploys the ASL file itself, which after substitution has no unresolved placeholder outside comments', () => {
      // GIVEN the definition CloudFormation will fetch (the staged asset) and the substitutions
      const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
      const { DefinitionS3Location, DefinitionSubstitutions } = sm.Properties as {
        DefinitionS3Location: { Key: string };
        DefinitionSubstitutions: Record<string, unknown>;
      };
      const staged = readFileSync(path.join(app.synth().directory, `asset.${DefinitionS3Location.Key}`), 'utf8');
      expect(staged).toBe(readFileSync(path.resolve(__dirname, '../..', STATE_MACHINE_FILE), 'utf8'));
      // WHEN substituted the way CloudFormation does (plain replacement of `${Key}`)
      let definition = staged;
      for (const [k, v] of Object.entries(DefinitionSubstitutions))
        definition = definition.split(`\${${k}}`).join(`resolved:${JSON.stringify(v).replace(/"/g, "'")}`);
      // THEN
      expect([...aslPlaceholders(definition)]).toEqual([]);
      for (const placeholder of Object.keys(WORKFLOW_FUNCTIONS) as WorkflowPlaceholder[]) {
        const arn = JSON.stringify(ref(stack.workflowFunctions[placeholder].function.functionArn)).replace(/"/g, "'");
        expect(definition).toContain(`resolved:${arn}`);
      }
    });

    it("gives every Lambda task a TimeoutSeconds above its function's timeout (without one, the ASL spec's default of 60 s could end a slow attempt the function may still finish)", () => {
      // GIVEN the workflow's Lambda tasks (a task token wait has its own cap) and each one's function
      const states = (JSON.parse(readFileSync(path.resolve(__dirname, '../..', STATE_MACHINE_FILE), 'utf8')) as { States: Record<string, AslTask> }).States;
      const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task' && /^\$\{\w+FunctionArn\}$/.test(s.Resource ?? ''));
      expect(tasks.length).toBeGreaterThan(10);
      // THEN
      for (const [name, task] of tasks) {
        const placeholder = (task.Resource ?? '').slice(2, -1) as WorkflowPlaceholder;
        const fn = resources[logicalId(stack.workflowFunctions[placeholder].function)];
        const timeout = (fn.Properties as { Timeout: number }).Timeout;
        expect({ name, timeoutSeconds: task.TimeoutSeconds }).toEqual({ name, timeoutSeconds: expect.any(Number) });
        expect(task.TimeoutSeconds).toBeGreaterThan(timeout);
      }
    });

    it('may invoke exactly the workflow functions (unqualified ARNs) and run the test project as startBuild.sync needs', () => {
      // GIVEN
      const role = stack.workflow.stateMachine.role;
      const invokable = statementsOfRole(role)
        .filter((s) => list(s.Action).includes('lambda:InvokeFunction'))
        .flatMap((s) => list(s.Resource));
      // THEN
      expect(invokable).toHaveLength(Object.keys(WORKFLOW_FUNCTIONS).length);
      expect(invokable.map((r) => JSON.stringify(r)).sort()).toEqual(
        Object.values(stack.workflowFunctions)
          .map((fn) => JSON.stringify(ref(fn.function.functionArn)))
          .sort(),
      );
      const project = stack.node.findChild('ChangeTests').node.findChild('Project');
      expect(actionsOn(role, { 'Fn::GetAtt': [logicalId(project), 'Arn'] })).toEqual([
        'codebuild:BatchGetBuilds',
        'codebuild:StartBuild',
        'codebuild:StopBuild',
      ]);
      const rule = {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':events:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':rule/StepFunctionsGetEventForCodeBuildStartBuildRule',
          ],
        ],
      };
      expect(actionsOn(role, rule)).toEqual(['events:DescribeRule', 'events:PutRule', 'events:PutTargets']);
    });
  });

  describe('functions', () => {
    const apiHandlers = [...new Set(AWS_API_ROUTES.map((r) => r.handler))];

    it('creates one function per API handler module, per workflow task and per registered target', () => {
      // THEN
      // + 11: the scheduled approval-expiry sweep, the alarm handler, the two CodeDeploy lifecycle hooks, the ledger event publisher,
      // the user sync with its custom-resource Provider framework function, the wake function of the workflow's
      // one-time schedules, the CodeDeploy state-change handler, the digest maker, and CDK's AwsCustomResource
      // function (it gives the targets' functions their code signing configuration)
      template.resourceCountIs('AWS::Lambda::Function', apiHandlers.length + Object.keys(WORKFLOW_FUNCTIONS).length + stack.targets.length + 11);
      expect(Object.keys(stack.apiFunctions).sort()).toEqual([...apiHandlers].sort());
    });

    it('runs every function on nodejs22.x, ARM64, traced, logging to its own log group kept a year', () => {
      // THEN
      const functions = template.findResources('AWS::Lambda::Function');
      for (const [id, fn] of Object.entries(functions)) {
        // CDK's Provider framework function (of the user sync) and its AwsCustomResource function run on the runtime CDK chooses; their logs are kept a year too.
        if (!id.startsWith('UserSyncProviderframework') && !id.startsWith(AWS_CUSTOM_RESOURCE_SINGLETON))
          expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
        const logGroup = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        expect(resources[logGroup]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 365 } });
      }
    });

    it('bundles each handler module (index.handler of an esbuild bundle) with source maps enabled', () => {
      // THEN
      for (const fn of [...Object.values(stack.apiFunctions), ...Object.values(stack.workflowFunctions)]) {
        expect(resources[logicalId(fn.function)].Properties).toMatchObject({
          Handler: 'index.handler',
          Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
        });
      }
    });

    it('gives every handler the environment it reads, and STATE_MACHINE_ARN to API handlers only', () => {
      // THEN
      for (const fn of Object.values(stack.apiFunctions)) {
        const env = (resources[logicalId(fn.function)].Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
        expect(Object.keys(env)).toEqual(expect.arrayContaining(ENV_EVERY_HANDLER_READS));
        expect(env.STATE_MACHINE_ARN).toEqual(ref(stack.workflow.stateMachineArn));
      }
      for (const fn of Object.values(stack.workflowFunctions)) {
        const env = (resources[logicalId(fn.function)].Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
        expect(Object.keys(env)).toEqual(expect.arrayContaining(ENV_EVERY_HANDLER_READS));
        expect(env.STATE_MACHINE_ARN).toBeUndefined();
        expect(env.CMV_USERS_JSON).toBeUndefined();
        expect(env.CMV_POLICY_JSON).toBeUndefined();
      }
    });

    it('builds API_BASE_URL from the API id and stage name, not from the stage resource (no cycle)', () => {
      // THEN
      const env = (
        resources[logicalId(stack.workflowFunctions.RequestApprovalFunctionArn.function)].Properties as { Environment: { Variables: Record<string, unknown> } }
      ).Environment.Variables;
      expect(env.API_BASE_URL).toEqual({
        'Fn::Join': ['', ['https://', { Ref: logicalId(stack.api.api) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/v1']],
      });
    });
  });

  describe('REST API', () => {
    /** API Gateway resource logical id → its path. */
    const resourcePaths = () => {
      const paths = new Map<string, string>();
      const of = (id: string): string => {
        const known = paths.get(id);
        if (known) return known;
        const props = resources[id].Properties as { ParentId: { Ref?: string }; PathPart: string };
        const parent = props.ParentId.Ref ? of(props.ParentId.Ref) : '';
        const p = `${parent}/${props.PathPart}`;
        paths.set(id, p);
        return p;
      };
      for (const [id, r] of Object.entries(resources)) if (r.Type === 'AWS::ApiGateway::Resource') of(id);
      return paths;
    };

    it('has one method per route of API_ROUTES that is not local only', () => {
      // THEN
      template.resourceCountIs('AWS::ApiGateway::Method', AWS_API_ROUTES.length);
    });

    it('leaves out POST /targets/{target}/invoke, which is local only: no resource, no method, no function', () => {
      // GIVEN
      const invoke = API_ROUTES.find((r) => r.handler === 'invoke-target');
      // THEN
      expect(invoke).toMatchObject({ path: '/targets/{target}/invoke', localOnly: true });
      expect([...resourcePaths().values()]).not.toContain('/targets/{target}/invoke');
      expect([...resourcePaths().values()]).toContain('/targets/{target}');
      expect(Object.keys(stack.apiFunctions)).not.toContain('invoke-target');
      const descriptions = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Description);
      expect(descriptions.filter((d) => /invoke/i.test(String(d)))).toEqual([]);
    });

    it.each(AWS_API_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('routes %s to its handler with the right authorizer', (_, route) => {
      // GIVEN
      const paths = resourcePaths();
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
        (m) => m.Properties.HttpMethod === route.method && paths.get(m.Properties.ResourceId.Ref) === route.path,
      );
      // THEN
      expect(methods).toHaveLength(1);
      const [method] = methods;
      expect(method.Properties.AuthorizationType).toBe(route.auth ? 'COGNITO_USER_POOLS' : 'NONE');
      if (route.auth) expect(method.Properties.AuthorizerId).toEqual({ Ref: expect.stringMatching(/^ApiAuthorizer/) });
      else expect(method.Properties.AuthorizerId).toBeUndefined();
      expect(method.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
      expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(logicalId(stack.apiFunctions[route.handler].function));
    });

    it('sends the evidence pack as bytes: application/zip is a binary media type of the API', () => {
      // THEN
      template.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['application/zip'] });
    });

    it('authorizes with the Cognito user pool', () => {
      // THEN
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'COGNITO_USER_POOLS',
        ProviderARNs: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^UsersPool'), 'Arn'] }],
      });
    });

    it('validates JSON bodies before the Lambda runs', () => {
      // THEN
      const paths = resourcePaths();
      const propose = Object.values(template.findResources('AWS::ApiGateway::Method')).find(
        (m) => m.Properties.HttpMethod === 'POST' && paths.get(m.Properties.ResourceId.Ref) === '/changes',
      );
      expect(propose?.Properties).toMatchObject({
        RequestValidatorId: { Ref: expect.stringMatching(/JsonBody/) },
        RequestModels: { 'application/json': expect.anything() },
      });
      template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    });

    it('traces, logs access as JSON without raw paths, logs errors, throttles the stage and the approval page harder', () => {
      // THEN
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'v1',
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.not(Match.stringLikeRegexp('\\$context\\.path')) },
        MethodSettings: Match.arrayWith([
          Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false, ThrottlingRateLimit: 25 }),
          Match.objectLike({ HttpMethod: 'GET', ResourcePath: '/~1approvals~1{token}', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 }),
          Match.objectLike({ HttpMethod: 'POST', ResourcePath: '/~1approvals~1{token}', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 }),
        ]),
      });
      template.hasResourceProperties('AWS::ApiGateway::Account', { CloudWatchRoleArn: Match.anyValue() });
    });
  });

  describe('IAM', () => {
    const statements = () =>
      Object.entries(resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Role')
        .flatMap(([id, r]) => {
          const docs =
            r.Type === 'AWS::IAM::Role'
              ? list(r.Properties?.Policies as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument)
              : [r.Properties?.PolicyDocument];
          return docs.flatMap((d) => list((d as { Statement: Statement[] }).Statement).map((s) => ({ id, s })));
        });

    it('names every action: no `*` and no `service:*` (nor any other wildcard) in any identity policy', () => {
      // THEN
      const wildcards = statements().flatMap(({ id, s }) =>
        list(s.Action)
          .filter((a) => a.includes('*'))
          .map((a) => `${id}: ${a}`),
      );
      expect(wildcards).toEqual([]);
    });

    it('uses Resource "*" only for actions that have no resource-level permissions', () => {
      // GIVEN X-Ray tracing, Step Functions log delivery, the ledger stream's event source (dynamodb:ListStreams), canary metrics,
      // and the user sync's reads and changes of approver subscriptions (SNS authorizes them on no resource type)
      const allowed =
        /^(dynamodb:ListStreams|cloudwatch:GetMetricData|sns:(GetSubscriptionAttributes|SetSubscriptionAttributes|Unsubscribe)|xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups))$/;
      // THEN
      const offending = statements()
        .filter(({ s }) => list(s.Resource).includes('*'))
        .flatMap(({ id, s }) =>
          list(s.Action)
            .filter((a) => !allowed.test(a))
            .map((a) => `${id}: ${a}`),
        );
      expect(offending).toEqual([]);
    });

    it('lets registration read the alias and its version, never publish or move an alias', () => {
      // THEN
      const lambda = allActions(stack.apiFunctions['register-target']).filter((a) => a.startsWith('lambda:'));
      expect(lambda).toEqual(['lambda:GetAlias', 'lambda:GetFunctionConfiguration']);
    });

    it('lets every step that records a route move the alias to match it (syncAlias)', () => {
      // THEN
      for (const fn of [
        stack.workflowFunctions.FinalizeDeploymentFunctionArn,
        stack.workflowFunctions.ShiftTrafficFunctionArn,
        stack.workflowFunctions.RollbackFunctionArn,
        stack.workflowFunctions.RecordFailureFunctionArn,
      ]) {
        expect(allActions(fn)).toEqual(expect.arrayContaining(['lambda:GetAlias', 'lambda:UpdateAlias']));
      }
    });

    it('lets readers read: list-changes may only GetItem/Query the Changes table', () => {
      // THEN
      expect(allActions(stack.apiFunctions['list-changes'])).toEqual([
        'dynamodb:GetItem',
        'dynamodb:Query',
        'kms:Decrypt',
        'kms:DescribeKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    });

    it('lets the compliance report read the Changes table (targets, plans) and the ledger (entries), and only append its own read to the ledger', () => {
      // THEN: the actions of a reader of the audit trail, whose read is itself recorded (an AuditQueried entry)
      const fn = stack.apiFunctions['get-compliance-report'];
      expect(allActions(fn)).toEqual(allActions(stack.apiFunctions['query-audit']));
      const read = JSON.stringify(statementsOfRole(fn).filter((s) => list(s.Action).includes('dynamodb:Query')));
      for (const table of Object.keys(template.findResources('AWS::DynamoDB::Table')).filter((id) => !/Idempotency/.test(id))) expect(read).toContain(table);
      const changesTable = Object.keys(template.findResources('AWS::DynamoDB::Table')).find((id) => /Changes/.test(id));
      const puts = JSON.stringify(statementsOfRole(fn).filter((s) => list(s.Action).includes('dynamodb:PutItem')));
      expect(changesTable && puts.includes(changesTable)).toBe(false);
    });

    it('keeps the audit handlers readers that only append their read, and the ledger append-only (no UpdateItem/DeleteItem allowed anywhere)', () => {
      // THEN: reading the audit trail appends an AuditQueried entry (PutItem, and the key to encrypt it), nothing else
      const allowedActions = allActions;
      expect(
        allowedActions(stack.apiFunctions['query-audit']).filter(
          (a) => !/^(dynamodb:(GetItem|Query|PutItem)|kms:(Decrypt|DescribeKey|Encrypt|GenerateDataKey)|logs:|xray:)/.test(a),
        ),
      ).toEqual([]);
      expect(
        allowedActions(stack.apiFunctions['verify-audit']).filter(
          (a) =>
            !/^(dynamodb:(GetItem|Query|PutItem)|kms:(Decrypt|DescribeKey|Encrypt|GenerateDataKey|GetPublicKey)|s3:(GetObject|ListBucket)|logs:|xray:)/.test(a),
        ),
      ).toEqual([]);
      // The evidence pack reads too: the change, the ledger, its test report, the digests and the key's public half; never Sign;
      // its one write is the download's own AuditQueried entry, on the ledger table only.
      expect(
        allowedActions(stack.apiFunctions['get-evidence']).filter(
          (a) =>
            !/^(dynamodb:(GetItem|Query|PutItem)|kms:(Decrypt|DescribeKey|Encrypt|GenerateDataKey|GetPublicKey)|s3:(GetObject|ListBucket)|logs:|xray:)/.test(a),
        ),
      ).toEqual([]);
      const evidencePuts = JSON.stringify(statementsOfRole(stack.apiFunctions['get-evidence']).filter((s) => list(s.Action).includes('dynamodb:PutItem')));
      const changesTable = Object.keys(template.findResources('AWS::DynamoDB::Table')).find((id) => /Changes/.test(id));
      expect(evidencePuts).toMatch(/TablesAuditChains/);
      expect(changesTable && evidencePuts.includes(changesTable)).toBe(false);
      // Anywhere but on the Idempotency table, whose records Powertools updates and deletes (only propose-change's: see below).
      const idempotencyTable = ref(stack.tables.table(IDEMPOTENCY_TABLE).tableArn);
      const writes = statements()
        .filter(({ s }) => s.Effect === 'Allow' && !list(s.Resource).every((r) => same(r, idempotencyTable)))
        .flatMap(({ s }) => list(s.Action).filter((a) => /^dynamodb:(UpdateItem|DeleteItem|BatchWriteItem)$/.test(a)));
      expect(writes).toEqual([]);
    });

    it('lets the handlers that take an Idempotency-Key (propose-change, decide-approval, control-deployment, advance-change), and no other, keep its records: Get/Put/Update/DeleteItem on the Idempotency table, named in their environment', () => {
      // GIVEN the Idempotency table's ARN and name as rendered
      const table = ref(stack.tables.table(IDEMPOTENCY_TABLE).tableArn);
      const tableName = ref(stack.tables.table(IDEMPOTENCY_TABLE).tableName);
      const keepers = ['propose-change', 'decide-approval', 'control-deployment', 'advance-change'] as const;
      const functions = stack.node.findAll().filter((c): c is CmvFunction => c instanceof CmvFunction);
      // THEN
      for (const handler of keepers) {
        expect(actionsOn(stack.apiFunctions[handler], table)).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
      }
      expect(
        functions
          .filter((fn) => actionsOn(fn, table).length > 0)
          .map((fn) => fn.entry)
          .sort(),
      ).toEqual(keepers.map((h) => `lambdas/handlers/api/${h}.ts`).sort());
      const named = Object.values(template.findResources('AWS::Lambda::Function'))
        .filter((r) => same((r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.IDEMPOTENCY_TABLE, tableName))
        .map((r) => r.Properties?.Description)
        .sort();
      expect(named).toEqual([
        'CMV API POST /changes',
        'CMV API POST /changes/{id}/advance',
        'CMV API POST /changes/{id}/approvals',
        'CMV API POST /changes/{id}/pause',
      ]);
    });

    it('denies every function of CMV, explicitly, what it never does to the ledger table: delete, update, batch-write items, change or restore the table', () => {
      // GIVEN the ledger table's ARN as rendered
      const table = ref(stack.tables.table(LEDGER_TABLE).tableArn);
      const functions = stack.node.findAll().filter((c): c is CmvFunction => c instanceof CmvFunction);
      // THEN
      expect(functions.length).toBeGreaterThanOrEqual(37);
      const missing = functions.filter(
        (fn) =>
          !statementsOfRole(fn).some(
            (s) => s.Effect === 'Deny' && list(s.Resource).some((r) => same(r, table)) && same([...list(s.Action)].sort(), [...LEDGER_DENIED_ACTIONS].sort()),
          ),
      );
      expect(missing.map((fn) => fn.entry)).toEqual([]);
      expect(LEDGER_DENIED_ACTIONS).toEqual(
        expect.arrayContaining(['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteTable']),
      );
    });

    it('lets propose-change and advance-change (a change created in the next environment) start the state machine, and only them', () => {
      // THEN
      const sm = ref(stack.workflow.stateMachineArn);
      expect(actionsOn(stack.apiFunctions['propose-change'], sm)).toEqual(['states:StartExecution']);
      const starters = [...Object.entries(stack.apiFunctions), ...Object.entries(stack.workflowFunctions)].filter(([, fn]) =>
        allActions(fn).includes('states:StartExecution'),
      );
      expect(starters.map(([name]) => name).sort()).toEqual(['advance-change', 'propose-change']);
    });

    it('lets decide-approval and the approval page resume the task (no heartbeat), and only the page and request-approval read the link secret', () => {
      // THEN
      // Named by ARN, not referenced: the approval task holds this grant too, and a reference would make a cycle.
      const sm = ref(
        stack.formatArn({
          service: 'states',
          resource: 'stateMachine',
          resourceName: stack.workflow.stateMachineName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
      expect(actionsOn(stack.workflowFunctions.RequestApprovalFunctionArn, sm)).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
      for (const handler of ['decide-approval', 'approval-page'] as const) {
        expect(actionsOn(stack.apiFunctions[handler], sm)).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
      }
      const secretReaders = [...Object.entries(stack.apiFunctions), ...Object.entries(stack.workflowFunctions)]
        .filter(([, fn]) => allActions(fn).includes('secretsmanager:GetSecretValue'))
        .map(([name]) => name)
        .sort();
      expect(secretReaders).toEqual(['RequestApprovalFunctionArn', 'approval-page']);
    });

    it('lets only the handlers that read users or the policy get the deployment config object, and nothing else of the assets bucket', () => {
      // THEN
      const readers = [...Object.entries(stack.apiFunctions), ...Object.entries(stack.workflowFunctions)]
        .filter(([, fn]) =>
          statementsOfRole(fn).some(
            (s) => list(s.Action).includes('s3:GetObject') && list(s.Resource).some((r) => JSON.stringify(r).includes('cdk-hnb659fds-assets')),
          ),
        )
        .map(([name]) => name)
        .sort();
      expect(readers).toEqual(['RequestApprovalFunctionArn', 'ScheduleDeploymentFunctionArn', 'advance-change', 'approval-page', 'propose-change']);
      const statement = statementsOfRole(stack.apiFunctions['propose-change']).find((s) => JSON.stringify(s.Resource).includes('cdk-hnb659fds-assets'));
      expect(statement).toMatchObject({ Effect: 'Allow', Action: 's3:GetObject' });
      // One object, named by its content hash: `arn:<partition>:s3:::cdk-hnb659fds-assets-<account>-<region>/<sha256>.json`.
      expect(JSON.stringify(statement?.Resource)).toMatch(
        /^\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":s3:::",\{"Fn::Sub":"cdk-hnb659fds-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}"\},"\/[0-9a-f]{64}\.json"\]\]\}$/,
      );
    });

    it('lets request-approval publish to the approval topic', () => {
      // THEN
      const topic = { Ref: Object.keys(resources).find((id) => resources[id].Type === 'AWS::SNS::Topic') };
      expect(actionsOn(stack.workflowFunctions.RequestApprovalFunctionArn, topic)).toEqual(['sns:Publish']);
    });

    it('scopes the deploy actions to the registered target function, its alias and its canary alarm', () => {
      // GIVEN
      const [target] = stack.targets;
      const fnArn = ref(target.function.functionArn);
      const aliasArn = ref(target.alias.functionArn);
      const alarmArn = ref(target.canaryAlarmArns[0]);
      // THEN
      expect(actionsOn(stack.workflowFunctions.StartDeploymentFunctionArn, fnArn)).toEqual([
        'lambda:GetAlias',
        'lambda:GetFunction',
        'lambda:GetFunctionConfiguration',
        'lambda:PublishVersion',
        'lambda:UpdateFunctionCode',
        'lambda:UpdateFunctionConfiguration',
      ]);
      expect(actionsOn(stack.workflowFunctions.StartDeploymentFunctionArn, alarmArn)).toEqual(['cloudwatch:PutMetricAlarm']);
      expect(actionsOn(stack.workflowFunctions.CheckCanaryFunctionArn, alarmArn)).toEqual(['cloudwatch:DescribeAlarms']);
      for (const fn of [stack.workflowFunctions.ShiftTrafficFunctionArn, stack.workflowFunctions.RollbackFunctionArn, stack.apiFunctions['activate-version']]) {
        expect(actionsOn(fn, aliasArn)).toEqual(['lambda:GetAlias', 'lambda:UpdateAlias']);
      }
      // The smoke tests invoke the new version (before traffic) and the alias (at 100 %) by their qualified ARNs; no API
      // function invokes anything (the target's callers reach it directly).
      const qualifiedArns = { 'Fn::Join': ['', [fnArn, ':*']] };
      expect(actionsOn(stack.workflowFunctions.RunSmokeTestsFunctionArn, qualifiedArns)).toEqual(['lambda:InvokeFunction']);
      for (const fn of Object.values(stack.apiFunctions)) expect(allActions(fn)).not.toContain('lambda:InvokeFunction');
      expect(JSON.stringify(alarmArn)).toContain(':alarm:cmv-benefit-calculator-error-rate');
      // and nothing of the kind on anything else
      const lambdaResources = statements()
        .filter(({ s }) => list(s.Action).some((a) => /^lambda:(Update|Publish|GetAlias)/.test(a)))
        .flatMap(({ s }) => list(s.Resource).map((r) => JSON.stringify(r)));
      expect(new Set(lambdaResources)).toEqual(new Set([JSON.stringify(fnArn), JSON.stringify(aliasArn)]));
    });
  });

  describe('other resources', () => {
    it('creates the CodeBuild test project: KMS-encrypted, unprivileged, inline buildspec that fetches, unzips and runs the test command', () => {
      // THEN
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Name: 'cmv-change-tests',
        EncryptionKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
        Environment: { Type: 'ARM_CONTAINER', Image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0', PrivilegedMode: false },
        Source: { Type: 'NO_SOURCE', BuildSpec: Match.stringLikeRegexp('aws s3 cp[^\\n]*\\$CMV_ARTIFACT_URI') },
        LogsConfig: { CloudWatchLogs: { Status: 'ENABLED' } },
      });
      const [project] = Object.values(template.findResources('AWS::CodeBuild::Project'));
      const buildSpec = project.Properties.Source.BuildSpec as string;
      expect(buildSpec).toContain('unzip');
      expect(buildSpec).toContain(JSON.stringify(SUITE_RUNNER_SCRIPT).slice(1, 40));
      expect(buildSpec).toContain('aws s3 cp --only-show-errors \\"$WORK_DIR/report.json\\" \\"$CMV_REPORT_URI\\"');
    });

    it('tests changes on the architecture the targets run on', () => {
      // GIVEN every registered target's function
      const targetFunctions = stack.targets.map((t) => resources[logicalId(t.function)]);
      expect(targetFunctions.length).toBeGreaterThan(0);
      // THEN each runs on arm64, as the test build does
      for (const fn of targetFunctions) expect(fn.Properties?.Architectures).toEqual(['arm64']);
      template.hasResourceProperties('AWS::CodeBuild::Project', { Environment: { Type: 'ARM_CONTAINER' } });
    });

    it('waits for a test build longer than CodeBuild may queue and run it', () => {
      // GIVEN the project's timeouts and the workflow's test build tasks
      const [project] = Object.values(template.findResources('AWS::CodeBuild::Project'));
      const { QueuedTimeoutInMinutes, TimeoutInMinutes } = project.Properties as { QueuedTimeoutInMinutes: number; TimeoutInMinutes: number };
      const states = (
        JSON.parse(readFileSync(path.resolve(__dirname, '../..', STATE_MACHINE_FILE), 'utf8')) as {
          States: Record<string, { Resource?: string; TimeoutSeconds?: number }>;
        }
      ).States;
      const tasks = Object.values(states).filter((s) => s.Resource === 'arn:aws:states:::codebuild:startBuild.sync');
      // THEN
      expect(tasks).toHaveLength(2);
      for (const task of tasks) expect(task.TimeoutSeconds).toBeGreaterThan((QueuedTimeoutInMinutes + TimeoutInMinutes) * 60);
    });

    it('runs the sweep (approval expiry and the reconciler) every 5 minutes, allowed to move aliases, start workflows and answer task tokens', () => {
      // THEN
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScheduledHandlersSweep'), 'Arn'] } })]),
      });
      const sweeper = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('ScheduledHandlersSweep'));
      expect(sweeper).toBeDefined();
      const role = stack.node.findAll().find((c) => c.node.path === 'Cmv/ScheduledHandlers/Sweep') as unknown as IGrantable;
      expect(allActions(role).filter((a) => /^(lambda|states):/.test(a))).toEqual([
        // It releases what an ended blue-green deployment left warm, when a crash came between its end and the release.
        'lambda:DeleteProvisionedConcurrencyConfig',
        'lambda:GetAlias',
        'lambda:UpdateAlias',
        'states:SendTaskFailure',
        'states:SendTaskSuccess',
        'states:StartExecution',
      ]);
      // It delivers a CodeDeploy wait whose deployment ended, when the deployment's event was lost.
      expect(allActions(role)).toContain('codedeploy:GetDeployment');
    });

    it('lets only the warm-up task put and read provisioned concurrency, and only the tasks ending a deployment (and the sweep) release it', () => {
      // THEN: every role of the stack, by the provisioned-concurrency actions it has.
      const roles = stack.node
        .findAll()
        .filter((c): c is CmvFunction => c instanceof CmvFunction)
        .map((fn) => ({ path: fn.node.path, actions: allActions(fn.role as IGrantable).filter((a) => a.includes('ProvisionedConcurrency')) }))
        .filter((r) => r.actions.length > 0);
      const byPath = Object.fromEntries(roles.map((r) => [r.path.replace(/^Cmv\//, ''), r.actions]));
      expect(byPath).toEqual({
        'WorkflowHandlers/WarmUp': ['lambda:GetProvisionedConcurrencyConfig', 'lambda:PutProvisionedConcurrencyConfig'],
        'WorkflowHandlers/FinalizeDeployment': ['lambda:DeleteProvisionedConcurrencyConfig'],
        'WorkflowHandlers/Rollback': ['lambda:DeleteProvisionedConcurrencyConfig'],
        'WorkflowHandlers/RecordFailure': ['lambda:DeleteProvisionedConcurrencyConfig'],
        'ApiHandlers/ControlDeployment': ['lambda:DeleteProvisionedConcurrencyConfig'],
        'EventHandlers/AlarmStateChange': ['lambda:DeleteProvisionedConcurrencyConfig'],
        'ScheduledHandlers/Sweep': ['lambda:DeleteProvisionedConcurrencyConfig'],
      });
      // On the target function's published versions only (its qualified ARNs), never the function itself.
      const warmUp = stack.workflowFunctions.WarmUpFunctionArn;
      const resourcesOf = statementsOfRole(warmUp.role as IGrantable)
        .filter((st) => list(st.Action).some((a) => String(a).includes('ProvisionedConcurrency')))
        .flatMap((st) => list(st.Resource));
      expect(resourcesOf.map((r) => JSON.stringify(r))).toEqual([expect.stringMatching(/":\*"\]\]\}$/)]);
    });

    it('sends CMV alarms moving to ALARM to the alarm handler (event-driven rollback), with retries', () => {
      // THEN
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          detail: { alarmName: [{ prefix: 'cmv-' }], state: { value: ['ALARM'] } },
        },
        Targets: Match.arrayWith([
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventHandlersAlarmStateChange'), 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 4 },
          }),
        ]),
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventHandlersAlarmStateChange'), 'Arn'] },
      });
    });

    it("sends the end of a CodeDeploy deployment of CMV's application to the handler that wakes its workflow (no polling), with retries", () => {
      // THEN
      const application = stack.node.findChild('CodeDeployApplication');
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.codedeploy'],
          'detail-type': ['CodeDeploy Deployment State-change Notification'],
          detail: { application: [{ Ref: logicalId(application) }], state: ['SUCCESS', 'FAILURE', 'STOP'] },
        },
        Targets: Match.arrayWith([
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CodeDeployEventHandlersCodeDeployStateChange'), 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 4 },
          }),
        ]),
      });
      const handler = stack.node.findAll().find((c) => c.node.path === 'Cmv/CodeDeployEventHandlers/CodeDeployStateChange') as unknown as IGrantable;
      expect(allActions(handler).filter((a) => !/^(logs|xray|kms):/.test(a))).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'states:SendTaskFailure',
        'states:SendTaskSuccess',
      ]);
    });

    it("lets only the workflow's wait step schedule wake-ups, in the wake group, and only the wake function answer them with the token", () => {
      // THEN
      const waitStep = stack.workflowFunctions.ScheduleWakeFunctionArn;
      const schedulers = Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy')
        .filter((r) =>
          list((r.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement).some((st) =>
            list(st.Action).includes('scheduler:CreateSchedule'),
          ),
        );
      expect(schedulers.map((r) => r.Properties?.Roles)).toEqual([[{ Ref: logicalId(waitStep.role) }]]);
      expect(allActions(waitStep).filter((a) => /^(scheduler|iam|states|codedeploy):/.test(a))).toEqual([
        'codedeploy:GetDeployment',
        'iam:PassRole',
        'scheduler:CreateSchedule',
        'states:SendTaskFailure',
        'states:SendTaskSuccess',
      ]);
      const env = (resources[logicalId(waitStep.function)].Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
      expect(Object.keys(env)).toEqual(expect.arrayContaining(['WAKE_SCHEDULE_GROUP', 'WAKE_FUNCTION_ARN', 'WAKE_ROLE_ARN']));
      const wakeDue = stack.node.findAll().find((c) => c.node.path === 'Cmv/Wakes/WakeDue') as unknown as IGrantable;
      expect(allActions(wakeDue).filter((a) => /^(states|codedeploy|scheduler):/.test(a))).toEqual([
        'codedeploy:GetDeployment',
        'states:SendTaskFailure',
        'states:SendTaskSuccess',
      ]);
    });

    it('encrypts the approval topic with the app key and refuses plain HTTP', () => {
      // THEN
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    });

    it('keeps artifacts KMS-encrypted, versioned, private and access-logged', () => {
      // THEN
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
              BucketKeyEnabled: true,
            },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^ArtifactBucketAccessLogs') } },
      });
    });

    it('generates a 64-character link secret encrypted with the app key', () => {
      // THEN
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      });
    });

    it('creates a user pool without self sign-up, MFA required, and one group per role', () => {
      // THEN
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
        MfaConfiguration: 'ON',
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14, RequireSymbols: true, RequireUppercase: true }) },
      });
      for (const group of BUILT_IN_ROLES) {
        template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: group });
      }
      template.resourceCountIs('AWS::Cognito::UserPoolGroup', BUILT_IN_ROLES.length);
    });

    it('registers benefit-calculator from its target.json: function, live alias on the current version, error-rate alarm on the alias', () => {
      // GIVEN the example's registration
      const target = JSON.parse(readFileSync(path.resolve(__dirname, '../../examples/benefit-calculator/target.json'), 'utf8'));
      // THEN
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: target.functionName,
        Handler: target.handler,
        Runtime: target.runtime,
        Environment: { Variables: target.config },
      });
      template.hasResourceProperties('AWS::Lambda::Alias', {
        Name: target.alias,
        FunctionVersion: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TargetbenefitcalculatorFirstVersion'), 'Version'] },
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `cmv-${target.name}-${target.alias}-error-rate`,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: target.alarms.errorRatePercent,
        TreatMissingData: 'notBreaching',
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: Match.stringLikeRegexp('100 \\* errors / invocations'), ReturnData: true }),
          Match.objectLike({
            Id: 'errors',
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({
                MetricName: 'Errors',
                Dimensions: Match.arrayWith([{ Name: 'Resource', Value: Match.anyValue() }]),
              }),
            }),
          }),
        ]),
      });
    });

    it('signs ledger digests with an asymmetric KMS key for ECDSA P-256 signatures, retained', () => {
      // THEN
      template.hasResource('AWS::KMS::Key', {
        Properties: Match.objectLike({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('keeps digests in a versioned bucket under Object Lock in compliance mode for 7 years, private, TLS only, retained', () => {
      // THEN
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          ObjectLockEnabled: true,
          ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } } },
          VersioningConfiguration: { Status: 'Enabled' },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        }),
        DeletionPolicy: 'Retain',
      });
    });

    it('lets nobody put a digest without If-None-Match, delete one, or unlock it (bucket policy, every principal)', () => {
      // GIVEN the digest bucket's policy
      const bucket = logicalId(stack.digests.bucket);
      const policy = Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && same(r.Properties?.Bucket, { Ref: bucket }));
      const document = policy?.Properties?.PolicyDocument as { Statement: (Statement & { Principal: unknown })[] } | undefined;
      const denies = list(document?.Statement).filter((s) => s.Effect === 'Deny' && same(s.Principal, { AWS: '*' }));
      // THEN
      expect(denies).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Action: 's3:PutObject', Condition: { Null: { 's3:if-none-match': 'true' } } }),
          expect.objectContaining({
            Action: ['s3:BypassGovernanceRetention', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectLegalHold', 's3:PutObjectRetention'],
          }),
          expect.objectContaining({ Action: ['s3:PutBucketObjectLockConfiguration', 's3:PutLifecycleConfiguration'] }),
        ]),
      );
    });

    it('lets only the digest makers sign and put digests, and verify-audit and get-evidence read them and the public key', () => {
      // GIVEN
      const key = ref(stack.digestKey.keyArn);
      const functions = stack.node.findAll().filter((c): c is CmvFunction => c instanceof CmvFunction);
      const may = (action: string) =>
        functions
          .filter((fn) =>
            statementsOfRole(fn).some(
              (s) => s.Effect === 'Allow' && list(s.Action).includes(action) && (!action.startsWith('kms:') || actionsOn(fn, key).includes(action)),
            ),
          )
          .map((fn) => fn.entry)
          .sort();
      // THEN
      expect(actionsOn(stack.apiFunctions['create-digest'], key)).toEqual(['kms:Sign']);
      expect(actionsOn(stack.apiFunctions['verify-audit'], key)).toEqual(['kms:GetPublicKey']);
      expect(actionsOn(stack.apiFunctions['get-evidence'], key)).toEqual(['kms:GetPublicKey']);
      expect(may('kms:Sign')).toEqual(['lambdas/handlers/api/create-digest.ts', 'lambdas/handlers/scheduled/make-digest.ts']);
      expect(may('kms:GetPublicKey')).toEqual(['lambdas/handlers/api/get-evidence.ts', 'lambdas/handlers/api/verify-audit.ts']);
      expect(may('s3:ListBucket')).toEqual([
        'lambdas/handlers/api/create-digest.ts',
        'lambdas/handlers/api/get-evidence.ts',
        'lambdas/handlers/api/verify-audit.ts',
        'lambdas/handlers/scheduled/make-digest.ts',
      ]);
    });

    it('lets only the bundle signers (plan-change, register-target, and the sweep, which signs a registered version a crash left unsigned) sign with the bundle key, and the verifiers (start-deployment, activate-version, advance-change) read its public key', () => {
      // GIVEN
      const key = ref(stack.bundleKey.keyArn);
      const functions = stack.node.findAll().filter((c): c is CmvFunction => c instanceof CmvFunction);
      const may = (action: string) =>
        functions
          .filter((fn) => actionsOn(fn, key).includes(action))
          .map((fn) => fn.entry)
          .sort();
      // THEN
      template.hasResource('AWS::KMS::Key', {
        Properties: Match.objectLike({
          KeySpec: 'ECC_NIST_EDWARDS25519',
          KeyUsage: 'SIGN_VERIFY',
          Description: Match.stringLikeRegexp('manifests of versions'),
        }),
        DeletionPolicy: 'Retain',
      });
      expect(may('kms:Sign')).toEqual([
        'lambdas/handlers/api/register-target.ts',
        'lambdas/handlers/scheduled/sweep.ts',
        'lambdas/handlers/workflow/plan-change.ts',
      ]);
      expect(may('kms:GetPublicKey')).toEqual([
        'lambdas/handlers/api/activate-version.ts',
        'lambdas/handlers/api/advance-change.ts',
        'lambdas/handlers/workflow/start-deployment.ts',
      ]);
      for (const fn of functions) expect(actionsOn(fn, key).filter((a) => a !== 'kms:Sign' && a !== 'kms:GetPublicKey')).toEqual([]);
      template.hasOutput('BundleKeyArn', {});
      // KeySpec is immutable: CloudFormation fails an in-place change, so the Ed25519 key is a new resource (and alias) beside the retained P-256 one.
      expect(stack.resolve((stack.bundleKey.node.defaultChild as CfnElement).logicalId)).toMatch(/^BundleKeyEd25519/);
      template.hasResourceProperties('AWS::KMS::Alias', { AliasName: Match.stringLikeRegexp('-bundles-ed25519$') });
    });

    it('makes a digest every 15 minutes and when a deployment ends (CMV events Deployment Succeeded, Deployment Rolled Back)', () => {
      // GIVEN the digest function
      const digester = stack.node.findAll().find((c): c is CmvFunction => c instanceof CmvFunction && c.entry.endsWith('make-digest.ts'));
      const target = Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(digester?.function as never), 'Arn'] } })]);
      // THEN
      template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)', Targets: target });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: ['cmv'], 'detail-type': ['Deployment Succeeded', 'Deployment Rolled Back'] },
        Targets: target,
      });
    });

    it('outputs what the CLI and operators need', () => {
      // THEN
      for (const output of ['ApiUrl', 'UserPoolId', 'StateMachineArn', 'ArtifactBucketName', 'ApprovalTopicArn', 'DigestBucketName', 'DigestKeyArn'])
        template.hasOutput(output, {});
    });
  });

  it('has no dependency cycle between resources', () => {
    // GIVEN the references (Ref, GetAtt, DependsOn) of each resource
    const deps = new Map<string, Set<string>>();
    const collect = (v: unknown, out: Set<string>): void => {
      if (Array.isArray(v)) for (const x of v) collect(x, out);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.Ref === 'string' && o.Ref in resources) out.add(o.Ref);
        if (Array.isArray(o['Fn::GetAtt'])) out.add(o['Fn::GetAtt'][0] as string);
        for (const x of Object.values(o)) collect(x, out);
      }
    };
    for (const [id, r] of Object.entries(resources)) {
      const out = new Set<string>(list(r.DependsOn));
      collect(r.Properties, out);
      deps.set(id, out);
    }
    // WHEN walking them depth-first
    const state = new Map<string, 'visiting' | 'done'>();
    const cycleFrom = (id: string, trail: string[]): string[] | undefined => {
      if (state.get(id) === 'visiting') return [...trail.slice(trail.indexOf(id)), id];
      if (state.get(id) === 'done') return undefined;
      state.set(id, 'visiting');
      for (const d of deps.get(id) ?? []) {
        const cycle = cycleFrom(d, [...trail, id]);
        if (cycle) return cycle;
      }
      state.set(id, 'done');
      return undefined;
    };
    // THEN
    const cycles = Object.keys(resources)
      .map((id) => cycleFrom(id, []))
      .filter(Boolean);
    expect(cycles).toEqual([]);
  });

  it('synthesizes without CDK errors or warnings (deprecated APIs, unresolved values)', () => {
    // THEN
    // (One Annotations: each fromStack synthesizes the whole app again.)
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  // cdk-nag 3 reports through CDK's Validations (not Annotations, as cdk-nag 2 did): the pack's
  // validateScope() is its documented entry point for tests; `cdk synth` fails on the same findings.
  describe('code signing', () => {
    const startDeployment = () => {
      const [placeholder] = Object.entries(WORKFLOW_FUNCTIONS).find(([, handler]) => handler === 'start-deployment') ?? [];
      return stack.workflowFunctions[placeholder as keyof typeof stack.workflowFunctions];
    };

    it('makes one Signer profile (AWSLambda-SHA384-ECDSA) and a Lambda code signing configuration that enforces it', () => {
      // THEN
      template.resourceCountIs('AWS::Signer::SigningProfile', 1);
      template.hasResourceProperties('AWS::Signer::SigningProfile', { PlatformId: 'AWSLambda-SHA384-ECDSA', ProfileName: 'Cmv_code' });
      template.hasResourceProperties('AWS::Lambda::CodeSigningConfig', {
        AllowedPublishers: { SigningProfileVersionArns: [{ 'Fn::GetAtt': [logicalId(stack.codeSigning.profile), 'ProfileVersionArn'] }] },
        CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Enforce' },
      });
    });

    it("gives every registered target's function the configuration once its first version exists", () => {
      // THEN
      const calls = Object.values(resources).filter((r) => r.Type === 'Custom::AWS');
      const create = calls.map((r) => JSON.stringify(r.Properties?.Create));
      for (const t of stack.targets) {
        expect(create.filter((c) => c.includes('PutFunctionCodeSigningConfig') && c.includes(logicalId(t.function)))).toHaveLength(1);
      }
      expect(calls).toHaveLength(stack.targets.length);
    });

    it('lets StartDeployment alone sign: StartSigningJob on the profile, DescribeSigningJob, the signed prefix written, the artifacts read by version', () => {
      // THEN
      const fn = startDeployment();
      const profileArn = {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':signer:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':/signing-profiles/Cmv_code'],
        ],
      };
      expect(actionsOn(fn, profileArn)).toEqual(['signer:StartSigningJob']);
      const bucket = logicalId(stack.artifacts.bucket);
      expect(actionsOn(fn, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/code-signing/signed/*']] })).toEqual(['s3:PutObject']);
      expect(actionsOn(fn, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/artifacts/*']] })).toEqual(['s3:GetObjectVersion']);
      expect(allActions(fn).filter((a) => a.startsWith('signer:'))).toEqual(['signer:DescribeSigningJob', 'signer:StartSigningJob']);
      const others = [...Object.values(stack.apiFunctions), ...Object.values(stack.workflowFunctions)].filter((f) => f !== fn);
      expect(others.filter((f) => allActions(f).some((a) => a.startsWith('signer:'))).map((f) => f.entry)).toEqual([]);
    });
  });

  it('passes the cdk-nag AwsSolutions checks: no error and no warning left unacknowledged', () => {
    // WHEN the pack checks the synthesized tree
    const report = new AwsSolutionsChecks(app).validateScope(app);
    // THEN
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });
});
