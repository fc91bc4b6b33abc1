import type { SourceFiles } from './artifact';

/**
 * Which part of the version a change request increments when it names no version: derived from
 * what the change does, after semver.org 2.0.0 §6–8 — an incompatible change is major, a
 * backwards-compatible feature minor, a backwards-compatible fix patch. What CMV can see of a
 * change: its config (the function's environment) against the base version's, the JSON Schema
 * files (`*.schema.json`) of its bundle against the base's, whether the code changed, and what the
 * request declares (`breaking`, `kind`).
 */

export type Bump = 'major' | 'minor' | 'patch';

/** What the request says about the change's nature (the change request's `breaking` and `kind`). */
export interface DeclaredNature {
  /** The change breaks callers or dependants (semver §8): always major. */
  readonly breaking?: boolean;
  /** A new capability (minor) or a correction of existing behaviour (patch). */
  readonly kind?: 'feature' | 'fix';
}

/** A change's content and its base's, as intake has them. */
export interface ChangeContent {
  readonly baseConfig: Readonly<Record<string, string>>;
  readonly config: Readonly<Record<string, string>>;
  readonly baseFiles: SourceFiles;
  readonly files: SourceFiles;
}

/** The bump and why, as the plan shows it: each finding of the deciding level, e.g. `removes config key MAX_WEEKLY_BENEFIT`. */
export interface BumpDecision {
  readonly bump: Bump;
  readonly reasons: readonly string[];
}

const RANK: Record<Bump, number> = { patch: 0, minor: 1, major: 2 };

/**
 * Derives the bump of a change from what it changes; the highest finding wins:
 * - major: declared `breaking`; a config key removed (a rename is a removal and an addition); a
 *   schema field removed, a schema file removed, or a field newly required;
 * - minor: declared `kind: feature`; a config key added; a schema field or file added; code changed
 *   without a declared kind (it may be a feature: never under-bump);
 * - patch: declared `kind: fix` for a code change; config values changed; nothing changed (a redeploy).
 * Pure.
 */
export function deriveBump(declared: DeclaredNature, content: ChangeContent): BumpDecision {
  const findings: { bump: Bump; reason: string }[] = [];
  const add = (bump: Bump, reason: string) => findings.push({ bump, reason });

  if (declared.breaking) add('major', 'declared breaking');
  const baseKeys = Object.keys(content.baseConfig);
  const keys = Object.keys(content.config);
  const removedKeys = baseKeys.filter((k) => !(k in content.config));
  const addedKeys = keys.filter((k) => !(k in content.baseConfig));
  const changedValues = keys.filter((k) => k in content.baseConfig && content.baseConfig[k] !== content.config[k]);
  if (removedKeys.length) add('major', `removes config key${plural(removedKeys)} ${removedKeys.join(', ')}`);
  if (addedKeys.length) add('minor', `adds config key${plural(addedKeys)} ${addedKeys.join(', ')}`);
  if (changedValues.length) add('patch', `changes the value${plural(changedValues)} of ${changedValues.join(', ')}`);

  for (const finding of schemaFindings(content.baseFiles, content.files)) add(finding.bump, finding.reason);

  const codeChanged = !sameFiles(content.baseFiles, content.files);
  if (declared.kind === 'feature') add('minor', 'declared a feature');
  else if (codeChanged && declared.kind === 'fix') add('patch', 'declared a fix');
  else if (codeChanged) add('minor', 'code changes and the request declares no kind (feature or fix)');
  if (findings.length === 0) add('patch', 'nothing changes (a redeploy)');

  const bump = findings.reduce<Bump>((top, f) => (RANK[f.bump] > RANK[top] ? f.bump : top), 'patch');
  return { bump, reasons: findings.filter((f) => f.bump === bump).map((f) => f.reason) };
}

/** What the bundle's JSON Schema files say: removed or newly required fields (major), added fields (minor). */
function schemaFindings(baseFiles: SourceFiles, files: SourceFiles): { bump: Bump; reason: string }[] {
  const out: { bump: Bump; reason: string }[] = [];
  const schemaPaths = new Set([...Object.keys(baseFiles), ...Object.keys(files)].filter((p) => p.endsWith('.schema.json')));
  for (const path of [...schemaPaths].sort()) {
    const before = baseFiles[path] ? schemaFields(baseFiles[path]) : undefined;
    const after = files[path] ? schemaFields(files[path]) : undefined;
    if (before && !after) {
      out.push({ bump: 'major', reason: `removes schema ${path}` });
      continue;
    }
    if (!after) continue;
    if (!before) {
      out.push({ bump: 'minor', reason: `adds schema ${path}` });
      continue;
    }
    const removed = [...before.fields].filter((f) => !after.fields.has(f));
    const added = [...after.fields].filter((f) => !before.fields.has(f));
    const nowRequired = [...after.required].filter((f) => !before.required.has(f));
    if (removed.length) out.push({ bump: 'major', reason: `removes schema field${plural(removed)} ${removed.join(', ')} (${path})` });
    if (nowRequired.length) out.push({ bump: 'major', reason: `makes schema field${plural(nowRequired)} ${nowRequired.join(', ')} required (${path})` });
    if (added.length) out.push({ bump: 'minor', reason: `adds schema field${plural(added)} ${added.join(', ')} (${path})` });
  }
  return out;
}

/**
 * A JSON Schema's fields as dotted paths (`claim.baseQuarters.wages`: `properties` nested, through
 * `items` of arrays), and which of them are required. A file that is not JSON has no fields (its
 * change is then a code change like any other).
 */
export function schemaFields(bytes: Uint8Array): { fields: Set<string>; required: Set<string> } {
  const fields = new Set<string>();
  const required = new Set<string>();
  let schema: unknown;
  try {
    schema = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { fields, required };
  }
  const walk = (node: unknown, prefix: string) => {
    if (!node || typeof node !== 'object') return;
    const n = node as { properties?: Record<string, unknown>; required?: unknown; items?: unknown };
    if (n.properties && typeof n.properties === 'object') {
      for (const [name, child] of Object.entries(n.properties)) {
        const path = prefix ? `${prefix}.${name}` : name;
        fields.add(path);
        walk(child, path);
      }
    }
    if (Array.isArray(n.required)) for (const name of n.required) if (typeof name === 'string') required.add(prefix ? `${prefix}.${name}` : name);
    if (n.items) walk(n.items, prefix);
  };
  walk(schema, '');
  return { fields, required };
}

function sameFiles(a: SourceFiles, b: SourceFiles): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => b[k] !== undefined && Buffer.from(a[k]).equals(Buffer.from(b[k])));
}

const plural = (list: readonly unknown[]) => (list.length > 1 ? 's' : '');
