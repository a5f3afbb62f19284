import type { Snapshot, SnapshotDiff } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import { isMigrationError, MigrationError } from '../errors.js';
import { applyOnDestination, diffWithDestination } from './destination-schema.js';
import { restrictDiff, summarizeDiff, type SchemaDiffMode, type SchemaDiffSummary } from './diff-summary.js';

export interface SchemaPlan {
	/** The destination schema's hash the diff was made against. */
	hash: string | null;
	diff: SnapshotDiff | null;
	summary: SchemaDiffSummary;
}

/** What a sync would do: the destination's diff, restricted to the mode and the scope. */
export async function planSchemaSync(
	client: DestinationClient,
	snapshot: Snapshot,
	options: { mode: SchemaDiffMode; force: boolean; scope: Set<string> | null; acrossVendors?: Record<string, string> | null },
): Promise<SchemaPlan> {
	const result = await diffWithDestination(client, snapshot, { mode: options.mode, force: options.force });
	if (!result) return { hash: null, diff: null, summary: summarizeDiff(null) };
	const diff = restrictDiff(result.diff, options.mode, options.scope, options.acrossVendors ?? null);
	return { hash: result.hash, diff, summary: summarizeDiff(diff) };
}

/**
 * Applies a plan. Directus checks the hash and applies all of it in one transaction or none of it; if
 * it refuses, a fresh diff tells whether the destination changed in between (SCHEMA_CHANGED).
 *
 * The apply is never repeated blindly: when its answer is lost (a timeout, a reset, a 502/504), a
 * fresh diff tells what happened: the destination now matches (it was applied), or still has the
 * schema the plan was made against (it was not: apply again), or something else (SCHEMA_CHANGED).
 */
export async function applySchemaPlan(
	client: DestinationClient,
	plan: SchemaPlan,
	replan: () => Promise<SchemaPlan>,
): Promise<void> {
	if (!plan.diff || plan.summary.inSync || !plan.hash) return;
	try {
		await applyOnDestination(client, plan.hash, plan.diff, { recover: () => wasApplied(plan, replan) });
	} catch (error) {
		if (isMigrationError(error) && error.code === 'DESTINATION_REJECTED') {
			const fresh = await replan();
			if (fresh.hash !== plan.hash) throw schemaChanged(plan.hash, fresh.hash);
			throw new MigrationError('SCHEMA_MISMATCH', `The destination refused the schema changes: ${error.message}`, {
				status: error.status,
				details: error.details,
			});
		}
		throw error;
	}
}

async function wasApplied(plan: SchemaPlan, replan: () => Promise<SchemaPlan>): Promise<'applied' | 'not-applied'> {
	const fresh = await replan();
	if (fresh.summary.inSync) return 'applied';
	if (fresh.hash === plan.hash) return 'not-applied';
	throw new MigrationError(
		'SCHEMA_CHANGED',
		'The answer to the schema apply was lost, and the destination schema has changed since without matching the source: it cannot be told whether the changes were applied. Compare again and re-run.',
		{ details: { expectedHash: plan.hash, currentHash: fresh.hash } },
	);
}

export function schemaChanged(expected: string, actual: string | null): MigrationError {
	return new MigrationError(
		'SCHEMA_CHANGED',
		'The destination schema changed since it was compared; nothing was applied. Compare again and re-run.',
		{ details: { expectedHash: expected, currentHash: actual } },
	);
}
