import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TesseraConfig } from '@tessera/contracts';
import { parseCredits, SCOPES } from '@tessera/domain';
import { AccountRepository, Database, databaseConfigFrom, LedgerRepository } from '@tessera/persistence';

/** The local farm's own accounts: fixed ids, so starting the farm again finds them instead of adding more. */
export const LOCAL_ADMIN_ID = 'local-admin';
export const LOCAL_OPERATOR_ID = 'local-operator';
/** What the local admin is granted on first start: a 640x360, 16-sample builtin frame costs about 0.004 credits. */
export const LOCAL_GRANT = '10000';

export function adminKeyPath(home: string): string {
  return join(home, 'admin.key');
}

/**
 * Opens the database the farm runs on and makes sure the local accounts exist: an admin (all scopes) whose
 * key is written to `<home>/admin.key` with mode 0600 on first start, credited with LOCAL_GRANT so that the
 * demo can pay for its renders, and an operator that owns the farm's local workers. Returns the admin key;
 * when the file already holds a key that still works, nothing is created.
 */
export async function ensureLocalAccounts(config: TesseraConfig, home: string): Promise<string> {
  const db = await Database.open(databaseConfigFrom(config.databaseUrl, join(home, 'tessera.sqlite')));
  try {
    const ledger = new LedgerRepository(db);
    const accounts = new AccountRepository(db, ledger);
    const path = adminKeyPath(home);
    const saved = await readFile(path, 'utf8').then((text) => text.trim(), () => null);
    if (saved && (await accounts.authenticate(saved))?.account.id === LOCAL_ADMIN_ID) return saved;
    const key = await db.transaction(async (manager) => {
      if (!(await accounts.find(LOCAL_OPERATOR_ID))) await accounts.open({ id: LOCAL_OPERATOR_ID, name: 'Local workers', role: 'operator' }, manager);
      const first = !(await accounts.find(LOCAL_ADMIN_ID));
      if (first) {
        await accounts.open({ id: LOCAL_ADMIN_ID, name: 'Local admin', role: 'admin' }, manager);
        await ledger.creditIn(manager, LOCAL_ADMIN_ID, parseCredits(LOCAL_GRANT), 'granted to the local admin on first start');
      }
      return (await accounts.issueKey(LOCAL_ADMIN_ID, 'local admin (tessera up)', [...SCOPES], manager)).key;
    });
    await writeFile(path, `${key}\n`, { mode: 0o600 });
    // The mode of writeFile applies only to a new file: an old one (a key that no longer works) is tightened too.
    await chmod(path, 0o600);
    return key;
  } finally {
    await db.close();
  }
}

/** Registers the local workers' public keys to the local operator, so their tiles are paid like anyone's. */
export async function registerLocalWorkers(config: TesseraConfig, home: string, workers: Array<{ publicKey: string; name: string }>): Promise<void> {
  const db = await Database.open(databaseConfigFrom(config.databaseUrl, join(home, 'tessera.sqlite')));
  try {
    const accounts = new AccountRepository(db, new LedgerRepository(db));
    for (const { publicKey, name } of workers) await accounts.registerWorker(LOCAL_OPERATOR_ID, publicKey, name, name);
  } finally {
    await db.close();
  }
}
