import { Command } from 'commander';
import { clientFrom, withApiOptions } from './client-options';

export function accountCommand(): Command {
  return withApiOptions(new Command('account'))
    .description("show the account of the API key in use: its balance and the key's scopes")
    .option('--json', 'print the API response as JSON')
    .action(async (flags) => {
      const me = await clientFrom(flags).me();
      if (flags.json) return console.log(JSON.stringify(me, null, 2));
      const b = me.balance;
      console.log(`account ${me.id} (${me.name}, ${me.role}); key ${me.keyId} with ${me.scopes.join(', ')}`);
      console.log(`  available ${b.availableCredits} credits`);
      console.log(`  held      ${b.heldCredits} (in escrow for jobs that have not ended)`);
      console.log(`  pending   ${b.pendingCredits} (earned on jobs that have not ended)`);
    });
}
