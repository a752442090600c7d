import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/*
 * A server started as a child process must not outlive the process that started it: an orphaned
 * nats-server or postgres keeps its port and its files, and on a shared machine they pile up.
 * An 'exit' handler is not enough: it does not run when the parent is SIGKILLed (a crashed
 * `tessera up`, a Jest worker killed on timeout), and inside Jest it never runs at all, because
 * tests see a copy of `process` that does not emit 'exit'. Linux can instead signal the child when
 * its parent dies (prctl PR_SET_PDEATHSIG); util-linux's setpriv, which Debian and Ubuntu always
 * install, sets that up and then execs the real program, so the child keeps its pid.
 *
 * Caveat: the signal fires when the parent *thread* that spawned the child ends, so spawn from the
 * main thread, not from a worker_thread that may finish first.
 */

const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];
let setpriv: string | null | undefined;

/** setpriv with --pdeathsig (util-linux >= 2.33), or null where there is none (not Linux, too old). */
function findSetpriv(): string | null {
  if (setpriv !== undefined) return setpriv;
  setpriv = null;
  if (process.platform !== 'linux') return setpriv;
  for (const candidate of SETPRIV_PATHS) {
    if (!existsSync(candidate)) continue;
    const help = spawnSync(candidate, ['--help'], { encoding: 'utf8' });
    if (help.status === 0 && help.stdout.includes('--pdeathsig')) {
      setpriv = candidate;
      break;
    }
  }
  return setpriv;
}

export interface TiedCommand {
  command: string;
  args: string[];
}

/**
 * The command line that runs `command args` so that the kernel sends it `signal` when this process
 * dies. Where that is not possible the command is returned unchanged: callers keep their own
 * exit handlers as a second line of defence.
 */
export function tiedToParent(
  command: string,
  args: readonly string[],
  signal: 'TERM' | 'INT' | 'QUIT' | 'KILL' = 'TERM',
): TiedCommand {
  const wrapper = findSetpriv();
  if (wrapper === null) return { command, args: [...args] };
  return { command: wrapper, args: ['--pdeathsig', signal, '--', command, ...args] };
}
