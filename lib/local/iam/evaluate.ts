import { type ConditionBlock, conditionsHold, type RequestContext, UnsupportedPolicyError, wildcardMatch } from './conditions';

export { UnsupportedPolicyError } from './conditions';

/** One statement of an identity-based policy, as IAM's JSON has it (Principal is not used by identity policies). */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: ConditionBlock;
}

/** One authorization IAM makes for a request: the action, the resource ARN (`*` for actions without resource-level permissions) and the request's context keys. */
export interface IamRequest {
  /** `service:Action`, e.g. `lambda:InvokeFunction`. */
  readonly action: string;
  readonly resource: string;
  /** Condition keys the request carries (e.g. `kms:ViaService`); absent keys are absent, as in AWS. */
  readonly context: RequestContext;
}

/** IAM's answer: allowed, denied by a Deny statement (its Sid, if any), or denied because nothing allows it. */
export type Decision = { readonly effect: 'allow' } | { readonly effect: 'explicit-deny'; readonly statement?: string } | { readonly effect: 'implicit-deny' };

const list = (v: string | readonly string[] | undefined): readonly string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v);

function rejectPolicyVariables(s: Statement): void {
  const variable = [...list(s.Resource), ...list(s.NotResource)].find((p) => /\$\{[^}]*\}/.test(p));
  if (variable)
    throw new UnsupportedPolicyError(`the local IAM check does not resolve policy variables: ${variable} (statement ${s.Sid ?? JSON.stringify(s)})`);
}

/** Whether the statement's Action/NotAction and Resource/NotResource select the request (conditions aside). */
function selects(s: Statement, request: IamRequest): boolean {
  const actionNamed = (patterns: readonly string[]) => patterns.some((p) => wildcardMatch(p, request.action, true));
  const resourceNamed = (patterns: readonly string[]) => patterns.some((p) => wildcardMatch(p, request.resource));
  rejectPolicyVariables(s);
  const action = s.NotAction !== undefined ? !actionNamed(list(s.NotAction)) : actionNamed(list(s.Action));
  const resource = s.NotResource !== undefined ? !resourceNamed(list(s.NotResource)) : resourceNamed(list(s.Resource));
  return action && resource;
}

/**
 * Evaluates identity-based policy statements for one request as IAM does within one account, with no
 * resource policy, boundary or SCP: an explicit Deny wins over any Allow; otherwise an Allow whose
 * action, resource and every condition match allows; otherwise the request is implicitly denied.
 * @throws UnsupportedPolicyError for a condition operator, set operator or policy variable it does not model (fail closed)
 */
export function evaluate(statements: readonly Statement[], request: IamRequest): Decision {
  let allowed = false;
  for (const s of statements) {
    if (!selects(s, request)) continue;
    if (!conditionsHold(s.Condition, request.context)) continue;
    if (s.Effect === 'Deny') return { effect: 'explicit-deny', ...(s.Sid ? { statement: s.Sid } : {}) };
    allowed = true;
  }
  return allowed ? { effect: 'allow' } : { effect: 'implicit-deny' };
}
