import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { AwsPorts } from '../../lambdas/handlers/aws-services';
import { CmvStack } from '../../lib/cmv-stack';
import { CmvFunction } from '../../lib/constructs/cmv-function';
import { repoPath } from '../../lib/constructs/repo';

type Port = keyof AwsPorts;

/**
 * The port whose adapter makes each AWS call a role may make, matched on `<action> <resource as JSON>`
 * (an action of none of these is the tables', keys', logs' or tracing's).
 */
const PORT_OF_ACTION: readonly (readonly [RegExp, Port])[] = [
  [/^digests s3:/, 'digests'],
  [/^signer:/, 'codeSigner'],
  [/^states:/, 'workflow'],
  // The deployment's config document: an object of the CDK bootstrap's asset bucket.
  [/^s3:GetObject .*cdk-[a-z0-9]+-assets-/, 'config'],
  [/^kms:(Sign|GetPublicKey) .*BundleKey/, 'bundleSigner'],
  [/^kms:(Sign|GetPublicKey) /, 'signer'],
  [/^s3:/, 'artifacts'],
  [/^lambda:/, 'functions'],
  [/^cloudwatch:(PutMetricAlarm|DescribeAlarms) /, 'alarms'],
  [/^cloudwatch:GetMetricData /, 'metrics'],
  [/^codedeploy:/, 'codeDeploy'],
  [/^events:PutEvents /, 'events'],
  [/^sns:Publish /, 'notifier'],
  [/^secretsmanager:GetSecretValue /, 'linkKeys'],
  [/^(scheduler:CreateSchedule|iam:PassRole) /, 'wakes'],
];
/** Calls of every handler (the tables), or of the Lambda service with the function's role (logs, tracing, the stream and its dead-letter queue). */
const NO_PORT = /^(dynamodb|kms|logs|xray|sqs):/;

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource?: unknown;
}
type Resources = Record<string, { Type: string; Properties?: { Roles?: unknown[]; PolicyDocument?: { Statement: Statement[] } } }>;
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe('the AWS ports of each handler', () => {
  let functions: CmvFunction[];
  let portsOfRole: (fn: CmvFunction) => { ports: Port[]; unknown: string[] };

  beforeAll(() => {
    // GIVEN the stack (its grants; no bundling: the code is not the point)
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new CmvStack(app, 'Cmv');
    const resources = Template.fromStack(stack).toJSON().Resources as Resources;
    // The deploy-time custom resources (lambdas/handlers/deploy) build their own clients, not awsServices' ports: their grants are tested with their constructs.
    functions = stack.node
      .findAll()
      .filter((c): c is CmvFunction => c instanceof CmvFunction)
      .filter((fn) => !fn.entry.startsWith('lambdas/handlers/deploy/'));
    portsOfRole = (fn) => {
      const role = { Ref: stack.resolve((fn.role.node.defaultChild as CfnElement).logicalId) };
      // What the role may do (explicit denies call nothing); S3 actions on the digest bucket are the digests port's.
      const digestBucket = stack.resolve((stack.digests.bucket.node.defaultChild as CfnElement).logicalId) as string;
      const actions = Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && list(r.Properties?.Roles).some((x) => JSON.stringify(x) === JSON.stringify(role)))
        .flatMap((r) => list(r.Properties?.PolicyDocument?.Statement).filter((s) => s.Effect === 'Allow'))
        .flatMap((s) =>
          list(s.Action).flatMap((action) =>
            list(s.Resource as unknown).map((resource) => {
              const text = `${action} ${JSON.stringify(resource)}`;
              // S3 actions on the digest bucket are the digests port's.
              return action.startsWith('s3:') && text.includes(digestBucket) ? `digests ${text}` : text;
            }),
          ),
        );
      const ports = new Set<Port>();
      const unknown: string[] = [];
      for (const action of actions) {
        const port = PORT_OF_ACTION.find(([pattern]) => pattern.test(action))?.[1];
        if (port) ports.add(port);
        else if (!NO_PORT.test(action)) unknown.push(action);
      }
      return { ports: [...ports].sort(), unknown };
    };
  }, 120_000);

  it('covers every function of the stack', () => {
    // THEN (the API's, the workflow's, the hooks, the sweeper, the alarm handler, the ledger publisher: none found would pass the next test vacuously)
    expect(functions.length).toBeGreaterThanOrEqual(37);
  });

  it('names exactly the AWS services its role may call: each client it loads is granted, each grant has its client', () => {
    // WHEN each handler module's awsPorts is read
    const mismatches = functions.flatMap((fn) => {
      const { awsPorts } = require(repoPath(fn.entry)) as { awsPorts?: AwsPorts };
      const named = Object.keys(awsPorts ?? { missing: true }).sort();
      const { ports, unknown } = portsOfRole(fn);
      return JSON.stringify(named) === JSON.stringify(ports) && unknown.length === 0 ? [] : [{ entry: fn.entry, named, granted: ports, unknown }];
    });
    // THEN
    expect(mismatches).toEqual([]);
  });
});
