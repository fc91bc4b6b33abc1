/**
 * EventBridge event-pattern matching, for the local bus (no maintained npm library implements it;
 * AWS's own matcher is Java's event-ruler). Rules from the EventBridge user guide, "Amazon
 * EventBridge event patterns": a pattern is an object whose leaves are arrays of allowed values;
 * an event matches when every field of the pattern matches (AND), and a field matches when any
 * entry of its array does (OR). Entries: a literal (string, number, boolean, null) equal to the
 * value or to an element of an array value; `{prefix}`, `{suffix}`, `{equals-ignore-case}`,
 * `{anything-but: value | [values] | {prefix}}`, `{exists: boolean}` and
 * `{numeric: [op, n, (op, n)]}` with `=`, `<`, `<=`, `>`, `>=`.
 */

/** An EventBridge event pattern. */
export type EventPattern = { readonly [field: string]: EventPattern | readonly unknown[] };

/**
 * True when `event` matches `pattern`.
 * @throws Error on an entry of a kind this matcher does not know (e.g. `wildcard`, `cidr`), rather than silently not matching
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return Object.entries(pattern).every(([field, rule]) => {
    const value = isObject(event) ? event[field] : undefined;
    if (Array.isArray(rule)) return rule.some((entry) => matchesEntry(entry, value));
    return isObject(value) && matchesPattern(rule as EventPattern, value);
  });
}

function matchesEntry(entry: unknown, value: unknown): boolean {
  if (!isObject(entry)) return values(value).some((v) => v === entry);
  const [kind, arg] = Object.entries(entry)[0] ?? [];
  const strings = values(value).filter((v): v is string => typeof v === 'string');
  switch (kind) {
    case 'exists':
      return (value !== undefined) === arg;
    case 'prefix':
      return strings.some((v) => v.startsWith(String(arg)));
    case 'suffix':
      return strings.some((v) => v.endsWith(String(arg)));
    case 'equals-ignore-case':
      return strings.some((v) => v.toLowerCase() === String(arg).toLowerCase());
    case 'anything-but':
      if (value === undefined) return false;
      if (isObject(arg)) return !matchesEntry(arg, value);
      return values(value).every((v) => !(Array.isArray(arg) ? arg : [arg]).includes(v));
    case 'numeric':
      return values(value).some((v) => typeof v === 'number' && numeric(arg as readonly (string | number)[], v));
    default:
      throw new Error(`the local event bus does not support the pattern entry ${JSON.stringify(entry)}`);
  }
}

function numeric(conditions: readonly (string | number)[], v: number): boolean {
  for (let i = 0; i < conditions.length; i += 2) {
    const n = Number(conditions[i + 1]);
    const ok = { '=': v === n, '<': v < n, '<=': v <= n, '>': v > n, '>=': v >= n }[conditions[i] as string];
    if (ok === undefined) throw new Error(`unknown numeric operator ${conditions[i]}`);
    if (!ok) return false;
  }
  return true;
}

const values = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
