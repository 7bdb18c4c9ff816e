/**
 * The passphrase asked of a person at the terminal: the CLI's side of
 * node-key.ts's PassphrasePrompt (terminal I/O stays out of the engines).
 */
import { type PassphrasePrompt } from '../encryption/node-key';
import { AgentError, ExitCode } from '../errors';

/** Whether a person can be asked: both the keyboard and the screen are a terminal (never under cron or a daemon). */
function canPrompt(): boolean {
  return !!process.stdin.isTTY && !!process.stderr.isTTY;
}

/** Asks on the terminal for a passphrase without echoing it (on stderr, so stdout stays the command's output). */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  stdin.setRawMode(true); // before the question shows: whatever is typed after it is never echoed
  stdin.resume();
  process.stderr.write(question);
  let typed = '';
  return new Promise<string>((resolve, reject) => {
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (d: Buffer) => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(typed);
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          reject(new AgentError('USAGE', 'no passphrase given (interrupted)', ExitCode.CONFIG));
          return;
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** A new passphrase, typed twice; refused if the two differ or it is empty. */
async function promptNewPassphrase(): Promise<string> {
  const first = await promptHidden("New passphrase for this node's master key: ");
  if (first === '') throw new AgentError('USAGE', 'an empty passphrase was refused', ExitCode.CONFIG);
  const again = await promptHidden('The same passphrase again: ');
  if (again !== first) throw new AgentError('USAGE', 'the two passphrases differ: nothing was changed', ExitCode.CONFIG);
  return first;
}

/** The terminal as a PassphrasePrompt; undefined when no person can be asked (no terminal on both stdin and stderr). */
export function terminalPrompt(): PassphrasePrompt | undefined {
  return canPrompt() ? { existing: promptHidden, fresh: promptNewPassphrase } : undefined;
}
