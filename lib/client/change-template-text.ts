import type { Change } from '../../lambdas/core/change';
import type { ChangePlan } from '../../lambdas/core/policy/change-plan';

/** One line per template field a change (or a change request) gives, labelled like `cmv status`'s other lines. */
export function templateLines(
  c: Pick<Change, 'justification' | 'impactAnalysis' | 'affectedComponents' | 'rollbackPlan' | 'testingPlan' | 'requestedWindow' | 'links'>,
): string[] {
  const line = (label: string, value: string | undefined) => (value === undefined ? [] : [`  ${label.padEnd(10)} ${oneLine(value)}`]);
  const i = c.impactAnalysis;
  return [
    ...line('why', c.justification),
    ...line('impact', i && `technical: ${i.technicalRisk}; security: ${i.securityRisk}; downtime ${i.downtimeMinutes} min`),
    ...line('affects', c.affectedComponents?.join(', ')),
    ...line('rollback', c.rollbackPlan),
    ...line('testing', c.testingPlan),
    ...line('window', c.requestedWindow && `requested ${c.requestedWindow.start} – ${c.requestedWindow.end}`),
    ...line('links', c.links?.join(' ')),
  ];
}

/** `config (derived: no category given; …)`, or `code` when the request named it. */
export function categoryText(category: ChangePlan['category'], fallback?: string): string {
  if (!category) return fallback ?? '—';
  return category.derived ? `${category.name} (derived: ${category.derived})` : category.name;
}

/** Long free text on one terminal line: newlines as spaces, at most 160 characters. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
}
