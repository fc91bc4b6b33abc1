import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { strFromU8, strToU8, zipSync } from 'fflate';
import { applyUnifiedDiff, type SourceFiles, sha256Base64, unzipSource, zipSource } from '../../../lambdas/core/artifact';
import { ValidationError } from '../../../lambdas/core/errors';

const EXAMPLE = join(__dirname, '../../../examples/benefit-calculator');

/** The example service as a SourceFiles map, paths relative to service/. */
function exampleSource(): SourceFiles {
  const root = join(EXAMPLE, 'service');
  const files: SourceFiles = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(root, path).split(sep).join('/')] = new Uint8Array(readFileSync(path));
  }
  return files;
}

const exampleDiff = (name: string) => readFileSync(join(EXAMPLE, 'changes', name), 'utf8');
const text = (files: SourceFiles, path: string) => strFromU8(files[path]);

/** The ValidationError `fn` throws (fails the test when it throws nothing or something else). */
function validationErrorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}

/** Paths that would leave the directory a source is extracted to, or that no file system agrees on. */
const HOSTILE_PATHS: [string, string][] = [
  ['a parent-directory escape', '../../../../tmp/cmv-pwned'],
  ['a parent segment inside', 'src/../../cmv-pwned'],
  ['absolute', '/tmp/cmv-pwned'],
  ['a Windows drive path', 'C:/cmv-pwned'],
  ['a backslash escape', '..\\..\\cmv-pwned'],
  ['with a NUL byte', 'src/index.js\u0000.txt'],
  ['a current-directory segment', './src/index.js'],
  ['an empty segment', 'src//index.js'],
];

const SOURCE: SourceFiles = {
  'src/index.js': strToU8("const { add } = require('./math');\nexports.handler = async () => add(1, 2);\n"),
  'src/math.js': strToU8('function add(a, b) {\n  return a + b;\n}\n\nmodule.exports = { add };\n'),
  'package.json': strToU8('{\n  "name": "svc",\n  "version": "1.0.0"\n}\n'),
};

describe('artifact', () => {
  describe('zipSource()', () => {
    it('gives identical bytes and digest when the same files are added in another order', () => {
      // Arrange
      const reordered: SourceFiles = { 'package.json': SOURCE['package.json'], 'src/math.js': SOURCE['src/math.js'], 'src/index.js': SOURCE['src/index.js'] };

      // Act
      const one = zipSource(SOURCE);
      const two = zipSource(reordered);

      // Assert
      expect(Buffer.from(two).equals(Buffer.from(one))).toBe(true);
      expect(sha256Base64(two)).toBe(sha256Base64(one));
    });

    it('gives a different digest when one byte of one file differs', () => {
      const changed = { ...SOURCE, 'src/math.js': strToU8('function add(a, b) {\n  return a - b;\n}\n\nmodule.exports = { add };\n') };

      expect(sha256Base64(zipSource(changed))).not.toBe(sha256Base64(zipSource(SOURCE)));
    });
  });

  describe('unzipSource()', () => {
    it('returns the zipped files when it round-trips', () => {
      expect(unzipSource(zipSource(SOURCE))).toEqual(SOURCE);
    });

    it('rejects bytes that are not a zip with ValidationError on code.artifact', () => {
      const error = validationErrorOf(() => unzipSource(strToU8('this is not a zip archive')));

      expect(error.errors[0].path).toBe('code.artifact');
      expect(error.message).toMatch(/not a zip archive/);
    });

    it.each(HOSTILE_PATHS)('rejects an entry whose path is %s with ValidationError on code.artifact', (_what, path) => {
      // Arrange: fflate writes any entry name, as a hostile zip tool would.
      const zip = zipSync({ 'src/index.js': strToU8('ok'), [path]: strToU8('pwned') });

      // Act
      const error = validationErrorOf(() => unzipSource(zip));

      // Assert
      expect(error.errors[0].path).toBe('code.artifact');
      expect(error.message).toContain(JSON.stringify(path));
    });
  });

  describe('sha256Base64()', () => {
    it('returns the base64 SHA-256 that Lambda reports as CodeSha256', () => {
      // SHA-256 of the empty string.
      expect(sha256Base64(new Uint8Array())).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    });
  });

  describe('applyUnifiedDiff()', () => {
    it('changes a file when a git-style diff applies', () => {
      // Arrange
      const before = text(SOURCE, 'src/math.js');
      const after = before.replace('return a + b;', 'return Number(a) + Number(b);');
      const diff = createTwoFilesPatch('a/src/math.js', 'b/src/math.js', before, after);

      // Act
      const result = applyUnifiedDiff(SOURCE, diff, 'version 1.0.0');

      // Assert
      expect(text(result, 'src/math.js')).toBe(after);
      expect(result['src/index.js']).toBe(SOURCE['src/index.js']);
      expect(Object.keys(result).sort()).toEqual(Object.keys(SOURCE).sort());
    });

    it('leaves the input files unchanged when it patches', () => {
      const before = text(SOURCE, 'src/math.js');
      const diff = createTwoFilesPatch('a/src/math.js', 'b/src/math.js', before, before.replace('a + b', 'b + a'));

      applyUnifiedDiff(SOURCE, diff, 'version 1.0.0');

      expect(text(SOURCE, 'src/math.js')).toBe(before);
    });

    it('creates a file when the diff comes from /dev/null', () => {
      const diff = createTwoFilesPatch('/dev/null', 'b/src/rounding.js', '', 'exports.cents = (x) => Math.round(x * 100) / 100;\n');

      const result = applyUnifiedDiff(SOURCE, diff, 'version 1.0.0');

      expect(text(result, 'src/rounding.js')).toBe('exports.cents = (x) => Math.round(x * 100) / 100;\n');
      expect(Object.keys(result)).toHaveLength(4);
    });

    it('removes a file when the diff goes to /dev/null', () => {
      const diff = createTwoFilesPatch('a/src/math.js', '/dev/null', text(SOURCE, 'src/math.js'), '');

      const result = applyUnifiedDiff(SOURCE, diff, 'version 1.0.0');

      expect(Object.keys(result).sort()).toEqual(['package.json', 'src/index.js']);
    });

    it('rejects a diff from /dev/null when the source already has that file', () => {
      // Arrange: a "new file" diff shows the approver only additions; the existing content must not vanish unreviewed
      // (git apply: "already exists in working directory"; patch: "would create the file, which already exists").
      const diff = createTwoFilesPatch('/dev/null', 'b/src/math.js', '', 'module.exports = { add: () => 42 };\n');

      // Act
      const error = validationErrorOf(() => applyUnifiedDiff(SOURCE, diff, 'version 1.0.0'));

      // Assert
      expect(error.errors[0].path).toBe('code.diff');
      expect(error.message).toContain('src/math.js');
    });

    it('rejects a diff to /dev/null when it removes only some lines of the file', () => {
      // Arrange: the hunk removes line 1 of 5; lines 2–5 would disappear without appearing in the diff
      // (git apply: "removal patch leaves file contents").
      const diff = '--- a/src/math.js\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-function add(a, b) {\n';

      // Act
      const error = validationErrorOf(() => applyUnifiedDiff(SOURCE, diff, 'version 1.0.0'));

      // Assert
      expect(error.errors[0].path).toBe('code.diff');
      expect(error.message).toContain('src/math.js');
    });

    it('applies every file of a multi-file diff', () => {
      const diff =
        createTwoFilesPatch('a/package.json', 'b/package.json', text(SOURCE, 'package.json'), text(SOURCE, 'package.json').replace('1.0.0', '1.0.1')) +
        createTwoFilesPatch('a/src/math.js', 'b/src/math.js', text(SOURCE, 'src/math.js'), text(SOURCE, 'src/math.js').replace('a + b', 'b + a'));

      const result = applyUnifiedDiff(SOURCE, diff, 'version 1.0.0');

      expect(text(result, 'package.json')).toContain('"version": "1.0.1"');
      expect(text(result, 'src/math.js')).toContain('return b + a;');
    });

    it('rejects the diff naming the file when its context does not match', () => {
      // Arrange: a diff made against other content of src/math.js.
      const diff = createTwoFilesPatch(
        'a/src/math.js',
        'b/src/math.js',
        'function add(a, b) {\n  return a * b;\n}\n',
        'function add(a, b) {\n  return a / b;\n}\n',
      );

      // Act
      const error = validationErrorOf(() => applyUnifiedDiff(SOURCE, diff, 'version 1.0.0'));

      // Assert
      expect(error.errors[0].path).toBe('code.diff');
      expect(error.message).toContain('src/math.js');
      expect(error.message).toContain('version 1.0.0');
    });

    it('rejects the diff when it touches a file the source does not have', () => {
      const diff = createTwoFilesPatch('a/src/missing.js', 'b/src/missing.js', 'one\n', 'two\n');

      const error = validationErrorOf(() => applyUnifiedDiff(SOURCE, diff, 'version 1.0.0'));

      expect(error.errors[0].path).toBe('code.diff');
      expect(error.message).toContain('src/missing.js');
    });

    it.each(['this is not a diff', 'Hello,\n\nplease deploy my change.\n'])('rejects text that is not a diff: %j', (notADiff) => {
      const error = validationErrorOf(() => applyUnifiedDiff(SOURCE, notADiff, 'version 1.0.0'));

      expect(error.errors[0].path).toBe('code.diff');
    });

    it.each(HOSTILE_PATHS)('rejects a diff creating a file whose path is %s with ValidationError on code.diff', (_what, path) => {
      const diff = `--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+pwned\n`;

      const error = validationErrorOf(() => applyUnifiedDiff(SOURCE, diff, 'version 1.0.0'));

      expect(error.errors[0].path).toBe('code.diff');
      expect(error.message).toContain(JSON.stringify(path));
    });

    it('rejects a diff whose old file name escapes, with ValidationError on code.diff naming the path', () => {
      const diff = '--- a/../../etc/passwd\n+++ b/src/index.js\n@@ -1 +1 @@\n-root\n+pwned\n';

      const error = validationErrorOf(() => applyUnifiedDiff(SOURCE, diff, 'version 1.0.0'));

      expect(error.errors[0].path).toBe('code.diff');
      expect(error.message).toContain('"../../etc/passwd"');
    });

    it('rejects an absolute path given without an a/ or b/ prefix', () => {
      const diff = '--- /dev/null\n+++ /tmp/cmv-pwned\n@@ -0,0 +1 @@\n+pwned\n';

      const error = validationErrorOf(() => applyUnifiedDiff(SOURCE, diff, 'version 1.0.0'));

      expect(error.errors[0].path).toBe('code.diff');
      expect(error.message).toContain('"/tmp/cmv-pwned"');
    });

    it('applies the example 1.1.0 change to the real 1.0.0 source of benefit-calculator', () => {
      // Arrange
      const source = exampleSource();
      expect(text(source, 'src/calculator.js')).toContain('income += quarter.seasonalBonus;');

      // Act
      const result = applyUnifiedDiff(source, exampleDiff('1.1.0-seasonal-bonus.diff'), 'version 1.0.0');

      // Assert
      expect(text(result, 'src/calculator.js')).not.toContain('income += quarter.seasonalBonus;');
      expect(text(result, 'src/calculator.js')).toContain('return quarter.wages;');
      expect(JSON.parse(text(result, 'package.json')).version).toBe('1.1.0');
      expect(Object.keys(result).sort()).toEqual(Object.keys(source).sort());
    });

    it('applies the example 1.2.0 change on top of 1.1.0', () => {
      const v110 = applyUnifiedDiff(exampleSource(), exampleDiff('1.1.0-seasonal-bonus.diff'), 'version 1.0.0');

      const v120 = applyUnifiedDiff(v110, exampleDiff('1.2.0-itemised-dependants.diff'), 'version 1.1.0');

      expect(JSON.parse(text(v120, 'package.json')).version).toBe('1.2.0');
      expect(text(v120, 'src/calculator.js')).toContain('function countDependentChildren(dependants, asOf)');
      expect(text(v120, 'src/calculator.js')).toContain('return quarter.wages;');
    });

    it('rejects the example 1.2.0 change when it is applied to the 1.0.0 source', () => {
      const error = validationErrorOf(() => applyUnifiedDiff(exampleSource(), exampleDiff('1.2.0-itemised-dependants.diff'), 'version 1.0.0'));

      expect(error.errors[0].path).toBe('code.diff');
      expect(error.message).toMatch(/does not apply to .* of version 1\.0\.0/);
    });
  });
});
