import type { SchemaOverview } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import { DestinationItems, type RowFailure } from '../items/destination-items.js';
import type { Row } from '../items/diff-rows.js';
import { modelCollection } from '../plan/collection-model.js';
import { boundedPush, MAX_LISTED } from '../report.js';
import type { JournalEntry } from '../runs/journal.js';
import { changeOf, decideUndo, kindOf, type ChangeKind, type RowChange } from './undo-decision.js';

export interface RollbackTally {
	/** Rows the run created, deleted again. */
	deleted: number;
	/** Rows the run updated, given their previous values back. */
	restored: number;
	/** Rows the run deleted, created again. */
	recreated: number;
	/** Writes already undone on the destination (it holds what was there before them). */
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
 * Undoes a run's writes on the destination, walking its journal from the last write to the first
 * (`entries` in that order): rows created last (children) are deleted first, a field updated twice
 * gets back the value before its first update, rows deleted are created again parents first. Writes
 * of one kind to one collection are undone in batches: each batch reads the destination rows, decides
 * per row (decideUndo), then writes. Memory holds one batch. With `write` false (a dry run) nothing is
 * written and the outcome says what would be. System rows (a migration-system run's journal) are read
 * and written at their REST paths (`/roles`, `/users`, `/settings`, … see itemsPath).
 */
export async function undoJournal(
	entries: AsyncIterable<JournalEntry>,
	sides: { client: DestinationClient; schema: SchemaOverview },
	settings: { force: boolean; write: boolean },
	outcome: RollbackOutcome,
): Promise<void> {
	let batch: RowChange[] = [];
	const keys = new Set<string>();
	const flush = async () => {
		if (batch.length > 0) await undoBatch(batch, sides, settings, outcome);
		batch = [];
		keys.clear();
	};
	for await (const entry of entries) {
		const change = changeOf(entry);
		const first = batch[0];
		// One collection and one kind of write per batch, each row once (its earlier write waits for the next batch).
		if (first && (first.collection !== change.collection || kindOf(first) !== kindOf(change) || keys.has(String(change.key)) || batch.length >= BATCH)) await flush();
		batch.push(change);
		keys.add(String(change.key));
	}
	await flush();
}

async function undoBatch(
	batch: RowChange[],
	{ client, schema }: { client: DestinationClient; schema: SchemaOverview },
	{ force, write }: { force: boolean; write: boolean },
	outcome: RollbackOutcome,
): Promise<void> {
	const { collection, primaryKey } = batch[0]!;
	const model = schema.collections[collection] ? modelCollection(schema, collection) : null;
	const types = model?.types ?? {};
	const ignored = new Set(model ? [...model.stamps.dateUpdated, ...model.stamps.userUpdated, ...model.stamps.dateCreated, ...model.stamps.userCreated] : []);
	// Directus sets these on every file it stores or changes.
	if (collection === 'directus_files') for (const field of ['modified_on', 'modified_by', 'uploaded_on', 'uploaded_by']) ignored.add(field);
	const items = new DestinationItems(client, collection, primaryKey);
	const tally = (outcome.collections[collection] ??= { deleted: 0, restored: 0, recreated: 0, unchanged: 0, conflicts: 0, failed: 0 });

	const fields = [...new Set(batch.flatMap((change) => [...Object.keys(change.before ?? {}), ...Object.keys(change.after ?? {})]))];
	// A singleton is read and written through its own endpoint (its one row, journaled as updates).
	const singleton = model?.singleton ? await items.readSingleton([primaryKey, ...fields.filter((field) => field !== primaryKey)]) : null;
	const current = model?.singleton
		? new Map(singleton ? [[String(singleton[primaryKey]), singleton]] : [])
		: await items.readByKeys(batch.map((change) => change.key), fields);
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
	if (model?.singleton) {
		for (const row of toPatch) {
			const { [primaryKey]: _key, ...values } = row;
			if (write) await items.writeSingleton(values);
		}
		record('restored', toPatch.length, []);
	} else {
		record('restored', toPatch.length, write ? await items.update(toPatch) : []);
	}
	record('recreated', toCreate.length, write ? await items.create(toCreate) : []);
	outcome.done += batch.length;
}
