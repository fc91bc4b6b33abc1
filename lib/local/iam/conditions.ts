/** A statement's Condition element: `{ Operator: { key: value | values } }`. */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** A request's condition keys and their values. */
export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

/** A policy the local check cannot evaluate faithfully (an operator, a set operator, a policy variable): it fails closed rather than guess. */
export class UnsupportedPolicyError extends Error {
  override readonly name = 'UnsupportedPolicyError';
}

type Compare = (policyValue: string, requestValue: string) => boolean;

/** ARN operators compare each of the six colon-separated parts on its own, wildcards included (IAM User Guide, "ARN condition operators"). */
function arnLike(pattern: string, arn: string): boolean {
  const split = (s: string) => {
    const parts = s.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const a = split(arn);
  return !!p && !!a && p.every((part, i) => wildcardMatch(part, a[i], false));
}

/** IAM's wildcard match: `*` any run of characters (separators included), `?` one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

const numeric =
  (test: (a: number, b: number) => boolean): Compare =>
  (policy, request) => {
    const [a, b] = [Number(request), Number(policy)];
    return !Number.isNaN(a) && !Number.isNaN(b) && test(a, b);
  };

/** The operators the check models: how one policy value matches one request value, and whether the operator is a negation. */
const OPERATORS: Readonly<Record<string, { readonly match: Compare; readonly negated: boolean }>> = {
  StringEquals: { match: (p, r) => p === r, negated: false },
  StringNotEquals: { match: (p, r) => p === r, negated: true },
  StringEqualsIgnoreCase: { match: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { match: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: true },
  StringLike: { match: (p, r) => wildcardMatch(p, r, false), negated: false },
  StringNotLike: { match: (p, r) => wildcardMatch(p, r, false), negated: true },
  NumericEquals: { match: numeric((a, b) => a === b), negated: false },
  NumericNotEquals: { match: numeric((a, b) => a === b), negated: true },
  NumericLessThan: { match: numeric((a, b) => a < b), negated: false },
  NumericLessThanEquals: { match: numeric((a, b) => a <= b), negated: false },
  NumericGreaterThan: { match: numeric((a, b) => a > b), negated: false },
  NumericGreaterThanEquals: { match: numeric((a, b) => a >= b), negated: false },
  Bool: { match: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: false },
  ArnEquals: { match: arnLike, negated: false },
  ArnLike: { match: arnLike, negated: false },
  ArnNotEquals: { match: arnLike, negated: true },
  ArnNotLike: { match: arnLike, negated: true },
};

const values = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).map((x) => String(x));

/** One `Operator: { key: values }` entry for one key. */
function holds(operatorName: string, key: string, policyValues: unknown, context: RequestContext): boolean {
  const present = Object.hasOwn(context, key);
  if (operatorName === 'Null') {
    const wantsAbsent = values(policyValues).map((v) => v.toLowerCase());
    return wantsAbsent.includes(present ? 'false' : 'true');
  }
  if (/^For(All|Any)Values?:/.test(operatorName)) {
    throw new UnsupportedPolicyError(`the local IAM check does not model the set operator ${operatorName} (key ${key}); add it to lib/local/iam/conditions.ts`);
  }
  const ifExists = operatorName.endsWith('IfExists');
  const operator = OPERATORS[ifExists ? operatorName.slice(0, -'IfExists'.length) : operatorName];
  if (!operator)
    throw new UnsupportedPolicyError(
      `the local IAM check does not model the condition operator ${operatorName} (key ${key}); add it to lib/local/iam/conditions.ts`,
    );
  // An absent key matches nothing: a positive operator fails, a negated one holds; IfExists holds (IAM User Guide, "Condition operators").
  if (!present) return ifExists || operator.negated;
  const requestValue = context[key];
  if (typeof requestValue !== 'string') {
    throw new UnsupportedPolicyError(
      `the local IAM check does not model the multi-valued key ${key} with ${operatorName}; use ForAnyValue/ForAllValues and model them`,
    );
  }
  const matched = values(policyValues).some((p) => operator.match(p, requestValue));
  return operator.negated ? !matched : matched;
}

/**
 * Whether a Condition block holds for a request: every operator, and every key under it, must hold
 * (AND); a key's several values are alternatives (OR). No block: it holds.
 * @throws UnsupportedPolicyError for an operator or set operator it does not model
 */
export function conditionsHold(block: ConditionBlock | undefined, context: RequestContext): boolean {
  if (!block) return true;
  return Object.entries(block).every(([operatorName, keys]) => Object.entries(keys).every(([key, v]) => holds(operatorName, key, v, context)));
}
