import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CmvStack } from '../../lib/cmv-stack';
import { repoPath } from '../../lib/constructs/repo';

/** Lambda's limit on a function's environment variables, all together (Lambda quotas: "4 KB, for all environment variables associated with the function, in aggregate"). */
const LAMBDA_ENV_LIMIT_BYTES = 4096;
/** What a Ref or Fn::GetAtt may resolve to at most, for the sizes below: a generated name or an ARN. */
const RESOLVED_TOKEN_BYTES = 160;

/** The `-c name=value` context values of README's `npx cdk deploy` command (the one at the start of a line: the runbook's, indented, name your files). */
function readmeDeployContext(): Record<string, string> {
  const readme = readFileSync(repoPath('README.md'), 'utf8');
  const context: Record<string, string> = {};
  for (const line of readme.split('\n').filter((l) => /^npx cdk deploy\b/.test(l))) {
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
    expect(context).toEqual({
      cmvUsersFile: 'examples/users.json',
      cmvPolicyFile: 'examples/policy.yaml',
      cmvTargetFiles: 'examples/benefit-calculator/target.json',
    });
  });

  it('registers the services of cmvTargetFiles', () => {
    // THEN: the example's function, its live alias and its deployment group
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'benefit-calculator' });
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live' });
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
  });

  it('gives every function an environment under Lambda’s 4 KB', () => {
    // THEN
    const functions = template.findResources('AWS::Lambda::Function');
    const sizes = Object.entries(functions).map(([id, fn]) => [id, resolvedSize(fn.Properties?.Environment?.Variables ?? {})] as const);
    expect(sizes.length).toBeGreaterThan(30);
    expect(sizes.filter(([, size]) => size >= LAMBDA_ENV_LIMIT_BYTES)).toEqual([]);
  });
});

describe('CmvStack context cmvTargetFiles', () => {
  it('reads a comma-separated list of target.json paths, relative to where cdk runs', () => {
    // GIVEN a second service next to a copy of the example, named from a cwd that is not the repository root
    const dir = mkdtempSync(join(tmpdir(), 'cmv-targets-'));
    cpSync(repoPath('examples', 'benefit-calculator'), join(dir, 'claims-api'), { recursive: true, filter: (f) => !f.includes('node_modules') });
    const target = JSON.parse(readFileSync(join(dir, 'claims-api', 'target.json'), 'utf8'));
    writeFileSync(join(dir, 'claims-api', 'target.json'), JSON.stringify({ ...target, name: 'claims-api', functionName: 'claims-api' }));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const app = new App({
        context: { 'aws:cdk:bundling-stacks': [], cmvTargetFiles: ` claims-api/target.json,${repoPath('examples/benefit-calculator/target.json')}` },
      });
      // WHEN
      const stack = new CmvStack(app, 'Cmv');
      // THEN
      expect(stack.targets.map((t) => t.registration.functionName)).toEqual(['claims-api', 'benefit-calculator']);
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a list that names no file, naming the context key', () => {
    // GIVEN
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], cmvTargetFiles: ' , ' } });
    // WHEN / THEN
    expect(() => new CmvStack(app, 'Cmv')).toThrow(/cmvTargetFiles/);
  });
});
