import { createHash } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { html as honoHtml, raw } from 'hono/html';

/**
 * The one shell of CMV's HTML pages (the approval page, the canary report, the compliance report):
 * doctype, head, the one stylesheet, main and footer, and the one Content-Security-Policy every HTML
 * response carries. Markup is built with hono's `html` tagged template, which escapes every
 * interpolated value (text and attribute values alike) unless it is markup itself.
 */

/** Markup built by {@link html}: already escaped, inserted as it is into other markup. */
export type Markup = Exclude<ReturnType<typeof honoHtml>, Promise<unknown>>;

/**
 * Builds markup from a template: strings and other values are escaped (`& < > " '`), markup and
 * arrays of markup are inserted as they are, `false`, `null` and `undefined` render nothing.
 * @throws when a value is a promise: pages render synchronously
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  const out = honoHtml(strings, ...values);
  if (out instanceof Promise) throw new Error('a page renders synchronously: no value of its template may be a promise');
  return out;
}

/** Markup made elsewhere and escaped there: the core's SVG charts (lambdas/core/markup.ts escapes their text). */
export const trusted = (markup: string): Markup => raw(markup);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
main,footer{max-width:60rem;margin:0 auto}main.wide,main.wide+footer{max-width:80rem}footer{margin-top:2rem;font-size:.85rem;color:#555}
h1{font-size:1.5rem}table{border-collapse:collapse;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:.25rem .75rem .25rem 0;vertical-align:top}
main.wide th,main.wide td{padding:.3rem .6rem;border-bottom:1px solid #ccc}main.wide thead th{border-bottom:2px solid #1a1a1a}
main.wide .summary th,main.wide .summary td{border:0}td.num{text-align:right;white-space:nowrap}caption{text-align:left;font-weight:600;padding:.25rem 0}
.scroll{overflow-x:auto}.rollback,.failed{color:#a00;font-weight:600}td time{white-space:nowrap}td.reason{min-width:12rem}
figure{margin:1rem 0}figcaption{font-size:.9rem;color:#444}figure>svg{max-width:760px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1rem}.charts figure{margin:0}
summary{cursor:pointer;padding:.25rem 0}code{font-size:.85rem;overflow-wrap:anywhere}
pre{background:#f4f4f4;padding:1rem;overflow:auto;font-size:.85rem}.add{color:#05620b}.del{color:#a00}
button{font-size:1rem;padding:.5rem 1.25rem;margin-right:1rem}textarea{width:100%;font:inherit}
.notice{padding:1rem;border-left:4px solid #555;background:#f4f4f4}:focus{outline:3px solid #1a5fb4}`;

/**
 * The one Content-Security-Policy of every HTML page: nothing loads and no script runs; the only
 * style is the shell's own `<style>` element, allowed by its SHA-256 (CSP Level 2 hash source), so
 * no injected style element or style attribute applies; a form may post only to its own URL (the
 * approval page's vote); no page may be framed.
 */
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'; img-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

/** What a page is: its title (the `<title>` and the `<h1>`), its content, and whether its tables are wide data tables. */
export interface PageContent {
  readonly title: string;
  readonly body: Markup;
  /** Wide data tables with rules (the reports) rather than the narrow approval page. @default false */
  readonly wide?: boolean;
}

/** A complete, accessible HTML page in the shell. */
export function page({ title, body, wide = false }: PageContent): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer"><title>${title} — CMV</title><style>${trusted(STYLE)}</style></head>
<body><main${wide ? trusted(' class="wide"') : ''}><h1>${title}</h1>${body}</main>
<footer><p>CMV — Change Management &amp; Versioning</p></footer></body></html>`.toString();
}

/**
 * An HTML response: the page with the one CSP and the headers every page carries (no caching, no
 * referrer, no sniffing, no framing).
 * @param headers - more headers (e.g. `vary`, `retry-after`)
 */
export function htmlResponse(statusCode: number, body: string, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': PAGE_CSP,
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      ...headers,
    },
    body,
  };
}
