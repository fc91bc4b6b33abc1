import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CmvStack } from '../../lib/cmv-stack';
import { repoPath } from '../../lib/constructs/repo';

/** Lambda's limit on a function's environment variables, all together (Lambda quotas: "4 KB, for all environment variables associated with the function, in aggregate"). */
const LAMBDA_ENV_LIMIT_BYTES = 4096;
/** What a Ref or Fn::GetAtt may resolve to at most, for the sizes below: a generated name or an ARN. */
const RESOLVED_TOKEN_BYTES = 160;

/** The `-c name=value` context values of README's `npx cdk deploy` commands. */
function readmeDeployContext(): Record<string, string> {
  const readme = readFileSync(repoPath('README.md'), 'utf8');
  const context: Record<string, string> = {};
  for (const line of readme.split('\n').filter((l) => /^\s*npx cdk deploy\b/.test(l))) {
    for (const [, name, value] of line.matchAll(/-c\s+(\w+)=(\S+)/g)) context[name] = value;
  }
  return context;
}

/** Bytes of an environment's variables once CloudFormation resolved them, counted as JSON (keys, values, quotes). */
function resolvedSize(variables: Record<string, unknown>): number {
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const intrinsic = value as Record<string, unknown>;
    if ('Fn::Join' in intrinsic) {
      const [sep, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
      return parts.map(resolve).join(sep);
    }
    if (intrinsic.Ref === 'AWS::Region') return 'ap-southeast-2';
    if (intrinsic.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
    if (intrinsic.Ref === 'AWS::AccountId') return '123456789012';
    if (intrinsic.Ref === 'AWS::Partition') return 'aws';
    return 'x'.repeat(RESOLVED_TOKEN_BYTES);
  };
  return Buffer.byteLength(JSON.stringify(Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, resolve(v)]))));
}

describe('CmvStack with the context values of README', () => {
  const context = readmeDeployContext();
  let template: Template;

  beforeAll(() => {
    // GIVEN the context values README's deploy command passes (paths relative to the repository root, where it runs)
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [], ...Object.fromEntries(Object.entries(context).map(([k, v]) => [k, repoPath(v)])) },
    });
    // WHEN
    template = Template.fromStack(new CmvStack(app, 'Cmv'));
  }, 120_000);

  it('reads README deploy command with a users file and a policy file', () => {
    // THEN
    expect(context).toEqual({ cmvUsersFile: 'examples/users.json', cmvPolicyFile: 'examples/policy.yaml' });
  });

  it('gives every function an environment under Lambda’s 4 KB', () => {
    // THEN
    const functions = template.findResources('AWS::Lambda::Function');
    const sizes = Object.entries(functions).map(([id, fn]) => [id, resolvedSize(fn.Properties?.Environment?.Variables ?? {})] as const);
    expect(sizes.length).toBeGreaterThan(30);
    expect(sizes.filter(([, size]) => size >= LAMBDA_ENV_LIMIT_BYTES)).toEqual([]);
  });
});
