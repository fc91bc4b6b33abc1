import type { Change } from '../../core/change';
import { escapeMarkup } from '../../core/markup';

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = escapeMarkup;

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.5rem}table{border-collapse:collapse}th,td{text-align:left;padding:.25rem .75rem .25rem 0;vertical-align:top}
pre{background:#f4f4f4;padding:1rem;overflow:auto;font-size:.85rem}.add{color:#05620b}.del{color:#a00}
button{font-size:1rem;padding:.5rem 1.25rem;margin-right:1rem}textarea{width:100%;font:inherit}
.notice{padding:1rem;border-left:4px solid #555;background:#f4f4f4}:focus{outline:3px solid #1a5fb4}`;

/** A complete, accessible HTML page. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer"><title>${escapeHtml(title)} — CMV</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

/** A page that only explains (refused or finished links). */
export function noticePage(title: string, message: string): string {
  return page(title, `<p class="notice" role="status">${escapeHtml(message)}</p>`);
}

function diffHtml(diff: string): string {
  return diff
    .split('\n')
    .map((line) => {
      const cls = line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : '';
      return cls ? `<span class="${cls}">${escapeHtml(line)}</span>` : escapeHtml(line);
    })
    .join('\n');
}

function testsHtml(change: Change): string {
  const t = change.tests;
  if (!t) return '<p>Not run.</p>';
  const suites = t.suites?.length
    ? `<table><tr><th scope="col">Suite</th><th scope="col">Command</th><th scope="col">Result</th><th scope="col">Time</th></tr>${t.suites
        .map(
          (r) =>
            `<tr><td>${escapeHtml(r.suite)}</td><td><code>${escapeHtml(r.command)}</code></td><td>${r.passed ? 'passed' : '<strong>failed</strong>'}</td><td>${Math.round(r.durationMs)} ms</td></tr>`,
        )
        .join('')}</table>`
    : '';
  return `<p>${t.passed ? 'All required suites passed' : '<strong>Failed</strong>'} (build ${escapeHtml(t.buildId)}).</p>${suites}`;
}

function planHtml(change: Change): string {
  const p = change.plan;
  const quorum = (q: (typeof p.approvals.groups)[number]['quorum']) => (typeof q === 'string' ? q : `${q.count} of N`);
  const groups = p.approvals.groups.length
    ? `<ul>${p.approvals.groups
        .map(
          (g) =>
            `<li>${escapeHtml(g.name)}: ${g.required} approval${g.required === 1 ? '' : 's'} from ${g.eligible.length} eligible (${escapeHtml(quorum(g.quorum))}; role ${escapeHtml(g.roles.join(' or '))}): ${escapeHtml(g.eligible.join(', '))}</li>`,
        )
        .join('')}</ul>`
    : '<p>Pre-approved.</p>';
  const windows = p.window.bypass
    ? 'bypassed (emergency): starts at once'
    : p.window.windows.length
      ? `${p.window.windows.map((w) => `${w.days.join(', ')} ${w.start}–${w.end}`).join('; ')} (${p.window.timeZone}); earliest ${p.window.earliestStart}`
      : 'any time outside blackouts';
  return `<p>Policy “${escapeHtml(p.policy.name)}”, rule <code>${escapeHtml(p.policy.ruleId)}</code>: ${escapeHtml(p.policy.rule)}</p>
<p>Approvals needed (one person counts once; the requester never counts):</p>${groups}
<table><tr><th scope="row">Change window</th><td>${escapeHtml(windows)}</td></tr>
<tr><th scope="row">Canary</th><td>${p.canary.steps.join(' → ')} % of traffic, ${p.canary.bakeSeconds} s bake per step, rolled back on alarm</td></tr>
<tr><th scope="row">Approval expires</th><td>${escapeHtml(change.approvalExpiresAt ?? `${p.approvals.timeoutHours} h after the request`)}</td></tr>
${p.postImplementationReview ? '<tr><th scope="row">Review</th><td>A post-implementation review is required after the deployment.</td></tr>' : ''}</table>`;
}

/**
 * The review page of one change for one approver: summary, code (diff or artifact), config, tests,
 * votes, and a form whose POST is the only thing that decides.
 */
export function reviewPage(change: Change, approverName: string, diff: string | undefined, baseConfig: Record<string, string> | undefined): string {
  const rows = (pairs: [string, string][]) =>
    `<table>${pairs.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
  const keys = [...new Set([...Object.keys(baseConfig ?? {}), ...Object.keys(change.config)])].sort();
  const configRows = keys.map((k) => {
    const before = baseConfig?.[k];
    const after = change.config[k];
    return `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(before ?? '—')}</td><td>${escapeHtml(after ?? '(removed)')}</td><td>${before === after ? '' : '<strong>changed</strong>'}</td></tr>`;
  });
  const votes = change.approvals.length
    ? `<ul>${change.approvals.map((v) => `<li>${escapeHtml(v.approver)} (${escapeHtml(v.roles.join(', '))}): <strong>${v.decision}</strong> ${escapeHtml(v.comment)} <time datetime="${v.at}">${v.at}</time></li>`).join('')}</ul>`
    : '<p>No votes yet.</p>';
  return page(
    `Review change: ${change.target} ${change.version}`,
    `<p>Hello ${escapeHtml(approverName)}. You are asked to approve or reject this change. Opening this page changes nothing.</p>
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
<section aria-labelledby="s-code"><h2 id="s-code">Code</h2>${diff ? `<pre aria-label="unified diff">${diffHtml(diff)}</pre>` : `<p>Artifact: <code>${escapeHtml(change.source.uri)}</code></p>`}</section>
<section aria-labelledby="s-config"><h2 id="s-config">Configuration</h2><table><tr><th scope="col">Variable</th><th scope="col">Before</th><th scope="col">After</th><th scope="col"></th></tr>${configRows.join('')}</table></section>
<section aria-labelledby="s-tests"><h2 id="s-tests">Tests</h2>${testsHtml(change)}</section>
<section aria-labelledby="s-plan"><h2 id="s-plan">Plan (policy)</h2>${planHtml(change)}</section>
<section aria-labelledby="s-votes"><h2 id="s-votes">Votes so far</h2>${votes}</section>
<section aria-labelledby="s-decide"><h2 id="s-decide">Your decision</h2>
<form method="post"><p><label for="comment">Comment (required to reject)</label><br><textarea id="comment" name="comment" rows="3" maxlength="2000"></textarea></p>
<p><button type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="reject">Reject</button></p></form></section>`,
  );
}
