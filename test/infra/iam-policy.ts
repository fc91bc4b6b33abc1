import type { Template } from 'aws-cdk-lib/assertions';

/**
 * Reading a synthesized template's identity policies the way IAM evaluates them: which statements
 * apply to a role, and whether they allow an action on one concrete ARN (IAM's `*` and `?`
 * wildcards; an explicit Deny wins). Only what the CMV infra tests need: `Fn::Join`, `Fn::GetAtt`
 * `Arn`, `Ref` (pseudo parameters, and resources whose `Ref` is an ARN, such as Lambda aliases).
 */

/** A policy statement as CloudFormation renders it. */
export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The statements of every AWS::IAM::Policy attached to the role with logical id `roleId`. */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
    Properties: { Roles?: unknown[]; PolicyDocument: { Statement: Statement[] } };
  }[];
  return policies
    .filter((p) => list(p.Properties.Roles).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => list(p.Properties.PolicyDocument.Statement));
}

/** Values of the pseudo parameters, and of the `Ref`s and `Fn::GetAtt … Arn`s (by logical id) a resource may name. */
export interface ArnValues {
  readonly partition?: string;
  readonly region?: string;
  readonly account?: string;
  /** `{Ref: id}` → value, e.g. a Lambda alias's ARN. */
  readonly refs?: Readonly<Record<string, string>>;
  /** `{Fn::GetAtt: [id, 'Arn']}` → value. */
  readonly arns?: Readonly<Record<string, string>>;
}

/**
 * The string CloudFormation makes of a policy resource.
 * @throws Error naming the intrinsic it cannot render (a test that would otherwise pass by accident)
 */
export function renderResource(value: unknown, v: ArnValues): string {
  if (typeof value === 'string') return value;
  const o = value as Record<string, unknown>;
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => renderResource(p, v)).join(sep);
  }
  if ('Ref' in o) {
    const ref = o.Ref as string;
    const pseudo: Record<string, string | undefined> = {
      'AWS::Partition': v.partition ?? 'aws',
      'AWS::Region': v.region ?? 'us-east-1',
      'AWS::AccountId': v.account ?? '123456789012',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    const out = pseudo[ref] ?? v.refs?.[ref];
    if (out !== undefined) return out;
  }
  if ('Fn::GetAtt' in o) {
    const [id, attr] = o['Fn::GetAtt'] as [string, string];
    const out = attr === 'Arn' ? v.arns?.[id] : undefined;
    if (out !== undefined) return out;
  }
  throw new Error(`cannot render ${JSON.stringify(value)}: give its value in ArnValues`);
}

/**
 * IAM's wildcard match of a policy element against a concrete string: `*` any run of characters, `?`
 * one. Actions compare case-insensitively, resource ARNs case-sensitively (IAM User Guide, policy
 * elements Action and Resource).
 */
export function iamMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, ignoreCase ? 'i' : '').test(value);
}

/**
 * Whether `statements` allow `action` on the ARN `resource`: some Allow statement names the action
 * and a resource matching the ARN, and no Deny statement does. Conditions are not evaluated: a
 * statement with a Condition does not count as allowing (the callers here need unconditional grants).
 */
export function allows(statements: readonly Statement[], action: string, resource: string, values: ArnValues = {}): boolean {
  const applies = (s: Statement) =>
    list(s.Action).some((a) => iamMatches(a, action, true)) && list(s.Resource).some((r) => iamMatches(renderResource(r, values), resource));
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && s.Condition === undefined && applies(s));
}
