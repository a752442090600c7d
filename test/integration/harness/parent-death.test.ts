import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { tiedToParent } from '@tessera/messaging';

/** Alive, as opposed to gone or a zombie (killed, waiting for a reaper this container may not have). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

// Tessera's machines are Linux (Debian); setpriv --pdeathsig is the Linux mechanism this relies on.
describe(tiedToParent.name, () => {
  it('makes a server die with the process that started it, even when that one is SIGKILLed', async () => {
    const tied = tiedToParent('sleep', ['120'], 'TERM');
    expect(tied.command).toMatch(/setpriv$/);

    // A stand-in for `tessera up` or a Jest worker: it starts the "server" and is then killed.
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(${JSON.stringify(tied.command)}, ${JSON.stringify(tied.args)}, { stdio: 'ignore' });
         console.log(c.pid); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [firstLine] = (await once(parent.stdout!, 'data')) as [Buffer];
    const serverPid = Number(firstLine.toString().trim());
    expect(await waitUntil(() => isRunning(serverPid), 2000)).toBe(true);

    parent.kill('SIGKILL');
    await once(parent, 'exit');

    const gone = await waitUntil(() => !isRunning(serverPid), 5000);
    if (!gone) process.kill(serverPid, 'SIGKILL');
    expect(gone).toBe(true);
  });
});
