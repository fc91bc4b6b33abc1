import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type ExecutionRecord, LocalStepFunctions, type LocalStepFunctionsOptions } from '../../../lib/local/step-functions';
import { countHistoryEvents } from '../../../lib/local/step-functions-limits';

const ARN = 'arn:aws:states:local:000000000000:stateMachine:cmv-change-lifecycle';

/** An execution that ended, as a clean run saves it. */
const succeeded = (name: string): ExecutionRecord => ({
  executionArn: `arn:aws:states:local:000000000000:execution:cmv-change-lifecycle:${name}`,
  name,
  status: 'SUCCEEDED',
  startDate: '2025-01-01T00:00:00.000Z',
  stopDate: '2025-01-01T00:01:00.000Z',
  input: '{}',
  output: '{}',
  history: [],
});

describe('LocalStepFunctions', () => {
  let dir: string;
  let log: string[];
  let stderr: jest.SpyInstance;
  const start = () =>
    new LocalStepFunctions({
      definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
      stateMachineArn: ARN,
      lambdas: {},
      integrations: {},
      dir,
      speed: 1,
      log: (line) => log.push(line),
    });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-sfn-'));
    log = [];
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(async () => {
    stderr.mockRestore();
    await rm(dir, { recursive: true, force: true });
  });

  describe('resume()', () => {
    it('quarantines an empty or truncated execution file, reports whose execution is lost, and loads the others', async () => {
      // Arrange: one execution saved whole, one file emptied by a crash, one cut off mid-JSON.
      await writeFile(join(dir, 'c-ok.json'), JSON.stringify(succeeded('c-ok')));
      await writeFile(join(dir, 'c-empty.json'), '');
      await writeFile(join(dir, 'c-torn.json'), JSON.stringify(succeeded('c-torn')).slice(0, 40));
      const sfn = start();

      // Act
      const resumed = await sfn.resume();

      // Assert: it started; the whole one is there; the others were moved aside and reported by change.
      expect(resumed).toBe(0);
      expect(sfn.execution('c-ok')).toMatchObject({ status: 'SUCCEEDED' });
      const files = (await readdir(dir)).sort();
      expect(files).toEqual([expect.stringMatching(/^c-empty\.json\.corrupt-/), 'c-ok.json', expect.stringMatching(/^c-torn\.json\.corrupt-/)]);
      expect(log).toEqual([
        expect.stringMatching(/c-empty\.json: empty \(0 bytes\); lost: the execution of change c-empty; moved to .*c-empty\.json\.corrupt-/),
        expect.stringMatching(/c-torn\.json: does not parse: .*; lost: the execution of change c-torn; moved to/),
      ]);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('lost: the execution of change c-empty'));
    });

    it('quarantines a file that is JSON but not an execution', async () => {
      // Arrange
      await writeFile(join(dir, 'c-odd.json'), '{"name":"c-odd"}');
      const sfn = start();

      // Act
      await sfn.resume();

      // Assert
      expect(sfn.execution('c-odd')).toBeUndefined();
      expect(log).toEqual([expect.stringMatching(/c-odd\.json: not the stored shape: .*lost: the execution of change c-odd/)]);
    });

    it('resumes at its first state an execution saved as started that never saved a state (a crash right after StartExecution)', async () => {
      // Arrange: StartExecution saved the record and answered; the process died before the first state was saved.
      const started: ExecutionRecord = { ...succeeded('c-new'), status: 'RUNNING', stopDate: undefined, output: undefined, input: '{"changeId":"c-new"}' };
      await writeFile(join(dir, 'c-new.json'), JSON.stringify(started));
      const sfn = start();

      // Act
      const resumed = await sfn.resume();
      await sfn.idle();

      // Assert
      expect(resumed).toBe(1);
      expect(sfn.execution('c-new')).toMatchObject({ status: 'SUCCEEDED', output: '{"changeId":"c-new"}' });
    });

    it.each([
      ['at', 'Bake'],
      ['before (at a Choice leading to it)', 'Decide'],
    ])(
      'divides by the speed factor the wait of a Wait whose seconds come from its input (SecondsPath), resumed %s it',
      async (_where, state) => {
        // Arrange: saved in (or just before) a bake of an hour; at speed 3600 it lasts a second.
        const baking: ExecutionRecord = {
          ...succeeded('c-bake'),
          status: 'RUNNING',
          stopDate: undefined,
          output: undefined,
          currentState: state,
          currentInput: { deployment: { waitSeconds: 3600 } },
        };
        await writeFile(join(dir, 'c-bake.json'), JSON.stringify(baking));
        const sfn = new LocalStepFunctions({
          definition: {
            StartAt: 'Decide',
            States: {
              Decide: { Type: 'Choice', Choices: [{ Variable: '$.deployment.waitSeconds', IsPresent: true, Next: 'Bake' }], Default: 'Bake' } as never,
              Bake: { Type: 'Wait', SecondsPath: '$.deployment.waitSeconds', End: true } as never,
            },
          },
          stateMachineArn: ARN,
          lambdas: {},
          integrations: {},
          dir,
          speed: 3600,
        });

        // Act
        await sfn.resume();
        await sfn.idle();

        // Assert: an hour unscaled would outlast the test's timeout many times over.
        expect(sfn.execution('c-bake')).toMatchObject({ status: 'SUCCEEDED' });
      },
      20_000,
    );

    it('ignores the temp file of a save that a crash interrupted before its rename, keeping the previous version', async () => {
      // Arrange: the previous version, and beside it the half-written temp file write-file-atomic names `<file>.<number>`.
      const previous = JSON.stringify(succeeded('c-1'));
      await writeFile(join(dir, 'c-1.json'), previous);
      await writeFile(join(dir, 'c-1.json.2718281828'), previous.slice(0, 30));
      const sfn = start();

      // Act
      await sfn.resume();

      // Assert
      expect(sfn.execution('c-1')).toMatchObject({ status: 'SUCCEEDED' });
      expect(await readFile(join(dir, 'c-1.json'), 'utf8')).toBe(previous);
      expect(log).toEqual([]);
    });
  });

  describe('onStateEntered', () => {
    it('is called once each state is saved as current, and a Task runs only after that', async () => {
      // Arrange: a Task, a Choice and the same Task again; the hook reads what is saved when it is called.
      const order: string[] = [];
      let runs = 0;
      const sfn = new LocalStepFunctions({
        definition: {
          StartAt: 'Work',
          States: {
            Work: { Type: 'Task', Resource: 'arn:aws:lambda:local:0:function:work', Next: 'Again' } as never,
            Again: { Type: 'Choice', Choices: [{ Variable: '$.runs', NumericEquals: 1, Next: 'Work' }], Default: 'Done' } as never,
            Done: { Type: 'Succeed' },
          },
        },
        stateMachineArn: ARN,
        lambdas: {
          'arn:aws:lambda:local:0:function:work': async () => {
            order.push('run Work');
            return { runs: ++runs };
          },
        },
        integrations: {},
        dir,
        speed: 1,
        onStateEntered: (state) => {
          // The journal's last StateEntered line: where a restart would resume.
          const lines = (require('node:fs').readFileSync(join(dir, 'c-1.jsonl'), 'utf8') as string)
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l));
          order.push(`entered ${state} (saved at ${lines.filter((l) => l.type === 'StateEntered').at(-1)?.state})`);
        },
      });

      // Act
      await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-1', input: '{}' }));
      await sfn.idle();

      // Assert
      expect(order).toEqual([
        'entered Work (saved at Work)',
        'run Work',
        'entered Again (saved at Again)',
        'entered Work (saved at Work)',
        'run Work',
        'entered Again (saved at Again)',
        'entered Done (saved at Done)',
      ]);
      expect(sfn.execution('c-1')).toMatchObject({ status: 'SUCCEEDED' });
    });
  });

  describe('journal', () => {
    it('writes the record whole at StartExecution and at the end only, each state in between as one appended line', async () => {
      // Arrange: three states; at each, what the record file and the journal hold.
      const seen: { record: string; journalLines: number }[] = [];
      const fs = require('node:fs') as typeof import('node:fs');
      const sfn = new LocalStepFunctions({
        definition: {
          StartAt: 'Work',
          States: {
            Work: { Type: 'Task', Resource: 'arn:aws:lambda:local:0:function:work', Next: 'Check' } as never,
            Check: { Type: 'Pass', Next: 'Done' } as never,
            Done: { Type: 'Succeed' },
          },
        },
        stateMachineArn: ARN,
        lambdas: { 'arn:aws:lambda:local:0:function:work': async () => ({ ok: true }) },
        integrations: {},
        dir,
        speed: 1,
        onStateEntered: () => {
          seen.push({
            record: fs.readFileSync(join(dir, 'c-1.json'), 'utf8'),
            journalLines: fs.readFileSync(join(dir, 'c-1.jsonl'), 'utf8').trim().split('\n').length,
          });
        },
      });

      // Act
      await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-1', input: '{"changeId":"c-1"}' }));
      await sfn.idle();

      // Assert: the record as StartExecution wrote it at every state; the journal one line longer each time; at the end the whole record, no journal.
      expect(new Set(seen.map((s) => s.record)).size).toBe(1);
      expect(JSON.parse(seen[0].record)).toMatchObject({ status: 'RUNNING', history: [] });
      expect(seen.map((s) => s.journalLines)).toEqual([...seen.map((s) => s.journalLines)].sort((a, b) => a - b));
      expect(seen.at(-1)?.journalLines).toBeGreaterThan(seen[0].journalLines);
      const ended = JSON.parse(await readFile(join(dir, 'c-1.json'), 'utf8')) as ExecutionRecord;
      expect(ended).toMatchObject({ status: 'SUCCEEDED' });
      expect(ended.history.filter((e) => e.type === 'StateEntered').map((e) => e.state)).toEqual(['Work', 'Check', 'Done']);
      expect(await readdir(dir)).toEqual(['c-1.json']);
    });

    it('resumes a running execution at the state its journal entered last, with that input, skipping a line torn by a crash', async () => {
      // Arrange: the record as StartExecution wrote it; the journal entered Work, then Wait (its input), then a torn line.
      const started: ExecutionRecord = { ...succeeded('c-2'), status: 'RUNNING', stopDate: undefined, output: undefined, input: '{}' };
      await writeFile(join(dir, 'c-2.json'), JSON.stringify(started));
      await writeFile(
        join(dir, 'c-2.jsonl'),
        `${[
          { type: 'StateEntered', timestamp: 1, state: 'Work', input: {} },
          { type: 'StateExited', timestamp: 2, state: 'Work' },
          { type: 'StateEntered', timestamp: 3, state: 'Wait', input: { at: 'wait' } },
        ]
          .map((e) => JSON.stringify(e))
          .join('\n')}\n{"type":"StateEx`,
      );
      const sfn = new LocalStepFunctions({
        definition: { StartAt: 'Work', States: { Work: { Type: 'Pass', Next: 'Wait' } as never, Wait: { Type: 'Pass', End: true } as never } },
        stateMachineArn: ARN,
        lambdas: {},
        integrations: {},
        dir,
        speed: 1,
        log: (line) => log.push(line),
      });

      // Act
      await sfn.resume();
      await sfn.idle();

      // Assert
      expect(sfn.execution('c-2')).toMatchObject({ status: 'SUCCEEDED', output: '{"at":"wait"}' });
      expect(
        sfn
          .execution('c-2')
          ?.history.filter((e) => e.type === 'StateEntered')
          .map((e) => e.state),
      ).toEqual(['Work', 'Wait', 'Wait']);
      expect(log).toEqual(expect.arrayContaining([expect.stringMatching(/c-2\.jsonl line 4 does not parse/), '↻  resuming execution c-2 at Wait']));
    });
  });

  describe('stop()', () => {
    it('waits for a task in progress to end, however long it takes, so no handler outlives the runtime', async () => {
      // Arrange: a task that ends well after the abort (longer than any fixed grace a loaded machine might blow)
      let release: () => void = () => undefined;
      let started: () => void = () => undefined;
      const running = new Promise<void>((r) => {
        started = r;
      });
      let ended = false;
      const sfn = new LocalStepFunctions({
        definition: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: 'arn:aws:lambda:local:0:function:work', End: true } as never } },
        stateMachineArn: ARN,
        lambdas: {
          'arn:aws:lambda:local:0:function:work': async () => {
            started();
            await new Promise<void>((r) => {
              release = r;
            });
            ended = true;
            return {};
          },
        },
        integrations: {},
        dir,
        speed: 1,
      });
      await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-1', input: '{}' }));
      await running;

      // Act: stop while the task runs; the task ends 2.5 s later
      const stopped = sfn.stop().then(() => ended);
      setTimeout(() => release(), 2500);

      // Assert: stop resolved only after the task ended
      expect(await stopped).toBe(true);
    });
  });

  describe('after stop()', () => {
    it('runs no execution started meanwhile (it stays RUNNING, for the next start to resume): no state, and no timer left to keep the process alive', async () => {
      // Arrange: a wait on a task token with a long TimeoutSeconds, as the approval wait
      const invoked: unknown[] = [];
      const sfn = new LocalStepFunctions({
        definition: {
          StartAt: 'Wait',
          States: {
            Wait: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: 'arn:aws:lambda:local:0:function:ask', Payload: { 'token.$': '$$.Task.Token' } },
              TimeoutSeconds: 3600,
              End: true,
            } as never,
          },
        },
        stateMachineArn: ARN,
        lambdas: { 'arn:aws:lambda:local:0:function:ask': async (event: unknown) => invoked.push(event) },
        integrations: {},
        dir,
        speed: 1,
      });
      await sfn.stop();
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = timers();

      // Act
      await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-late', input: '{}' }));
      await new Promise((r) => setImmediate(r));

      // Assert
      expect(sfn.execution('c-late')).toMatchObject({ status: 'RUNNING' });
      expect(invoked).toEqual([]);
      expect(timers()).toBe(before);
    });
  });

  describe('send(StartExecution)', () => {
    it('answers a repeat with the same name and input as the running execution with that execution, as Step Functions does', async () => {
      // Arrange: an execution waiting in a task until released.
      let release = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      const sfn = new LocalStepFunctions({
        definition: { StartAt: 'Wait', States: { Wait: { Type: 'Task', Resource: 'arn:aws:lambda:local:0:function:hang', End: true } as never } },
        stateMachineArn: ARN,
        lambdas: { 'arn:aws:lambda:local:0:function:hang': async () => held },
        integrations: {},
        dir,
        speed: 1,
      });
      const first = (await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-1', input: '{"changeId":"c-1"}' }))) as {
        executionArn: string;
        startDate: Date;
      };

      // Act
      const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-1', input: '{"changeId":"c-1"}' }));
      const other = sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-1', input: '{"changeId":"c-2"}' }));

      // Assert
      expect(again).toEqual(first);
      await expect(other).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
      release();
      await sfn.idle();
      await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-1', input: '{"changeId":"c-1"}' }))).rejects.toMatchObject({
        name: 'ExecutionAlreadyExists',
      });
    });

    it('starts a new execution after an earlier one was quarantined', async () => {
      // Arrange
      await writeFile(join(dir, 'c-lost.json'), '');
      const sfn = start();
      await sfn.resume();

      // Act
      await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-new', input: '{}' }));
      await sfn.idle();

      // Assert
      expect(sfn.execution('c-new')).toMatchObject({ status: 'SUCCEEDED' });
      expect(JSON.parse(await readFile(join(dir, 'c-new.json'), 'utf8'))).toMatchObject({ name: 'c-new', status: 'SUCCEEDED' });
    });
  });

  describe('limits', () => {
    const FN = 'arn:aws:lambda:local:0:function:work';
    /** A local Step Functions running `definition`, with the Lambda task FN answering `work`. */
    const machine = (definition: LocalStepFunctionsOptions['definition'], work: (input: unknown) => Promise<unknown>) =>
      new LocalStepFunctions({ definition, stateMachineArn: ARN, lambdas: { [FN]: work }, integrations: {}, dir, speed: 1 });
    const run = async (sfn: LocalStepFunctions, input = '{}') => {
      await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-1', input }));
      await sfn.idle();
      return sfn.execution('c-1');
    };
    /** A string whose JSON is `bytes` long. */
    const jsonOfBytes = (bytes: number) => 'x'.repeat(bytes - 2);
    const exceeded = (what: string) => `The state/task '${what}' returned a result with a size exceeding the maximum number of bytes service limit.`;

    describe('execution names', () => {
      it.each([
        ' ',
        '\t',
        '<',
        '>',
        '{',
        '}',
        '[',
        ']',
        '?',
        '*',
        '"',
        '#',
        '%',
        '\\',
        '^',
        '|',
        '~',
        '`',
        '$',
        '&',
        ',',
        ';',
        ':',
        '/',
        '\u0000',
        '\u001f',
        '\u007f',
        '\u009f',
      ])('refuses a name with %j with InvalidName, as StartExecution does, and starts nothing', async (char) => {
        // Arrange
        const sfn = start();
        const name = `change${char}1`;

        // Act
        const started = sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name, input: '{}' }));

        // Assert
        await expect(started).rejects.toMatchObject({ name: 'InvalidName', message: `Invalid Name: '${name}'` });
        expect(sfn.execution(name)).toBeUndefined();
        expect(await readdir(dir)).toEqual([]);
      });

      it.each([
        ['81 characters', 'c'.repeat(81), 'less than or equal to 80'],
        ['none', '', 'greater than or equal to 1'],
      ])('refuses a name of %s with ValidationException', async (_, name, constraint) => {
        // Arrange
        const sfn = start();

        // Act
        const started = sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name, input: '{}' }));

        // Assert
        await expect(started).rejects.toMatchObject({
          name: 'ValidationException',
          message: `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must have length ${constraint}`,
        });
        expect(await readdir(dir)).toEqual([]);
      });

      it.each([
        ['80 characters', 'c'.repeat(80)],
        ['a change id (UUID)', '4e65fd92-fc31-4f3c-beb2-329dd04fd26f'],
        ['letters that are not ASCII', 'änderung_1.2'],
      ])('starts an execution named with %s', async (_, name) => {
        // Arrange
        const sfn = start();

        // Act
        await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name, input: '{}' }));
        await sfn.idle();

        // Assert
        expect(sfn.execution(name)).toMatchObject({ status: 'SUCCEEDED' });
      });
    });

    describe('payloads of 256 KiB', () => {
      it('refuses StartExecution with an input over 256 KiB with ValidationException', async () => {
        // Arrange
        const sfn = start();

        // Act
        const started = sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-1', input: JSON.stringify(jsonOfBytes(262_145)) }));

        // Assert
        await expect(started).rejects.toMatchObject({
          name: 'ValidationException',
          message: "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
        });
        expect(sfn.execution('c-1')).toBeUndefined();
      });

      it('passes on a task result of exactly 256 KiB', async () => {
        // Arrange
        const sfn = machine({ StartAt: 'Work', States: { Work: { Type: 'Task', Resource: FN, End: true } as never } }, async () => jsonOfBytes(262_144));

        // Act
        const execution = await run(sfn);

        // Assert
        expect(execution).toMatchObject({ status: 'SUCCEEDED' });
      });

      it('fails the task with States.DataLimitExceeded when its result is over 256 KiB, failing the execution without a Catch', async () => {
        // Arrange
        const sfn = machine({ StartAt: 'Work', States: { Work: { Type: 'Task', Resource: FN, End: true } as never } }, async () => jsonOfBytes(262_145));

        // Act
        const execution = await run(sfn);

        // Assert
        expect(execution).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded', cause: exceeded(FN) });
      });

      it("lets a task's Catch handle States.DataLimitExceeded of its result, as AWS did when recorded", async () => {
        // Arrange
        const sfn = machine(
          {
            StartAt: 'Work',
            States: {
              Work: { Type: 'Task', Resource: FN, End: true, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handled' }] } as never,
              Handled: { Type: 'Pass', End: true } as never,
            },
          },
          async () => jsonOfBytes(300_000),
        );

        // Act
        const execution = await run(sfn);

        // Assert
        expect(execution).toMatchObject({ status: 'SUCCEEDED' });
        expect(JSON.parse(execution?.output ?? 'null')).toEqual({ Error: 'States.DataLimitExceeded', Cause: exceeded(FN) });
      });

      it('fails the task with States.DataLimitExceeded before calling it when its input after Parameters is over 256 KiB', async () => {
        // Arrange: the state's input is 150 kB; its Parameters repeat it.
        let calls = 0;
        const sfn = machine(
          { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: FN, Parameters: { 'a.$': '$.x', 'b.$': '$.x' }, End: true } as never } },
          async () => ++calls,
        );

        // Act
        const execution = await run(sfn, JSON.stringify({ x: jsonOfBytes(150_000) }));

        // Assert
        expect(execution).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
        expect(calls).toBe(0);
      });

      it('fails the execution, uncaught, when a state outputs over 256 KiB (a result merged into its input by ResultPath)', async () => {
        // Arrange: input and result of 150 kB each; a Catch that would take any task error.
        const sfn = machine(
          {
            StartAt: 'Work',
            States: {
              Work: { Type: 'Task', Resource: FN, ResultPath: '$.result', Next: 'After', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handled' }] } as never,
              After: { Type: 'Task', Resource: FN, End: true } as never,
              Handled: { Type: 'Pass', End: true } as never,
            },
          },
          async () => jsonOfBytes(150_000),
        );

        // Act
        const execution = await run(sfn, JSON.stringify({ x: jsonOfBytes(150_000) }));

        // Assert
        expect(execution).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded', cause: exceeded('Work') });
        expect(execution?.history.map((h) => h.state).filter(Boolean)).not.toContain('After');
      });

      it('fails the execution when a Pass state outputs over 256 KiB', async () => {
        // Arrange
        const sfn = machine(
          { StartAt: 'State_1', States: { State_1: { Type: 'Pass', Result: { Arg1: jsonOfBytes(263_168) }, End: true } as never } },
          async () => null,
        );

        // Act
        const execution = await run(sfn);

        // Assert
        expect(execution).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded', cause: exceeded('State_1') });
      });

      it('refuses SendTaskSuccess with an output over 256 KiB with ValidationException, and the task waits on for a valid one', async () => {
        // Arrange: an execution waiting for its task token.
        let token = '';
        const sfn = new LocalStepFunctions({
          definition: {
            StartAt: 'Approve',
            States: {
              Approve: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                Parameters: { FunctionName: FN, Payload: { 'token.$': '$$.Task.Token' } },
                End: true,
              } as never,
            },
          },
          stateMachineArn: ARN,
          lambdas: {
            [FN]: async (payload) => {
              token = (payload as { token: string }).token;
              return null;
            },
          },
          integrations: {},
          dir,
          speed: 1,
        });
        await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-1', input: '{}' }));
        while (!token) await new Promise((r) => setImmediate(r));

        // Act
        const tooLarge = sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(jsonOfBytes(262_145)) }));

        // Assert
        await expect(tooLarge).rejects.toMatchObject({
          name: 'ValidationException',
          message: "1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to 262144",
        });
        expect(sfn.execution('c-1')).toMatchObject({ status: 'RUNNING' });
        await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
        await sfn.idle();
        expect(sfn.execution('c-1')).toMatchObject({ status: 'SUCCEEDED', output: '{"approved":true}' });
      });
    });

    describe('history of 25,000 events', () => {
      it('counts the history as Step Functions writes it: 5 events for a Lambda task, 6 for a callback, 2 for other states, 1 to start and 1 to end', async () => {
        // Arrange
        const definition = {
          StartAt: 'Work',
          States: {
            Work: { Type: 'Task', Resource: FN, Next: 'Bake' },
            Bake: { Type: 'Wait', Seconds: 0, Next: 'Decide' },
            Decide: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'Done' }], Default: 'Done' },
            Done: { Type: 'Succeed' },
          },
        } as never;
        const sfn = machine(definition, async () => ({ n: 1 }));

        // Act
        const execution = await run(sfn);

        // Assert: ExecutionStarted, 5 for Work, 2 each for Bake, Decide and Done, ExecutionSucceeded.
        expect(execution).toMatchObject({ status: 'SUCCEEDED' });
        expect(countHistoryEvents(execution?.history ?? [], definition)).toBe(1 + 5 + 2 + 2 + 2 + 1);
        expect(
          countHistoryEvents(
            [
              { type: 'StateEntered', state: 'Wait' },
              { type: 'StateExited', state: 'Wait' },
            ],
            {
              States: { Wait: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken' } },
            },
          ),
        ).toBe(6);
      });

      it('fails the execution with States.Runtime, uncatchably, when its history reaches 25,000 events, and runs no task after that', async () => {
        // Arrange: a loop Spin → Work → Spin…, saved in Spin with 24,990 events in its history (a long bake, say).
        const definition = {
          StartAt: 'Spin',
          States: {
            Spin: { Type: 'Pass', Next: 'Work' },
            Work: { Type: 'Task', Resource: FN, Next: 'Spin', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handled' }] },
            Handled: { Type: 'Succeed' },
          },
        } as never;
        const history = [
          { type: 'ExecutionStarted', timestamp: 0 },
          ...Array.from({ length: 24_989 }, (_, i) => ({ type: i % 2 ? 'StateExited' : 'StateEntered', timestamp: 0, state: 'Spin' })),
        ];
        expect(countHistoryEvents(history, definition)).toBe(24_990);
        await writeFile(
          join(dir, 'c-1.json'),
          JSON.stringify({ ...succeeded('c-1'), status: 'RUNNING', stopDate: undefined, output: undefined, currentState: 'Spin', currentInput: {}, history }),
        );
        let calls = 0;
        const sfn = machine(definition, async () => ({ calls: ++calls }));

        // Act
        await sfn.resume();
        await sfn.idle();

        // Assert: Spin (2) → 24,992, Work (5) → 24,997, Spin (2) → 24,999: the next event is the 25,000th, the failure.
        const execution = sfn.execution('c-1');
        expect(execution).toMatchObject({
          status: 'FAILED',
          error: 'States.Runtime',
          cause: 'The execution reached the maximum number of history events (25000).',
        });
        expect(calls).toBe(1);
        expect(countHistoryEvents(execution?.history ?? [], definition)).toBe(25_000);
        expect(JSON.parse(await readFile(join(dir, 'c-1.json'), 'utf8'))).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
      }, 30_000);
    });
  });
});

describe('LocalStepFunctions validation marks', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-sfn-marks-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const VALID = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };
  // Runnable, but not valid ASL: a state field the specification does not have.
  const INVALID = { StartAt: 'Done', States: { Done: { Type: 'Succeed', Colour: 'blue' } } };
  const sfnOf = (definition: object) =>
    new LocalStepFunctions({
      definition: definition as never,
      stateMachineArn: ARN,
      lambdas: {},
      integrations: {},
      dir: join(dir, 'executions'),
      speed: 1,
      validatedDir: join(dir, 'marks'),
    });
  const run = async (definition: object, name: string) => {
    const sfn = sfnOf(definition);
    await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name, input: '{}' }));
    await sfn.idle();
    return sfn.execution(name)?.status;
  };
  const marks = async () => readdir(join(dir, 'marks')).catch(() => []);

  it('validates a definition without a mark, and marks it once it passed', async () => {
    expect(await run(VALID, 'c-1')).toBe('SUCCEEDED');
    expect(await marks()).toHaveLength(1);
  });

  it('refuses a definition that does not validate, and marks nothing', async () => {
    await expect(run(INVALID, 'c-1')).rejects.toThrow();
    expect(await marks()).toEqual([]);
  });

  it('does not validate again a definition it marked, and validates another one', async () => {
    // Arrange: the valid definition marked; the invalid one's mark forged under its own name.
    await run(VALID, 'c-1');
    const [validMark] = await marks();
    const sfn = sfnOf(INVALID) as unknown as { validatedMark(): string };
    const invalidMark = sfn.validatedMark();
    expect(invalidMark.endsWith(validMark)).toBe(false);
    await writeFile(invalidMark, '');

    // Act + Assert: the marked one runs unvalidated; the valid one's mark does not vouch for another definition.
    expect(await run(INVALID, 'c-2')).toBe('SUCCEEDED');
    await rm(invalidMark);
    await expect(run(INVALID, 'c-3')).rejects.toThrow();
  });
});
