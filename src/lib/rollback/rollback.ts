import type { SchemaOverview } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import { DestinationItems, type RowFailure } from '../items/destination-items.js';
import type { Row } from '../items/diff-rows.js';
import { modelCollection } from '../plan/collection-model.js';
import { boundedPush, MAX_LISTED } from '../report.js';
import { decideUndo, kindOf, type ChangeKind, type NetChange } from './net-changes.js';

export interface RollbackTally {
	/** Rows the run created, deleted again. */
	deleted: number;
	/** Rows the run updated, given their previous values back. */
	restored: number;
	/** Rows the run deleted, created again. */
	recreated: number;
	/** Rows already as they were before the run. */
	unchanged: number;
	conflicts: number;
	failed: number;
}

export interface RollbackConflict {
	collection: string;
	key: unknown;
	change: ChangeKind;
	/** The fields changed on the destination since the run (what the run wrote is no longer there). */
	fields: string[];
}

export interface RollbackOutcome {
	collections: Record<string, RollbackTally>;
	conflicts: RollbackConflict[];
	failures: { collection: string; key: unknown; reason: string }[];
	/** Rows restored with `force` although changed since the run. */
	forced: number;
	done: number;
	total: number;
}

const BATCH = 200;


/**
 * Undoes a run's net changes on the destination. Collections are undone in the reverse order the run
 * first wrote them (rows created last, often children, are deleted first); rows it deleted are created
 * again afterwards, in the order it wrote them. Each batch reads the destination rows first and
 * decides per row (decideUndo); with `write` false (a dry run) nothing is written and the outcome
 * says what would be.
 */
export async function undoChanges(
	changes: NetChange[],
	sides: { client: DestinationClient; schema: SchemaOverview },
	settings: { force: boolean; write: boolean },
	outcome: RollbackOutcome,
): Promise<void> {
	const collections = [...new Set(changes.map((change) => change.collection))];
	const byCollection = (collection: string) => changes.filter((change) => change.collection === collection);
	for (const collection of [...collections].reverse()) {
		await undoCollection(collection, byCollection(collection).filter((change) => kindOf(change) !== 'deleted'), sides, settings, outcome);
	}
	for (const collection of collections) {
		await undoCollection(collection, byCollection(collection).filter((change) => kindOf(change) === 'deleted'), sides, settings, outcome);
	}
}

async function undoCollection(
	collection: string,
	changes: NetChange[],
	{ client, schema }: { client: DestinationClient; schema: SchemaOverview },
	{ force, write }: { force: boolean; write: boolean },
	outcome: RollbackOutcome,
): Promise<void> {
	if (changes.length === 0) return;
	const model = schema.collections[collection] ? modelCollection(schema, collection) : null;
	const types = model?.types ?? {};
	const ignored = new Set(model ? [...model.stamps.dateUpdated, ...model.stamps.userUpdated, ...model.stamps.dateCreated, ...model.stamps.userCreated] : []);
	// Directus sets these on every file it stores or changes.
	if (collection === 'directus_files') for (const field of ['modified_on', 'modified_by', 'uploaded_on', 'uploaded_by']) ignored.add(field);
	const primaryKey = changes[0]!.primaryKey;
	const items = new DestinationItems(client, collection, primaryKey);
	const tally = (outcome.collections[collection] ??= { deleted: 0, restored: 0, recreated: 0, unchanged: 0, conflicts: 0, failed: 0 });

	for (let start = 0; start < changes.length; start += BATCH) {
		const batch = changes.slice(start, start + BATCH);
		const fields = [...new Set(batch.flatMap((change) => [...Object.keys(change.before ?? {}), ...Object.keys(change.after ?? {})]))];
		const current = await items.readByKeys(batch.map((change) => change.key), fields);
		const toDelete: unknown[] = [];
		const toPatch: Row[] = [];
		const toCreate: Row[] = [];
		for (const change of batch) {
			const decision = decideUndo(change, current.get(String(change.key)), types, ignored, force);
			if (decision.action === 'none') tally.unchanged++;
			else if (decision.action === 'conflict') {
				tally.conflicts++;
				boundedPush(outcome.conflicts, { collection, key: change.key, change: kindOf(change)!, fields: decision.fields }, MAX_LISTED);
			} else {
				if (decision.forced) outcome.forced++;
				if (decision.action === 'delete') toDelete.push(change.key);
				if (decision.action === 'patch') toPatch.push({ ...change.before, [primaryKey]: change.key });
				if (decision.action === 'create') toCreate.push({ ...change.before, [primaryKey]: change.key });
			}
		}
		const record = (kind: 'deleted' | 'restored' | 'recreated', attempted: number, failures: RowFailure[]) => {
			tally[kind] += attempted - failures.length;
			tally.failed += failures.length;
			for (const failure of failures) boundedPush(outcome.failures, { collection, key: failure.key, reason: failure.reason }, MAX_LISTED);
		};
		record('deleted', toDelete.length, write ? await items.delete(toDelete) : []);
		record('restored', toPatch.length, write ? await items.update(toPatch) : []);
		record('recreated', toCreate.length, write ? await items.create(toCreate) : []);
		outcome.done += batch.length;
	}
}
