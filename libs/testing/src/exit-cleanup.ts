/*
 * Last-resort cleanup for harnesses a test forgot to stop (or could not: a thrown beforeAll skips
 * nothing in afterAll, but a crashed worker skips everything). Runs on normal process exit, which
 * is how Jest workers end; it cannot run on SIGKILL. Only synchronous work is possible at exit.
 */
type Cleanup = () => void;

const pending = new Set<Cleanup>();
let installed = false;

// Last registered runs first, like nested finally blocks: a server is stopped before the directory
// it lives in is deleted.
function runAll(): void {
  for (const cleanup of [...pending].reverse()) {
    pending.delete(cleanup);
    try {
      cleanup();
    } catch {
      // At exit there is no one left to tell; the remaining cleanups still deserve their turn.
    }
  }
}

/** Registers a synchronous cleanup for process exit; call the returned function once cleaned up. */
export function onProcessExit(cleanup: Cleanup): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', runAll);
  }
  pending.add(cleanup);
  return () => {
    pending.delete(cleanup);
  };
}
