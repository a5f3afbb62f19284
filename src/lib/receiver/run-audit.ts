import type { Accountability, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import type { z } from 'zod';
import type { finishBody } from './protocol.js';

/**
 * The run's own audit on the destination: one `directus_activity` row per run (not per item), plus
 * one revision holding what the run did. In the admin app's activity log it reads "Run ·
 * Extensions" by the token's user, with the source's IP address, user agent and origin; opening it
 * shows the revision's data: the source (its PUBLIC_URL), the operation, the collections and counts.
 * `item` is the run's key (a UUID the source draws for the run), so a finish sent twice (a lost
 * answer) leaves one row.
 */
export const RUN_AUDIT = { action: 'run', collection: 'directus_extensions' } as const;

export interface AuditContext {
	services: { ItemsService: new (collection: string, options: { knex: Knex; schema: SchemaOverview; accountability: Accountability | null }) => any };
	database: Knex;
}

export async function recordRun(
	context: AuditContext,
	schema: SchemaOverview,
	who: { accountability: Accountability | null; userAgent: string | null },
	run: z.output<typeof finishBody>,
): Promise<void> {
	if (!run.run) return;
	await context.database.transaction(async (trx) => {
		const held = await trx('directus_activity').where({ ...RUN_AUDIT, item: run.run }).first('id');
		if (held) return;
		// accountability null: the services leave no activity of their own for these two rows.
		const activity = new context.services.ItemsService('directus_activity', { knex: trx, schema, accountability: null });
		const revisions = new context.services.ItemsService('directus_revisions', { knex: trx, schema, accountability: null });
		const id = await activity.createOne(
			{
				...RUN_AUDIT,
				item: run.run,
				user: who.accountability?.user ?? null,
				ip: who.accountability?.ip ?? null,
				user_agent: who.userAgent?.slice(0, 255) ?? null,
				origin: who.accountability?.origin ?? null,
				timestamp: new Date().toISOString(),
			},
			{ emitEvents: false },
		);
		const data = { operation: run.operation ?? null, source: run.source ?? null, collections: run.collections, rows: run.rows, counts: run.counts ?? {} };
		await revisions.createOne({ activity: id, collection: RUN_AUDIT.collection, item: run.run, data }, { emitEvents: false });
	});
}
