import type { Change } from '../../core/change';
import { html, type Markup, page } from './page-shell';

/** A page that only explains (refused or finished links). */
export function noticePage(title: string, message: string): string {
  return page({ title, body: html`<p class="notice" role="status">${message}</p>` });
}

function diffHtml(diff: string): Markup[] {
  return diff.split('\n').map((line, i) => {
    const cls = line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : '';
    const text = cls ? html`<span class="${cls}">${line}</span>` : html`${line}`;
    return i === 0 ? text : html`\n${text}`;
  });
}

function testsHtml(change: Change): Markup {
  const t = change.tests;
  if (!t) return html`<p>Not run.</p>`;
  if (t.buildStatus === 'NOT_REQUIRED') return html`<p>None: ${t.logs ?? 'the policy rule requires no tests'}.</p>`;
  const suites = t.suites?.length
    ? html`<table><tr><th scope="col">Suite</th><th scope="col">Command</th><th scope="col">Result</th><th scope="col">Time</th></tr>${t.suites.map(
        (r) =>
          html`<tr><td>${r.suite}</td><td><code>${r.command}</code></td><td>${r.passed ? 'passed' : html`<strong>failed</strong>`}</td><td>${Math.round(r.durationMs)} ms</td></tr>`,
      )}</table>`
    : '';
  return html`<p>${t.passed ? 'All required suites passed' : html`<strong>Failed</strong>`} (build ${t.buildId}).</p>${suites}`;
}

function planHtml(change: Change): Markup {
  const p = change.plan;
  const quorum = (q: (typeof p.approvals.groups)[number]['quorum']) => (typeof q === 'string' ? q : `${q.count} of N`);
  const groups = p.approvals.groups.length
    ? html`<ul>${p.approvals.groups.map(
        (g) =>
          html`<li>${g.name}: ${g.required} approval${g.required === 1 ? '' : 's'} from ${g.eligible.length} eligible (${quorum(g.quorum)}; role ${g.roles.join(' or ')}): ${g.eligible.join(', ')}</li>`,
      )}</ul>`
    : html`<p>Pre-approved.</p>`;
  const windows = p.window.bypass
    ? 'bypassed (emergency): starts at once'
    : p.window.windows.length
      ? `${p.window.windows.map((w) => `${w.days.join(', ')} ${w.start}–${w.end}`).join('; ')} (${p.window.timeZone}); earliest ${p.window.earliestStart}`
      : 'any time outside blackouts';
  return html`<p>Policy “${p.policy.name}”, rule <code>${p.policy.ruleId}</code>: ${p.policy.rule}</p>
<p>Approvals needed (one person counts once; the requester never counts):</p>${groups}
<table><tr><th scope="row">Change window</th><td>${windows}</td></tr>
<tr><th scope="row">Canary</th><td>${p.canary.steps.join(' → ')} % of traffic, ${p.canary.bakeSeconds} s bake per step, rolled back on alarm</td></tr>
<tr><th scope="row">Approval expires</th><td>${change.approvalExpiresAt ?? `${p.approvals.timeoutHours} h after the request`}</td></tr>
${p.postImplementationReview && html`<tr><th scope="row">Review</th><td>A post-implementation review is required after the deployment.</td></tr>`}</table>`;
}

/** The change request template's fields, those the request gave (a missing one shows “—”). */
function templateHtml(change: Change): Markup {
  const impact = change.impactAnalysis;
  const window = change.requestedWindow;
  const category = change.plan.category;
  const required = change.plan.requiredFields ?? [];
  const rows: [string, Markup | string][] = [
    ['Category', category ? `${category.name}${category.derived ? ` (derived: ${category.derived})` : ''}` : (change.category ?? '—')],
    ['Justification', change.justification ?? '—'],
    [
      'Impact analysis',
      impact
        ? html`<dl><dt>Technical risk</dt><dd>${impact.technicalRisk}</dd><dt>Security risk</dt><dd>${impact.securityRisk}</dd><dt>Downtime</dt><dd>${String(impact.downtimeMinutes)} min</dd></dl>`
        : '—',
    ],
    ['Affected components', change.affectedComponents?.join(', ') ?? '—'],
    ['Rollback plan', change.rollbackPlan ?? '—'],
    ['Testing plan', change.testingPlan ?? '—'],
    ['Requested window', window ? html`<time datetime="${window.start}">${window.start}</time> – <time datetime="${window.end}">${window.end}</time>` : '—'],
    ['Links', change.links?.length ? html`<ul>${change.links.map((l) => html`<li><a href="${l}" rel="noopener noreferrer">${l}</a></li>`)}</ul>` : '—'],
  ];
  return html`<table>${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table>
<p>Fields the policy rule <code>${change.plan.policy.ruleId}</code> requires: ${required.length ? required.join(', ') : 'none'}.</p>`;
}

/**
 * The review page of one change for one approver: summary, code (diff or artifact), config, tests,
 * votes, and a form whose POST is the only thing that decides. Every value from the change is escaped.
 */
export function reviewPage(change: Change, approverName: string, diff: string | undefined, baseConfig: Record<string, string> | undefined): string {
  const rows = (pairs: [string, string][]) => html`<table>${pairs.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table>`;
  const keys = [...new Set([...Object.keys(baseConfig ?? {}), ...Object.keys(change.config)])].sort();
  const configRows = keys.map((k) => {
    const before = baseConfig?.[k];
    const after = change.config[k];
    return html`<tr><th scope="row">${k}</th><td>${before ?? '—'}</td><td>${after ?? '(removed)'}</td><td>${before === after ? '' : html`<strong>changed</strong>`}</td></tr>`;
  });
  const votes = change.approvals.length
    ? html`<ul>${change.approvals.map(
        (v) => html`<li>${v.approver} (${v.roles.join(', ')}): <strong>${v.decision}</strong> ${v.comment} <time datetime="${v.at}">${v.at}</time></li>`,
      )}</ul>`
    : html`<p>No votes yet.</p>`;
  return page({
    title: `Review change: ${change.target} ${change.version}`,
    body: html`<p>Hello ${approverName}. You are asked to approve or reject this change. Opening this page changes nothing.</p>
<section aria-labelledby="s-summary"><h2 id="s-summary">Summary</h2>${rows([
      ['Title', change.title],
      ['Description', change.description || '—'],
      ['Target', change.target],
      ['Version', `${change.version} (based on ${change.baseVersion ?? '—'})`],
      ['Change type', change.changeType],
      ['Risk level', change.riskLevel],
      ['Requester', change.requester],
      ['Status', change.status],
      ['Artifact SHA-256', change.artifact.sha256],
    ])}</section>
<section aria-labelledby="s-request"><h2 id="s-request">Change request</h2>${templateHtml(change)}</section>
<section aria-labelledby="s-code"><h2 id="s-code">Code</h2>${diff ? html`<pre aria-label="unified diff">${diffHtml(diff)}</pre>` : html`<p>Artifact: <code>${change.source.uri}</code></p>`}</section>
<section aria-labelledby="s-config"><h2 id="s-config">Configuration</h2><table><tr><th scope="col">Variable</th><th scope="col">Before</th><th scope="col">After</th><th scope="col"></th></tr>${configRows}</table></section>
<section aria-labelledby="s-tests"><h2 id="s-tests">Tests</h2>${testsHtml(change)}</section>
<section aria-labelledby="s-plan"><h2 id="s-plan">Plan (policy)</h2>${planHtml(change)}</section>
<section aria-labelledby="s-votes"><h2 id="s-votes">Votes so far</h2>${votes}</section>
<section aria-labelledby="s-decide"><h2 id="s-decide">Your decision</h2>
<form method="post"><p><label for="comment">Comment (required to reject)</label><br><textarea id="comment" name="comment" rows="3" maxlength="2000"></textarea></p>
<p><button type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="reject">Reject</button></p></form></section>`,
  });
}
