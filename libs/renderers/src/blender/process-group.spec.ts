import { readdirSync, readFileSync } from 'node:fs';
import { OutputTail, ProcessGroup, findExecutable } from './process-group';

/** Live (not zombie) processes of a process group, from /proc/<pid>/stat. */
function liveMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        // pid (comm) state ppid pgrp ...; comm may hold spaces, so split after its closing parenthesis.
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
        return Number(fields[2]) === pgid && fields[0] !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe(OutputTail.name, () => {
  it('keeps the last bytes and hands out what came after a mark', () => {
    const tail = new OutputTail(10);
    tail.append(Buffer.from('0123456789'));
    const mark = tail.mark();
    tail.append(Buffer.from('abcdef'));
    expect(tail.since(mark)).toBe('abcdef');
    expect(tail.since(0)).toBe('6789abcdef');
    expect(tail.since(mark, 3)).toBe('def');
  });

  it('does not start with half a UTF-8 character', () => {
    const tail = new OutputTail(4);
    tail.append(Buffer.from('aé'));
    tail.append(Buffer.from('éé'));
    expect(tail.since(0, 5)).toBe('éé');
  });
});

describe(ProcessGroup.name, () => {
  it('kills the whole group, children included', async () => {
    const group = ProcessGroup.start({ command: 'sh', args: ['-c', 'sleep 30 & sleep 30 & echo started; wait'], cwd: '/', env: { PATH: process.env.PATH } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pgid = group.pid!;
    expect(group.output.since()).toContain('started');
    expect(liveMembers(pgid)).toHaveLength(3);
    await group.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(liveMembers(pgid)).toEqual([]);
  });

  it('reports a timeout with the output so far', async () => {
    const group = ProcessGroup.start({ command: 'sh', args: ['-c', 'echo working; sleep 30'], cwd: '/', env: { PATH: process.env.PATH } });
    await expect(group.finish('sleeper', { timeoutMs: 300 })).rejects.toThrow(/^sleeper did not finish within 300 ms and was killed\n--- renderer output \(last lines\) ---\nworking$/);
  });

  it('finds executables on PATH and reports missing ones as null', () => {
    expect(findExecutable('sh')).toMatch(/\/sh$/);
    expect(findExecutable('tessera-no-such-program')).toBeNull();
  });
});
