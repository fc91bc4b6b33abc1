import { PassThrough } from 'node:stream';
import { SignInError } from '../../../../lib/client/auth/sign-in-errors';
import { terminalPrompter } from '../../../../lib/client/auth/terminal-prompter';

/** A terminal: keystrokes in, what is shown out (isTTY as on a real one). */
function fakeTerminal(tty: boolean) {
  const input = Object.assign(new PassThrough(), { isTTY: tty, setRawMode: () => {} });
  const output = Object.assign(new PassThrough(), { isTTY: tty, columns: 80 });
  let shown = '';
  output.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
  });
  return { input, output, shown: () => shown };
}

describe('terminal-prompter', () => {
  describe('terminalPrompter()', () => {
    it('does not show a secret as it is typed, and shows other answers', async () => {
      const term = fakeTerminal(true);
      const prompter = terminalPrompter(term.input, term.output);

      const password = prompter.secret('Password: ');
      term.input.write('Hunter2-secret\r');
      const code = prompter.ask('Code: ');
      term.input.write('123456\r');

      expect(await password).toBe('Hunter2-secret');
      expect(await code).toBe('123456');
      prompter.close();
      expect(term.shown()).toContain('Password: ');
      expect(term.shown()).not.toContain('Hunter2');
      expect(term.shown()).toContain('123456');
    });

    it('does not show a password typed ahead of its prompt', async () => {
      const term = fakeTerminal(true);
      const prompter = terminalPrompter(term.input, term.output);

      const username = prompter.ask('Username: ');
      term.input.write('alice\rHunter2-secret\r');

      expect(await username).toBe('alice');
      expect(await prompter.secret('Password: ')).toBe('Hunter2-secret');
      prompter.close();
      expect(term.shown()).toContain('alice');
      expect(term.shown()).not.toContain('Hunter2');
    });

    it('keeps lines piped ahead of their prompt, so a script can answer every prompt at once', async () => {
      const term = fakeTerminal(false);
      term.input.end('alice\nHunter2-secret\n123456\n');
      const prompter = terminalPrompter(term.input, term.output);

      const answers = [await prompter.ask('Username: '), await prompter.secret('Password: '), await prompter.ask('Code: ')];

      expect(answers).toEqual(['alice', 'Hunter2-secret', '123456']);
    });

    it('rejects, saying so, when the input ends before an answer (Ctrl+D, or a script with too few lines)', async () => {
      const term = fakeTerminal(false);
      term.input.end('alice\n');
      const prompter = terminalPrompter(term.input, term.output);

      await prompter.ask('Username: ');

      await expect(prompter.secret('Password: ')).rejects.toThrow(new SignInError('The input ended before the sign-in did: nothing was stored.'));
    });

    it('rejects the prompt waiting when Ctrl+C is pressed', async () => {
      const term = fakeTerminal(true);
      const prompter = terminalPrompter(term.input, term.output);

      const password = prompter.secret('Password: ');
      term.input.write('\u0003');

      await expect(password).rejects.toThrow(new SignInError('Sign-in canceled: nothing was stored.'));
    });

    it('writes messages on their own lines', () => {
      const term = fakeTerminal(false);
      const prompter = terminalPrompter(term.input, term.output);

      prompter.say('Add this account to your app');
      prompter.close();

      expect(term.shown()).toBe('Add this account to your app\n');
    });
  });
});
