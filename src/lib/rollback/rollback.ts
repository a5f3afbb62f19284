import type { Readable } from 'node:stream';
import type { SchemaOverview } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import { MigrationError } from '../errors.js';
import { multipartContentType, multipartStream, newBoundary } from '../files/multipart.js';
import { DestinationItems, type RowFailure } from '../items/destination-items.js';
import type { Row } from '../items/diff-rows.js';
import { modelCollection } from '../plan/collection-model.js';
import { boundedPush, MAX_LISTED } from '../report.js';
import { measuring, type JournalEntry } from '../runs/journal.js';
import { changeOf, decideBytesUndo, decideUndo, kindOf, type ChangeKind, type RowChange } from './undo-decision.js';

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
	/** Files whose bytes before the run were uploaded again (kept by the run in the source's library). */
	files: { bytesRestored: number };
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
	sides: Sides,
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
		// A file's replaced bytes are undone on their own, in journal order.
		if (entry.op === 'bytes') {
			await flush();
			await undoBytes(entry, sides, settings, outcome);
			outcome.done++;
			continue;
		}
		const change = changeOf(entry);
		const first = batch[0];
		// One collection and one kind of write per batch, each row once (its earlier write waits for the next batch).
		if (first && (first.collection !== change.collection || kindOf(first) !== kindOf(change) || keys.has(String(change.key)) || batch.length >= BATCH)) await flush();
		batch.push(change);
		keys.add(String(change.key));
	}
	await flush();
}

/** The destination, the source's schema, and the source library's copies of replaced bytes. */
export interface Sides {
	client: DestinationClient;
	schema: SchemaOverview;
	openCopy: (file: string) => Promise<Readable>;
}

/** A collection's field types, and the fields Directus stamps on every write (never compared). */
function comparison(schema: SchemaOverview, collection: string): { model: ReturnType<typeof modelCollection> | null; types: Record<string, string>; ignored: Set<string> } {
	const model = schema.collections[collection] ? modelCollection(schema, collection) : null;
	const ignored = new Set(model ? [...model.stamps.dateUpdated, ...model.stamps.userUpdated, ...model.stamps.dateCreated, ...model.stamps.userCreated] : []);
	// Directus sets these on every file it stores or changes.
	if (collection === 'directus_files') for (const field of ['modified_on', 'modified_by', 'uploaded_on', 'uploaded_by']) ignored.add(field);
	return { model, types: model?.types ?? {}, ignored };
}

function tallyOf(outcome: RollbackOutcome, collection: string): RollbackTally {
	return (outcome.collections[collection] ??= { deleted: 0, restored: 0, recreated: 0, unchanged: 0, conflicts: 0, failed: 0 });
}

/**
 * Undoes a replacement of a file's bytes: where the destination's file still holds the bytes (size
 * and sha256, read by streaming them) and metadata the run wrote, the bytes kept before the run are
 * streamed from the source's library into the same file again, then its metadata before the run is
 * written back (decideBytesUndo says when).
 */
async function undoBytes(entry: JournalEntry, { client, schema, openCopy }: Sides, { force, write }: { force: boolean; write: boolean }, outcome: RollbackOutcome): Promise<void> {
	const key = String(entry.k);
	const kept = entry.f!;
	const before = entry.b ?? {};
	const { types, ignored } = comparison(schema, 'directus_files');
	const tally = tallyOf(outcome, 'directus_files');
	const items = new DestinationItems(client, 'directus_files', 'id');
	const fields = [...new Set(['id', 'filesize', ...Object.keys(before), ...Object.keys(entry.a ?? {})])];
	const row = (await items.readByKeys([key], fields)).get(key);
	const size = row ? Number(row['filesize']) : null;
	// Bytes of neither size are neither: no need to read them.
	const sha256 = row && (size === kept.before.size || size === kept.after.size) ? await client.download(`/assets/${encodeURIComponent(key)}`, hashOf) : null;
	const decision = decideBytesUndo({ before, after: entry.a ?? {}, bytes: kept }, { row, sha256 }, types, ignored, force);
	if (decision.action === 'none') {
		tally.unchanged++;
		return;
	}
	if (decision.action === 'conflict') {
		tally.conflicts++;
		boundedPush(outcome.conflicts, { collection: 'directus_files', key: entry.k, change: 'updated', fields: decision.fields }, MAX_LISTED);
		return;
	}
	if (decision.forced) outcome.forced++;
	try {
		if (write && decision.bytes) await uploadBytes(client, key, before, () => openCopy(kept.copy));
		const { modified_on: _on, modified_by: _by, ...metadata } = before;
		const failures = write ? await items.update([{ ...metadata, id: entry.k }]) : [];
		if (failures.length > 0) throw new MigrationError('ITEMS_FAILED', failures[0]!.reason);
	} catch (error) {
		// Refused by the destination (an answer, or a refused metadata write): this file fails, the rollback goes on.
		if (!(error instanceof MigrationError && (error.status !== undefined || error.code === 'ITEMS_FAILED'))) throw error;
		tally.failed++;
		boundedPush(outcome.failures, { collection: 'directus_files', key: entry.k, reason: (error as Error).message }, MAX_LISTED);
		return;
	}
	tally.restored++;
	if (decision.bytes) outcome.files.bytesRestored++;
}

async function hashOf(bytes: Readable): Promise<string> {
	const tap = measuring(bytes);
	for await (const _chunk of tap.stream);
	return tap.facts().sha256;
}

/** Replaces a destination file's bytes in place (same id), streamed as one multipart PATCH. */
async function uploadBytes(client: DestinationClient, id: string, metadata: Row, open: () => Promise<Readable>): Promise<void> {
	const name = String(metadata['filename_download'] ?? id);
	const fields: Record<string, string> = { filename_download: name };
	const boundary = newBoundary();
	await client.send({
		method: 'PATCH',
		path: `/files/${encodeURIComponent(id)}`,
		params: { fields: 'id' },
		headers: { 'Content-Type': multipartContentType(boundary) },
		// The same bytes into the same file: sending them twice leaves what sending them once does.
		lostAnswer: 'repeat',
		body: () => multipartStream(boundary, fields, { filename: name, type: String(metadata['type'] ?? 'application/octet-stream'), open }),
	});
}

async function undoBatch(
	batch: RowChange[],
	{ client, schema }: Sides,
	{ force, write }: { force: boolean; write: boolean },
	outcome: RollbackOutcome,
): Promise<void> {
	const { collection, primaryKey } = batch[0]!;
	const { model, types, ignored } = comparison(schema, collection);
	const items = new DestinationItems(client, collection, primaryKey);
	const tally = tallyOf(outcome, collection);

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
