import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type ExecutionRecord, LocalStepFunctions } from '../../../lib/local/step-functions';

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
});
