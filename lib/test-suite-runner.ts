/** How the test build installs a service's dependencies: from its lockfile, exactly, as CI should. */
export const INSTALL_COMMAND = 'npm ci --no-audit --no-fund';

/**
 * The script the test build runs, in CodeBuild (buildspec) and in the local CodeBuild alike:
 * `node -e "$SCRIPT" <report.json>` in the unzipped artifact. First it installs the service's
 * dependencies with INSTALL_COMMAND when the artifact has a lockfile (package-lock.json or
 * npm-shrinkwrap.json) and it or package.json names any (artifacts never carry node_modules); a
 * failed install runs no suite. Then it runs each suite of CMV_TEST_SUITES (`[{suite, command}]`) in order with `sh -c`,
 * prints its output, writes the report `{install?, suites: [{suite, command, passed, durationMs, output}]}`
 * (install: `{command, passed, durationMs, output}`; output: the last 4000 characters), and exits 1
 * when the install or any suite failed — after running all of them, so the report is complete.
 * It contains no single quote, so a shell can carry it in single quotes.
 */
export const SUITE_RUNNER_SCRIPT = [
  'const { spawnSync } = require("node:child_process");',
  'const fs = require("node:fs");',
  'const run = (command) => {',
  '  const started = Date.now();',
  '  const r = spawnSync("sh", ["-c", command], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });',
  '  const output = (r.stdout || "") + (r.stderr || "");',
  '  process.stdout.write(output);',
  '  return { command, passed: r.status === 0, durationMs: Date.now() - started, output: output.slice(-4000) };',
  '};',
  'const report = { suites: [] };',
  'const lockfile = ["npm-shrinkwrap.json", "package-lock.json"].find((f) => fs.existsSync(f));',
  // Nothing to install — a lockfile naming no package (lockfileVersion 1: dependencies; 2 and 3: packages) for a
  // package.json declaring none — spares npm's start-up; a package.json declaring any still gets npm ci, which checks both agree.
  'const json = (f) => (fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : {});',
  'const locked = lockfile ? json(lockfile) : {};',
  'const declared = json("package.json");',
  'const names = [locked.packages, locked.dependencies, declared.dependencies, declared.devDependencies, declared.optionalDependencies].flatMap((o) => Object.keys(o || {}));',
  'if (lockfile && names.some((k) => k !== "")) {',
  `  console.log("=== install: ${INSTALL_COMMAND}");`,
  `  report.install = run("${INSTALL_COMMAND}");`,
  '  console.log("=== install: " + (report.install.passed ? "PASSED" : "FAILED"));',
  '} else if (lockfile) console.log("=== install: nothing to install");',
  'const suites = JSON.parse(process.env.CMV_TEST_SUITES || "[]");',
  'for (const s of report.install && !report.install.passed ? [] : suites) {',
  '  console.log("=== suite " + s.suite + ": " + s.command);',
  '  const r = run(s.command);',
  '  report.suites.push({ suite: s.suite, command: s.command, passed: r.passed, durationMs: r.durationMs, output: r.output });',
  '  console.log("=== suite " + s.suite + ": " + (r.passed ? "PASSED" : "FAILED"));',
  '}',
  'fs.writeFileSync(process.argv[1], JSON.stringify(report, null, 2));',
  'process.exit(report.suites.length > 0 && report.suites.every((r) => r.passed) ? 0 : 1);',
].join('\n');
