#!/usr/bin/env -S npx tsx
import { Command } from 'commander';
import { documentClient } from '../lambdas/adapters/dynamo';
import { migrateLegacyLedger } from '../lib/ledger-migration';

/**
 * `npm run ledger:migrate -- --from <old ledger table> --to <AuditChains table>`: copies the global
 * chain of a CMV deployed before per-target chains into the chain `legacy`, once (see
 * docs/design.md, "Migrating the global chain"). Run it with an operator's credentials: it writes
 * with BatchWriteItem, which CMV's own roles are denied.
 */
const program = new Command('migrate-ledger')
  .requiredOption('--from <table>', 'the old ledger table (chain "main", head "head")')
  .requiredOption('--to <table>', 'the per-target ledger table (stack output of the table, LEDGER_TABLE of the functions)')
  .action(async (opts: { from: string; to: string }) => {
    const db = documentClient();
    const out = await migrateLegacyLedger(db, opts.from, opts.to);
    console.log(out.copied > 0 ? `copied ${out.copied} entries into the chain legacy of ${opts.to}` : `nothing copied: ${out.skipped}`);
    db.destroy();
  });

program.parseAsync().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
