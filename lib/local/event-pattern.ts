import { BlockList, isIP } from 'node:net';

/**
 * EventBridge event-pattern matching, for the local bus. No maintained npm library implements it
 * (AWS's own matcher is Java's aws/event-ruler); the rules are the EventBridge User Guide's
 * ("Creating Amazon EventBridge event patterns", "Comparison operators for use in event patterns",
 * "Content filtering …", "Arrays in …") and, where the guide names an operator without the details,
 * event-ruler's README:
 * - a pattern is an object; every field of it must match (AND); a field whose value is an object
 *   matches the event's object there — or any element of an array of objects, all the fields
 *   within that one element;
 * - `"$or": [pattern, pattern, …]` (two or more) matches when any of those patterns does;
 * - a leaf is an array of entries, any of which may match (OR), against the event's value there —
 *   or any element of an array value (the intersection is not empty);
 * - entries: a literal (string, number, boolean or null; `""` and `null` differ), `prefix`,
 *   `suffix` (each also `{equals-ignore-case}`), `equals-ignore-case`, `wildcard` (`*` any run of
 *   characters, `\*` and `\\` literal), `anything-but` (a value, a list of strings or of numbers, or
 *   `{prefix|suffix|equals-ignore-case|wildcard: one or a list}`), `numeric` (`=`, or a lower and/or
 *   upper bound), `cidr` (IPv4 or IPv6) and `exists`, which holds only for a leaf value: an object
 *   there does not exist (`exists: false` matches it).
 * A pattern EventBridge would refuse (an unknown operator, a malformed one) throws
 * {@link InvalidEventPatternException}, as PutRule does, instead of silently not matching.
 */

/** An EventBridge event pattern. */
export type EventPattern = { readonly [field: string]: EventPattern | readonly unknown[] };

/** A pattern EventBridge refuses; `message` names the field path and the reason. */
export class InvalidEventPatternException extends Error {
  override readonly name = 'InvalidEventPatternException';
}

/** A compiled pattern: true when the event matches. */
export type EventMatcher = (event: unknown) => boolean;

/**
 * Compiles `pattern` once for many events.
 * @throws InvalidEventPatternException when EventBridge would refuse the pattern
 */
export function compilePattern(pattern: EventPattern): EventMatcher {
  if (!isObject(pattern)) throw invalid('', `a pattern must be a JSON object, got ${JSON.stringify(pattern)}`);
  const match = compileObject(pattern, '');
  return (event) => candidates(event).some(match);
}

/**
 * True when `event` matches `pattern`.
 * @throws InvalidEventPatternException when EventBridge would refuse the pattern
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return compilePattern(pattern)(event);
}

type Obj = Record<string, unknown>;
type Test = (value: unknown) => boolean;
/** A leaf entry: `exists` looks at the field as a whole, every other entry at each of its values. */
type Entry = { readonly exists: boolean } | { readonly test: Test };

const OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'cidr', 'exists']);

function compileObject(pattern: Obj, path: string): (node: Obj) => boolean {
  const checks = Object.entries(pattern).map(([field, rule]): ((node: Obj) => boolean) => {
    const at = path ? `${path}.${field}` : field;
    if (field === '$or' && isOrBranches(rule)) {
      if (rule.length < 2) throw invalid(at, `$or needs at least two patterns, got ${rule.length}`);
      const branches = rule.map((branch, i) => compileObject(branch, `${at}[${i}]`));
      return (node) => branches.some((b) => b(node));
    }
    if (Array.isArray(rule)) {
      const leaf = compileLeaf(rule, at);
      return (node) => leaf(node[field]);
    }
    if (isObject(rule)) {
      const sub = compileObject(rule, at);
      return (node) => candidates(node[field]).some(sub);
    }
    throw invalid(at, `a pattern's values must be arrays or objects, got ${JSON.stringify(rule)}`);
  });
  return (node) => checks.every((check) => check(node));
}

/** `$or`'s value: patterns (objects whose fields are not operators), not a leaf's entries. */
const isOrBranches = (rule: unknown): rule is Obj[] =>
  Array.isArray(rule) && rule.length > 0 && rule.every((b) => isObject(b) && !Object.keys(b).some((k) => OPERATORS.has(k)));

/** The objects a sub-pattern is matched against: the object there, or each object of an array (nested arrays flattened); none is an empty object. */
function candidates(node: unknown): Obj[] {
  if (isObject(node)) return [node];
  const objects = Array.isArray(node) ? node.flat(Number.POSITIVE_INFINITY).filter(isObject) : [];
  return objects.length > 0 ? objects : [{}];
}

/** The leaf values at a field: the value, or an array's non-object elements; an object has none. */
function leafValues(value: unknown): unknown[] {
  if (value === undefined || isObject(value)) return [];
  return Array.isArray(value) ? value.flat(Number.POSITIVE_INFINITY).filter((v) => !isObject(v)) : [value];
}

function compileLeaf(entries: readonly unknown[], at: string): (value: unknown) => boolean {
  if (entries.length === 0) throw invalid(at, 'a field must list at least one value');
  const compiled = entries.map((e) => compileEntry(e, at));
  return (value) => {
    const values = leafValues(value);
    return compiled.some((entry) => ('exists' in entry ? entry.exists === values.length > 0 : values.some(entry.test)));
  };
}

function compileEntry(entry: unknown, at: string): Entry {
  if (entry === null || ['string', 'number', 'boolean'].includes(typeof entry)) return { test: (v) => v === entry };
  if (!isObject(entry)) throw invalid(at, `an entry must be a value or an operator object, got ${JSON.stringify(entry)}`);
  const keys = Object.keys(entry);
  if (keys.length !== 1) throw invalid(at, `an operator object has exactly one operator, got ${JSON.stringify(entry)}`);
  const [op] = keys;
  const arg = entry[op];
  switch (op) {
    case 'exists':
      if (typeof arg !== 'boolean') throw invalid(at, `exists takes true or false, got ${JSON.stringify(arg)}`);
      return { exists: arg };
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
    case 'wildcard':
      return { test: stringTest(op, arg, at) };
    case 'anything-but':
      return { test: anythingBut(arg, at) };
    case 'numeric':
      return { test: numeric(arg, at) };
    case 'cidr':
      return { test: cidr(arg, at) };
    default:
      throw invalid(at, `${op} is not an EventBridge pattern operator (${[...OPERATORS].join(', ')})`);
  }
}

/** prefix, suffix (both also `{equals-ignore-case: s}`), equals-ignore-case and wildcard: on string values only. */
function stringTest(op: string, arg: unknown, at: string): Test {
  const strings =
    (t: (s: string) => boolean): Test =>
    (v) =>
      typeof v === 'string' && t(v);
  if ((op === 'prefix' || op === 'suffix') && isObject(arg)) {
    const folded = arg['equals-ignore-case'];
    if (Object.keys(arg).length !== 1 || typeof folded !== 'string')
      throw invalid(at, `${op} takes a string or {"equals-ignore-case": string}, got ${JSON.stringify(arg)}`);
    const x = folded.toLowerCase();
    return strings((s) => (op === 'prefix' ? s.toLowerCase().startsWith(x) : s.toLowerCase().endsWith(x)));
  }
  if (typeof arg !== 'string') throw invalid(at, `${op} takes a string, got ${JSON.stringify(arg)}`);
  if (op === 'prefix') return strings((s) => s.startsWith(arg));
  if (op === 'suffix') return strings((s) => s.endsWith(arg));
  if (op === 'equals-ignore-case') return strings((s) => s.toLowerCase() === arg.toLowerCase());
  const re = wildcard(arg, at);
  return strings((s) => re.test(s));
}

/** anything-but: a value, a list of strings or of numbers, or a string operator with one or a list of strings — a present value none of them matches. */
function anythingBut(arg: unknown, at: string): Test {
  if (isObject(arg)) {
    const [op, ...more] = Object.keys(arg);
    if (more.length > 0 || !['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(op))
      throw invalid(at, `anything-but takes a value, a list, or one of prefix, suffix, equals-ignore-case, wildcard; got ${JSON.stringify(arg)}`);
    const list = Array.isArray(arg[op]) ? (arg[op] as unknown[]) : [arg[op]];
    if (list.length === 0 || !list.every((s) => typeof s === 'string'))
      throw invalid(at, `anything-but ${op} takes a string or a list of strings, got ${JSON.stringify(arg[op])}`);
    const tests = list.map((s) => stringTest(op, s, at));
    return (v) => typeof v === 'string' && !tests.some((t) => t(v));
  }
  const list = Array.isArray(arg) ? arg : [arg];
  const kinds = new Set(list.map((x) => typeof x));
  if (list.length === 0 || kinds.size !== 1 || !(kinds.has('string') || kinds.has('number')))
    throw invalid(at, `anything-but takes a string, a number, or a list of only strings or only numbers; got ${JSON.stringify(arg)}`);
  const excluded = new Set(list);
  return (v) => v !== undefined && !excluded.has(v);
}

const COMPARE: Record<string, (v: number, n: number) => boolean> = {
  '=': (v, n) => v === n,
  '<': (v, n) => v < n,
  '<=': (v, n) => v <= n,
  '>': (v, n) => v > n,
  '>=': (v, n) => v >= n,
};

/** numeric: `["=", n]`, one bound, or a lower bound (`>`, `>=`) then an upper one (`<`, `<=`); on number values only. */
function numeric(arg: unknown, at: string): Test {
  const ok =
    Array.isArray(arg) &&
    (arg.length === 2 || arg.length === 4) &&
    arg.every((x, i) => (i % 2 === 0 ? typeof x === 'string' && x in COMPARE : typeof x === 'number' && Number.isFinite(x))) &&
    (arg.length === 2 || (['>', '>='].includes(arg[0]) && ['<', '<='].includes(arg[2])));
  if (!ok) throw invalid(at, `numeric takes ["=", n], one bound, or a lower then an upper bound, e.g. [">", 0, "<=", 5]; got ${JSON.stringify(arg)}`);
  const conditions: [(v: number, n: number) => boolean, number][] = [];
  for (let i = 0; i < arg.length; i += 2) conditions.push([COMPARE[arg[i]], arg[i + 1]]);
  return (v) => typeof v === 'number' && conditions.every(([cmp, n]) => cmp(v, n));
}

/** cidr: an IPv4 or IPv6 block; on string values that are addresses of its family. */
function cidr(arg: unknown, at: string): Test {
  const [address, bits, ...rest] = typeof arg === 'string' ? arg.split('/') : [];
  const family = isIP(address ?? '');
  const prefix = Number(bits);
  if (rest.length > 0 || family === 0 || !/^\d+$/.test(bits ?? '') || prefix > (family === 4 ? 32 : 128))
    throw invalid(at, `cidr takes an IPv4 or IPv6 block such as 10.0.0.0/24, got ${JSON.stringify(arg)}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const block = new BlockList();
  block.addSubnet(address, prefix, type);
  return (v) => typeof v === 'string' && isIP(v) === family && block.check(v, type);
}

/** A wildcard as an anchored regular expression: `*` any run of characters; `\*` a star, `\\` a backslash. */
function wildcard(pattern: string, at: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') throw invalid(at, `wildcard ${JSON.stringify(pattern)}: consecutive * are not allowed`);
      source += '.*';
    } else if (c === '\\') {
      const next = pattern[++i];
      if (next !== '*' && next !== '\\') throw invalid(at, `wildcard ${JSON.stringify(pattern)}: a backslash may escape only * or \\`);
      source += `\\${next}`;
    } else {
      source += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}

function invalid(at: string, reason: string): InvalidEventPatternException {
  return new InvalidEventPatternException(`Event pattern is not valid${at ? ` at ${at}` : ''}: ${reason}`);
}

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
