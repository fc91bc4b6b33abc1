#!/usr/bin/env -S npx tsx
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { S3Client } from '@aws-sdk/client-s3';
import { Command, InvalidArgumentError, Option } from 'commander';
import { renderReportText } from '../lambdas/core/canary-report-text';
import type { Change } from '../lambdas/core/change';
import { renderComplianceText } from '../lambdas/core/compliance-report-text';
import { type AttestedFile, verifyEvidence } from '../lambdas/core/evidence-pack';
import { strategyOf } from '../lambdas/core/strategies/registry';
import { whatFollowsTheVote } from '../lambdas/core/vote-outcome';
import { ApiError, CmvClient } from '../lib/client/api-client';
import { signIn } from '../lib/client/auth/cognito-sign-in';
import { credentialsPath, writeCredentials } from '../lib/client/auth/credentials-file';
import { apiIdentity, signOut, storedIdToken } from '../lib/client/auth/stored-session';
import { terminalPrompter } from '../lib/client/auth/terminal-prompter';
import { userPoolClientRef } from '../lib/client/auth/user-pool-ref';
import { readChangeFile } from '../lib/client/change-file';
import { categoryText, templateLines } from '../lib/client/change-template-text';
import { readKeptDigest, samePublicKey } from '../lib/client/kept-digest';
import { readTargetRegistration, uploadSource } from '../lib/client/target-registration';
import { localDataDir } from '../lib/local/data-dir';
import { type BusEnvelope, LocalEventBridge } from '../lib/local/eventbridge';

/**
 * The `cmv` CLI: a client of the CMV REST API. CMV_API_URL (default http://127.0.0.1:3000, the
 * local runtime); identity: CMV_TOKEN (a Cognito ID token, AWS), else CMV_USER (local, sent as
 * X-User), else the sign-in stored by `cmv login` (AWS; refreshed as needed).
 */
const FINAL = new Set(['tests_failed', 'rejected', 'expired', 'deployed', 'rolled_back', 'failed']);

const program = new Command('cmv').description('Change Management & Versioning: propose, follow, approve and audit changes').option('--json', 'print raw JSON');
const cognitoFor = (region: string) => new CognitoIdentityProviderClient({ region });
const storedToken = storedIdToken(credentialsPath(), cognitoFor);
const client = () => new CmvClient((process.env.CMV_API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, ''), apiIdentity(process.env, storedToken));
const print = (value: unknown, text: () => string) => console.log(program.opts().json ? JSON.stringify(value, null, 2) : text());

program
  .command('login')
  .description('sign in to the AWS deployment (Cognito: password, then a TOTP code) and store the tokens the other commands send')
  .addOption(new Option('--user-pool-id <id>', 'the stack output UserPoolId').env('CMV_USER_POOL_ID').makeOptionMandatory())
  .addOption(new Option('--client-id <id>', 'the stack output UserPoolClientId').env('CMV_CLIENT_ID').makeOptionMandatory())
  .option('--region <region>', "the pool's region (default: the pool id's prefix)")
  .option('--username <username>', 'your CMV user id or e-mail (asked when absent)')
  .action(async (opts: { userPoolId: string; clientId: string; region?: string; username?: string }) => {
    const pool = userPoolClientRef(opts);
    const prompter = terminalPrompter();
    const credentials = await signIn(cognitoFor(pool.region), pool, prompter, opts.username).finally(() => prompter.close());
    const path = credentialsPath();
    await writeCredentials(path, credentials);
    const out = { username: credentials.username, expiresAt: credentials.expiresAt, credentialsFile: path };
    print(out, () => `signed in as ${out.username}; tokens stored in ${path} (refreshed as needed; cmv logout signs out)`);
  });

program
  .command('logout')
  .description('sign out: revoke the stored refresh token and remove the credentials file of cmv login')
  .action(async () => {
    const path = credentialsPath();
    const { removed, revokeError } = await signOut(path, cognitoFor);
    if (revokeError) console.error(`cmv: the refresh token was not revoked (${revokeError}); it still expires by itself`);
    print({ removed, credentialsFile: path }, () => (removed ? `signed out: removed ${path}` : `not signed in: no ${path}`));
  });

program
  .command('propose <file>')
  .description('propose a change request (JSON; code.diffFile is read relative to the file)')
  .action(async (file: string) => {
    const out = await client().propose(await readChangeFile(file));
    print(out, () => `change ${out.changeId}: ${out.target} ${out.version} ${out.status}\nfollow it: cmv status ${out.changeId} --watch`);
  });

program
  .command('plan <file>')
  .description('show what the policy decides for a change request — approvers, quorum, tests, window, canary — without proposing it')
  .action(async (file: string) => {
    const out = await client().plan(await readChangeFile(file));
    print(out, () => formatPlan(out));
  });

program
  .command('status <changeId>')
  .description('show a change; --watch follows it to a final status')
  .option('-w, --watch', 'poll until the change is final')
  .action(async (id: string, opts: { watch?: boolean }) => {
    let last = '';
    for (;;) {
      const c = await client().change(id);
      const d = c.deployment;
      const line = `${c.target} ${c.version} ${c.status}${d ? ` (${deploymentLine(d)})` : ''}${c.reason ? ` — ${c.reason}` : ''}`;
      if (!opts.watch) return print(c, () => `${line}\n${summary(c)}`);
      if (line !== last) console.log(`${new Date().toISOString()} ${line}`);
      last = line;
      if (FINAL.has(c.status)) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  });

const report = program
  .command('report')
  .description('the canary report of a change (cmv report <changeId>), or the compliance report (cmv report compliance)')
  .argument('<changeId>', 'the change')
  .action(async (id: string) => {
    const out = await client().report(id);
    print(out, () => renderReportText(out));
  });

report
  .command('compliance')
  .description(
    'the compliance report of the changes proposed in [from, to) (default: the last 30 days): by type and risk, approval and testing compliance, success and rollback rates, rollbacks by cause, emergency changes and missing reviews, lead time, time to restore, each with its ledger entries (auditor or release_admin)',
  )
  .option('--from <iso>', 'start of the period, included (ISO-8601 date or date-time)')
  .option('--to <iso>', 'end of the period, excluded (default: now)')
  .option('-t, --target <target>', 'only this target')
  .option('-e, --environment <environment>', 'only the targets of this environment')
  .addOption(new Option('-f, --format <format>', 'text, or as the API serves it').choices(['text', 'json', 'csv', 'html']).default('text'))
  .option('-o, --output <file>', 'write to a file instead of stdout')
  .action(async (opts: { from?: string; to?: string; target?: string; environment?: string; format: string; output?: string }) => {
    const query = Object.fromEntries(
      Object.entries({ from: opts.from, to: opts.to, target: opts.target, environment: opts.environment }).filter(([, v]) => v),
    ) as Record<string, string>;
    const format = program.opts().json ? 'json' : opts.format;
    let out: string;
    if (format === 'csv' || format === 'html') out = await client().complianceAs(format, query);
    else {
      const r = await client().compliance(query);
      out = format === 'json' ? JSON.stringify(r, null, 2) : renderComplianceText(r);
    }
    // As served: CSV rows end with CRLF already, and a line more would be a record of one empty field.
    const body = out.endsWith('\n') ? out : `${out}\n`;
    if (opts.output) {
      await writeFile(opts.output, body);
      console.error(`cmv: wrote ${opts.output}`);
    } else process.stdout.write(body);
  });

program
  .command('list')
  .description('list changes, newest first')
  .option('-t, --target <target>')
  .option('-s, --status <status>')
  .action(async (opts: { target?: string; status?: string }) => {
    const out = await client().changes(Object.fromEntries(Object.entries(opts).filter(([, v]) => v)) as Record<string, string>);
    print(out, () => out.items.map((c) => `${c.changeId}  ${c.target} ${c.version.padEnd(8)} ${c.status.padEnd(17)} ${c.title}`).join('\n') || 'no changes');
  });

program
  .command('approve <changeId>')
  .description('approve (or --reject) a change as the caller')
  .option('-r, --reject', 'reject instead of approve')
  .option('-m, --comment <text>', 'comment (a reason is expected when rejecting)', '')
  .action(async (id: string, opts: { reject?: boolean; comment: string }) => {
    const c = await client().decide(id, opts.reject ? 'reject' : 'approve', opts.comment);
    // The status stays awaiting_approval until the workflow moves on: say what the vote means instead (as the approval page does).
    print(c, () => `you ${opts.reject ? 'rejected' : 'approved'} ${c.target} ${c.version}: ${whatFollowsTheVote(c)}`);
  });

program
  .command('review <changeId>')
  .description('record the post-implementation review of an emergency change (cab or release_admin)')
  .requiredOption('-o, --outcome <outcome>', 'successful | partially_successful | unsuccessful')
  .requiredOption('-m, --summary <text>', 'what happened and why')
  .option('-f, --follow-up <text...>', 'follow-up actions')
  .action(async (id: string, opts: { outcome: string; summary: string; followUp?: string[] }) => {
    const c = await client().review(id, { outcome: opts.outcome, summary: opts.summary, followUps: opts.followUp ?? [] });
    print(c, () => `review of ${c.target} ${c.version} recorded: ${c.review?.outcome}`);
  });

const CONTROL_HELP = {
  pause: 'hold a deploying canary at its current weight after this bake slice (alias-weights; release_admin)',
  resume: 'let a paused canary go on (release_admin)',
  promote: 'skip the remaining canary steps: 100 % now, then smoke tests and promotion (alias-weights; release_admin)',
  abort: 'roll a deploying change back now (release_admin)',
} as const;
for (const [control, description] of Object.entries(CONTROL_HELP) as [keyof typeof CONTROL_HELP, string][]) {
  program
    .command(`${control} <changeId>`)
    .description(description)
    .option('-m, --reason <text>', 'why (recorded in the ledger)', '')
    .action(async (id: string, opts: { reason: string }) => {
      const c = await client().control(id, control, opts.reason);
      const weight = c.deployment ? ` at ${c.deployment.currentWeight}%` : '';
      print(c, () => `${control}: ${c.target} ${c.version} is ${c.status}${weight}${c.deployment?.paused ? ' (paused)' : ''}`);
    });
}

program
  .command('advance <changeId> <environment>')
  .description(
    "promote a deployed change's artifact (same SHA-256, never rebuilt) to the next environment as a new change under that environment's policy (requester)",
  )
  .option('--version <version>', "the version on the next environment's target (default: the change's version)")
  .option('-m, --reason <text>', 'why now (recorded in the ledger)', '')
  .action(async (id: string, environment: string, opts: { version?: string; reason: string }) => {
    const out = await client().advance(id, { environment, ...(opts.version ? { version: opts.version } : {}), reason: opts.reason });
    print(
      out,
      () =>
        `change ${out.changeId}: ${out.target} ${out.version} ${out.status} in ${environment}, advanced from ${out.promotedFrom?.target} ${out.promotedFrom?.version} (${out.promotedFrom?.environment}); artifact SHA-256 ${out.promotedFrom?.artifactSha256}\nfollow it: cmv status ${out.changeId} --watch`,
    );
  });

program
  .command('activate <target> <version>')
  .description('put an earlier version that passed its tests back live (release_admin)')
  .option('-m, --reason <text>', 'why', '')
  .action(async (target: string, version: string, opts: { reason: string }) => {
    const t = await client().activate(target, version, opts.reason);
    print(t, () => `${t.name} ${t.liveVersion} is live (function version ${t.liveFunctionVersion})`);
  });

program
  .command('release-notes')
  .description(
    'the release notes of the versions in <from>..<to> (from excluded), as Markdown: title, type and risk, approvers, tests of each released version',
  )
  .argument('<target>', 'the target')
  .argument('<range>', 'versions <from>..<to>, e.g. 1.0.0..1.2.0', (range: string) => {
    const [from, to, ...rest] = range.split('..');
    if (!from || !to || rest.length) throw new InvalidArgumentError('must be <from>..<to>, e.g. 1.0.0..1.2.0');
    return { from, to };
  })
  .action(async (target: string, { from, to }: { from: string; to: string }) => {
    const notes = await client().releaseNotes(target, from, to);
    print(notes, () => notes.markdown);
  });

program
  .command('register <targetFile>')
  .description(
    "register a service from its target.json (release_admin): with --bucket (AWS), its source is zipped as the stack zipped it and uploaded to CMV's artifact bucket with your AWS credentials; without, named by file:// (local runtime)",
  )
  .option('--bucket <name>', "CMV's artifact bucket (the stack's ArtifactBucketName output)", process.env.CMV_ARTIFACT_BUCKET)
  .action(async (file: string, opts: { bucket?: string }) => {
    const path = resolve(file);
    const { registration, sourceDir } = await readTargetRegistration(path, (dir) => pathToFileURL(dir).href);
    const artifact = opts.bucket ? await uploadSource(new S3Client({}), opts.bucket, registration.name, sourceDir) : registration.artifact;
    const t = await client().register({ ...registration, artifact });
    print(t, () => `registered ${t.name} ${t.liveVersion} (function ${t.functionName}:${t.alias} → version ${t.liveFunctionVersion})`);
  });

program
  .command('targets [target]')
  .description('registered services; with a name: its live version, alias routing and versions')
  .action(async (name?: string) => {
    if (!name) {
      const out = await client().request<{ items: { name: string; liveVersion: string; description: string }[] }>('GET', '/targets');
      return print(out, () => out.items.map((t) => `${t.name.padEnd(24)} ${t.liveVersion.padEnd(8)} ${t.description}`).join('\n'));
    }
    const [t, versions] = await Promise.all([client().target(name), client().versions(name)]);
    print({ ...t, versions: versions.items }, () =>
      [
        `${t.name}: live ${t.liveVersion}; alias ${t.alias.name} → ${JSON.stringify(t.alias.routingPercent)} (% by function version)`,
        ...versions.items.map((v) => `  ${v.version.padEnd(8)} ${v.status}`),
      ].join('\n'),
    );
  });

program
  .command('audit')
  .description('query the audit ledger, newest first')
  .option('--change <id>')
  .option('--target <target>')
  .option('--actor <actor>')
  .option('--type <type>')
  .option('--from <iso>')
  .option('--to <iso>')
  .option('--limit <n>', 'entries', '50')
  .action(async (opts: Record<string, string | undefined>) => {
    const { change, ...rest } = opts;
    const query = Object.fromEntries(Object.entries({ changeId: change, ...rest }).filter(([, v]) => v)) as Record<string, string>;
    const out = await client().audit(query);
    print(out, () =>
      out.items
        .map((e) => `${e.chain}#${String(e.seq).padEnd(5)} ${e.time} ${e.type.padEnd(18)} ${(e.actor ?? '').padEnd(14)} ${e.target ?? ''} ${e.changeId ?? ''}`)
        .join('\n'),
    );
  });

program
  .command('digest')
  .description('have CMV sign a digest of the ledger now (auditor or release_admin); keep it outside CMV with --out')
  .option('-o, --out <file>', 'write the signed digest to this file')
  .action(async (opts: { out?: string }) => {
    const d = await client().digest();
    if (opts.out) await writeFile(opts.out, `${JSON.stringify(d, null, 2)}\n`, { flag: 'wx' });
    print(d, () =>
      [
        `digest #${d.digest.seq} at ${d.digest.time}: ${d.digest.entries} entries in ${d.digest.chains.length} chain(s)`,
        `head hash (Merkle root) ${d.digest.headHash}`,
        `digest hash ${d.digestHash}, signed by ${d.signature.keyId}`,
        ...(opts.out ? [`written to ${opts.out}: verify from it later with cmv verify --digest ${opts.out} --public-key <pem>`] : []),
      ].join('\n'),
    );
  });

program
  .command('evidence <changeId>')
  .description("download a change's evidence pack (auditor or release_admin): a zip to verify offline with cmv verify --evidence")
  .option('-o, --out <file>', 'where to write it (default evidence-<changeId>.zip; never overwrites)')
  .action(async (changeId: string, opts: { out?: string }) => {
    const zip = await client().evidence(changeId);
    const out = opts.out ?? `evidence-${changeId}.zip`;
    await writeFile(out, zip, { flag: 'wx' });
    const v = verifyEvidence(zip);
    print(
      { file: out, bytes: zip.length, changeId: v.changeId, entries: v.entries, digestSeq: v.digestSeq },
      () =>
        `${out}: evidence of ${changeId}, ${zip.length} bytes, ${v.entries} ledger entries proven to signed digest #${v.digestSeq}; verify with cmv verify --evidence ${out} --public-key <pem>`,
    );
  });

program
  .command('verify')
  .description('verify the ledger: every chain against every signed digest, from a digest (or the first entry) to the heads; exits 1 on any fault')
  .option('--from <seq>', 'the last digest verified before: only the entries since are read')
  .option('--digest <file>', 'a signed digest kept outside CMV: the stored one must be it; verification starts from it unless --from says otherwise')
  .option('--public-key <file>', "the digest key's public key (PEM): the kept digest must verify with it, and CMV must sign with it")
  .option('--evidence <file>', 'an evidence pack (cmv evidence): verified offline, without CMV — files, entries, chain proof, Merkle inclusion, signature')
  .action(async (opts: { from?: string; digest?: string; publicKey?: string; evidence?: string }) => {
    const pem = opts.publicKey ? await readFile(opts.publicKey, 'utf8') : undefined;
    if (opts.evidence) {
      const v = verifyEvidence(await readFile(opts.evidence), { publicKey: pem });
      print(v, () =>
        v.valid
          ? `evidence valid: ${opts.evidence}, change ${v.changeId}: every file as its manifest lists it, ${v.entries} ledger entries proven to signed digest #${v.digestSeq}${pem ? `, signed with the key in ${opts.publicKey}` : ' (signed with the key in the pack: pass --public-key to check it is the one you hold)'}${attestedText(v.attested)}`
          : [`EVIDENCE INVALID: ${opts.evidence}`, ...v.failures.map((f) => `  ${f.message}`)].join('\n'),
      );
      if (!v.valid) process.exitCode = 1;
      return;
    }
    const kept = opts.digest ? await readKeptDigest(opts.digest, pem) : undefined;
    const from = opts.from !== undefined ? Number(opts.from) : kept?.digest.seq;
    const v = await client().verify(undefined, { from, kept: kept ? { seq: kept.digest.seq, digestHash: kept.digestHash } : undefined });
    if (pem && v.publicKey && !samePublicKey(pem, v.publicKey)) {
      console.error(`CMV signs its digests with another key than ${opts.publicKey}`);
      process.exitCode = 1;
      return;
    }
    print(v, () =>
      v.valid
        ? `ledger valid: ${v.entries} new entries in ${v.chains} chain(s) checked${from ? ` from digest #${from}` : ''} against ${v.digests} signed digest(s)${v.latestDigest ? `; newest #${v.latestDigest.seq} ${v.latestDigest.digestHash}` : ''}`
        : `LEDGER INVALID: ${v.chain ? `${v.chain} entry ${v.firstBadSeq}` : `digest #${v.faults?.[0]?.digestSeq}`}: ${v.reason} — ${v.detail}`,
    );
    if (!v.valid) process.exitCode = 1;
  });

/** `; canary-report.json matches the SHA-256 recorded at <entry>, tests/report.json at <entry>`, or nothing when the ledger records no file of the pack. */
function attestedText(attested: readonly AttestedFile[]): string {
  if (attested.length === 0) return '';
  const [first, ...rest] = attested;
  return `; ${first.path} matches the SHA-256 recorded at ${first.entry}${rest.map((a) => `, ${a.path} at ${a.entry}`).join('')}`;
}

function formatPlan(out: Awaited<ReturnType<CmvClient['plan']>>): string {
  const p = out.plan;
  const quorum = (q: (typeof p.approvals.groups)[number]['quorum']) => (typeof q === 'string' ? q : `${q.count} of N`);
  return [
    `${out.target} ${out.version} (from ${out.baseVersion}), artifact sha256 ${out.artifactSha256}`,
    ...(p.versioning ? [`version    ${p.versioning.bump ? `${p.versioning.bump}: ` : ''}${p.versioning.reasons.join('; ')}`] : []),
    `policy     ${p.policy.name}, rule ${p.policy.ruleId} (sha256 ${p.policy.sha256.slice(0, 12)}…)`,
    ...(p.approvals.groups.length
      ? p.approvals.groups.map(
          (g) => `approvers  ${g.name}: ${g.required} of ${g.eligible.length} (${quorum(g.quorum)}; ${g.roles.join('/')}: ${g.eligible.join(', ')})`,
        )
      : ['approvers  none: pre-approved']),
    `timeout    ${p.approvals.timeoutHours} h`,
    `category   ${categoryText(p.category)}`,
    `requires   ${p.requiredFields?.length ? p.requiredFields.join(', ') : 'no template fields'}`,
    `tests      ${p.tests.join(', ')}`,
    `window     ${p.window.bypass ? 'bypassed (emergency)' : p.window.windows.length ? p.window.windows.map((w) => `${w.days.join(',')} ${w.start}–${w.end}`).join('; ') : 'any time'} (${p.window.timeZone}); earliest start ${p.window.earliestStart}`,
    `canary     ${p.canary.steps.join(' → ')} %, bake ${p.canary.bakeSeconds} s`,
    ...(p.postImplementationReview ? ['review     a post-implementation review is required after the deployment'] : []),
    ...(p.approvals.unmet ? [`UNMET      ${p.approvals.unmet}`] : []),
  ].join('\n');
}

function summary(c: Awaited<ReturnType<CmvClient['change']>>): string {
  const lines = [
    `  title      ${c.title}`,
    `  type/risk  ${c.changeType} / ${c.riskLevel}`,
    `  category   ${categoryText(c.plan.category, c.category)}`,
    ...templateLines(c),
    `  requester  ${c.requester}`,
  ];
  if (c.tests) lines.push(`  tests      ${c.tests.passed ? 'passed' : 'failed'} (${c.tests.buildId}) ${c.tests.logs ?? ''}`);
  const from = c.promotedFrom;
  if (from) {
    const tests = from.tests ? `, its tests ${from.tests.passed ? 'passed' : 'failed'} (${from.tests.buildId})` : '';
    lines.push(
      `  advanced   from change ${from.changeId} (${from.target} ${from.version}, ${from.environment}${tests}); artifact SHA-256 ${from.artifactSha256}`,
    );
  }
  if (c.promotedTo)
    lines.push(
      `  advanced   to change ${c.promotedTo.changeId} (${c.promotedTo.target} ${c.promotedTo.version}, ${c.promotedTo.environment}) by ${c.promotedTo.by}`,
    );
  for (const v of c.approvals) lines.push(`  vote       ${v.approver}: ${v.decision} ${v.comment}`);
  for (const h of c.deployment?.history ?? []) lines.push(`  canary     ${h.weight}% ${h.decision ?? 'baking'} ${h.reason ?? ''}`);
  return lines.join('\n');
}

program
  .command('events')
  .description("CMV's events on the local bus (source cmv; in AWS, subscribe with an EventBridge rule on source cmv)")
  .option('-c, --change <id>', 'only the events of this change')
  .option('-t, --type <detailType>', 'only events of this detail-type, e.g. "Deployment Rolled Back"')
  .option('-f, --follow', 'keep printing new events')
  .option('--data-dir <dir>', 'the local runtime data dir (default: CMV_DATA_DIR, else .cmv in the repository, as `npm start` uses)')
  .action(async (opts: { change?: string; type?: string; follow?: boolean; dataDir?: string }) => {
    const dataDir = opts.dataDir ? resolve(opts.dataDir) : localDataDir();
    const bus = new LocalEventBridge(`${dataDir}/events`);
    if (!existsSync(bus.file) && !opts.follow) {
      console.error(
        `cmv: no local event bus at ${bus.file}: no local runtime has written there. Start one (npm start), or point at another data dir with --data-dir or CMV_DATA_DIR (npm run demo keeps its data in .cmv/demo).`,
      );
      process.exit(1);
    }
    const filter = {
      source: ['cmv'],
      ...(opts.type ? { 'detail-type': [opts.type] } : {}),
      ...(opts.change ? { detail: { changeId: [opts.change] } } : {}),
    };
    const line = (e: BusEnvelope) => {
      const d = e.detail as { changeId?: string; target?: string; actor?: string; seq?: number; reason?: string };
      return [e.time, e['detail-type'].padEnd(26), d.target ?? '', d.changeId ?? '', `by ${d.actor}`, `#${d.seq}`, d.reason ? `— ${d.reason}` : '']
        .join(' ')
        .trim();
    };
    if (opts.follow) console.error(`following ${bus.file} (Ctrl+C to stop)`);
    for (let seen = 0; ; ) {
      const events = await bus.read(filter);
      for (const e of events.slice(seen)) console.log(program.opts().json ? JSON.stringify(e) : line(e));
      seen = events.length;
      if (!opts.follow) {
        if (events.length === 0) {
          const total = (await bus.read()).length;
          console.error(`no matching events in ${bus.file} (${total} event${total === 1 ? '' : 's'} in all)`);
        }
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  });

program.parseAsync().catch((err: unknown) => {
  const hint = err instanceof ApiError && err.status === 401 ? ' — sign in with cmv login or set CMV_TOKEN (locally: set CMV_USER)' : '';
  console.error(`cmv: ${(err as Error).message}${hint}`);
  process.exit(err instanceof ApiError && err.status < 500 ? 2 : 1);
});

/** `canary 10%, step 1/3, paused by dana` or `codedeploy CodeDeployDefault.LambdaCanary10Percent5Minutes, 10%`. */
function deploymentLine(d: NonNullable<Change['deployment']>): string {
  const held = d.paused ? `, paused by ${d.paused.by}` : d.promoteRequested ? `, promotion requested by ${d.promoteRequested.by}` : '';
  return `${strategyOf(d.strategy).progress(d)}${held}`;
}
