/**
 * The script the test build runs, in CodeBuild (buildspec) and in the local CodeBuild alike:
 * `node -e "$SCRIPT" <report.json>` in the unzipped artifact runs each suite of CMV_TEST_SUITES
 * (`[{suite, command}]`) in order with `sh -c`, prints its output, writes the report
 * `{suites: [{suite, command, passed, durationMs, output}]}` (output: the last 4000 characters), and
 * exits 1 when any suite failed — after running all of them, so the report is complete.
 * It contains no single quote, so a shell can carry it in single quotes.
 */
export const SUITE_RUNNER_SCRIPT = [
  'const { spawnSync } = require("node:child_process");',
  'const suites = JSON.parse(process.env.CMV_TEST_SUITES || "[]");',
  'const results = [];',
  'for (const s of suites) {',
  '  const started = Date.now();',
  '  console.log("=== suite " + s.suite + ": " + s.command);',
  '  const r = spawnSync("sh", ["-c", s.command], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });',
  '  const output = (r.stdout || "") + (r.stderr || "");',
  '  process.stdout.write(output);',
  '  results.push({ suite: s.suite, command: s.command, passed: r.status === 0, durationMs: Date.now() - started, output: output.slice(-4000) });',
  '  console.log("=== suite " + s.suite + ": " + (r.status === 0 ? "PASSED" : "FAILED"));',
  '}',
  'require("node:fs").writeFileSync(process.argv[1], JSON.stringify({ suites: results }, null, 2));',
  'process.exit(suites.length > 0 && results.every((r) => r.passed) ? 0 : 1);',
].join('\n');
