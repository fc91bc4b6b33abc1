import { createInterface } from 'node:readline';
import MuteStream from 'mute-stream';
import type { Prompter } from './cognito-sign-in';
import { SignInError } from './sign-in-errors';

/**
 * The sign-in's prompts on a terminal, or on piped lines. One readline interface serves the whole
 * sign-in, so lines piped ahead of their prompt are kept (npm `read`, which opens one per prompt,
 * loses them, and never settles when the input ends). A secret is not echoed: the interface writes
 * through npm `mute-stream` (what `read` and Inquirer mute with), muted while it is typed.
 * Prompts and messages go to `output`, so stdout carries only the command's result.
 * Call `close()` when the sign-in is over, or the process waits on its input.
 * @throws (from ask/secret) SignInError when the input ends (Ctrl+D) or on Ctrl+C
 */
export function terminalPrompter(
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
  output: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Prompter & { close(): void } {
  const terminal = Boolean(input.isTTY && output.isTTY);
  const muted = new MuteStream();
  muted.pipe(output, { end: false });
  muted.mute();
  // historySize 0: no typed line, a password least of all, is kept for arrow-up.
  const rl = createInterface({ input, output: muted, terminal, historySize: 0 });
  const early: string[] = [];
  let waiting: { resolve: (line: string) => void; reject: (err: Error) => void } | undefined;
  let ended: SignInError | undefined;
  rl.on('line', (line) => {
    // At once, not when the answer's promise settles: readline goes on with the rest of its input first.
    muted.mute();
    const w = waiting;
    waiting = undefined;
    if (w) w.resolve(line);
    else early.push(line);
  });
  rl.on('close', () => {
    ended ??= new SignInError('The input ended before the sign-in did: nothing was stored.');
    waiting?.reject(ended);
    waiting = undefined;
  });
  rl.on('SIGINT', () => {
    ended = new SignInError('Sign-in canceled: nothing was stored.');
    rl.close();
  });

  const answer = async (prompt: string, secret: boolean) => {
    muted.unmute();
    rl.setPrompt(prompt);
    rl.prompt();
    if (secret) muted.mute();
    let shown = !secret && terminal;
    try {
      return await new Promise<string>((resolve, reject) => {
        const line = early.shift();
        shown &&= line === undefined;
        if (line !== undefined) resolve(line);
        else if (ended) reject(ended);
        else waiting = { resolve, reject };
      });
    } finally {
      // Muted between prompts too (see 'line'): what is typed ahead of the next prompt, a password perhaps, is not shown.
      muted.mute();
      // A muted line's Enter was not shown, and piped or typed-ahead lines are not echoed at all.
      if (!shown) output.write('\n');
    }
  };
  return {
    ask: (prompt) => answer(prompt, false),
    secret: (prompt) => answer(prompt, true),
    say: (text) => {
      output.write(`${text}\n`);
    },
    close: () => rl.close(),
  };
}
