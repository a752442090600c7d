import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { findExecutable } from './process-group';

/** What a sandboxed renderer may see besides the system's programs and libraries. */
export interface SandboxView {
  /** Directories (or files) visible read-only, at the same paths as outside. */
  readOnly: string[];
  /** Directories visible read-write, at the same paths as outside. */
  writable: string[];
  /** The working directory inside. */
  cwd: string;
  /** A private, empty /tmp (Blender needs one; POV-Ray is better without: a write there must fail). */
  tmp: boolean;
  /** The GPU device nodes (NVIDIA, DRI, AMD KFD), for GPU rendering. */
  gpu: boolean;
}

/** System paths every renderer needs: programs, libraries, fonts, the dynamic linker's cache. */
const SYSTEM_DIRS = ['/usr', '/opt'];
const TOP_LEVEL_LINKS_OR_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const ETC_ENTRIES = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/fonts', '/etc/alternatives', '/etc/povray', '/etc/localtime'];
const GPU_DEVICES = /^(nvidia.*|dri|kfd)$/;

/**
 * A bubblewrap (`bwrap`) sandbox: a new mount, PID, network, IPC and user namespace in which the renderer
 * sees the system read-only, its scene directory read-only, one output directory read-write, and nothing
 * else -- not the worker's home, not the scene cache with other artists' scenes, not the network. The root
 * is a read-only tmpfs, so a write anywhere but the output directory fails.
 *
 * Why: a scene is untrusted input. POV-Ray 3.7's own file I/O restrictions are not enforced on Linux
 * (measured with 3.7.0.10: `[File I/O Security] restricted` in povray.conf is parsed wrongly and ignored,
 * and #fopen writes anywhere the user may), so POV-Ray only runs sandboxed. Blender runs with
 * `--disable-autoexec` in any case; the sandbox also keeps its absolute texture and library paths from
 * reading the worker's files.
 *
 * Needs unprivileged user namespaces (the default on Debian and Ubuntu; Docker's default seccomp profile
 * blocks them, see docs). `--die-with-parent` ties the sandbox to this process's lifetime.
 */
export class Sandbox {
  private constructor(readonly binary: string) {}

  /** A working bubblewrap, or null (not installed, or user namespaces not allowed here), with the reason. */
  static detect(binary = 'bwrap'): { sandbox: Sandbox | null; reason: string } {
    const path = findExecutable(binary);
    if (!path) return { sandbox: null, reason: `${binary} (bubblewrap) is not installed` };
    const sandbox = new Sandbox(path);
    const probe = sandbox.wrap('true', [], { readOnly: [], writable: [], cwd: '/', tmp: false, gpu: false });
    const result = spawnSync(probe.command, probe.args, { encoding: 'utf8', timeout: 10_000 });
    if (result.status !== 0) {
      const why = (result.stderr || result.error?.message || `exit code ${result.status}`).trim();
      return { sandbox: null, reason: `${path} cannot create a sandbox here: ${why}` };
    }
    return { sandbox, reason: '' };
  }

  wrap(command: string, args: string[], view: SandboxView): { command: string; args: string[] } {
    const a = ['--unshare-all', '--die-with-parent', '--new-session'];
    for (const dir of SYSTEM_DIRS) if (existsSync(dir)) a.push('--ro-bind', dir, dir);
    for (const entry of TOP_LEVEL_LINKS_OR_DIRS) a.push(...bindSystemEntry(entry));
    for (const entry of ETC_ENTRIES) a.push('--ro-bind-try', entry, entry);
    a.push('--proc', '/proc', '--dev', '/dev', '--ro-bind-try', '/sys', '/sys');
    if (view.gpu) for (const device of gpuDevices()) a.push('--dev-bind-try', device, device);
    if (view.tmp) a.push('--tmpfs', '/tmp');
    for (const path of view.readOnly) a.push('--ro-bind', path, path);
    for (const path of view.writable) a.push('--bind', path, path);
    a.push('--chdir', view.cwd, '--remount-ro', '/', '--', command, ...args);
    return { command: this.binary, args: a };
  }
}

/** Merged-/usr systems have /bin -> usr/bin and so on: recreate the links; elsewhere bind the directory. */
function bindSystemEntry(entry: string): string[] {
  let stat;
  try {
    stat = lstatSync(entry);
  } catch {
    return [];
  }
  if (stat.isSymbolicLink()) {
    return ['--symlink', readlinkSync(entry), entry];
  }
  return stat.isDirectory() ? ['--ro-bind', entry, entry] : [];
}

function gpuDevices(): string[] {
  try {
    return readdirSync('/dev').filter((name) => GPU_DEVICES.test(name)).map((name) => `/dev/${name}`);
  } catch {
    return [];
  }
}
