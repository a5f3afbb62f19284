import type { DestinationClient } from '../destination/client.js';
import { boundedPush, type Warning } from '../report.js';
import type { IdMapping } from './admin-identity.js';
import { linkSteps } from './dependency-order.js';
import { readDestinationRows, searchDestination, writeRows, type ItemFailure } from './destination-rows.js';
import { diffRows, isSameRow, toDestinationRow, type RowChange, type RowDiff } from './diff-rows.js';
import type { Id, Row, SystemKind } from './kinds.js';
import { adoptDestinationIds, naturalKeyFilter } from './natural-key.js';
import { resolveReferences, type DestinationPresence } from './presence.js';
import type { SystemScope } from './scopes.js';
import type { SourceRows } from './source-rows.js';
import type { SystemTally } from './tally.js';

/** Everything a run shares between scopes. */
export interface SystemRun {
	client: DestinationClient;
	source: SourceRows;
	mapping: IdMapping;
	presence: DestinationPresence;
	tally: SystemTally;
	warnings: Warning[];
	dryRun: boolean;
	/** Rows to leave on the source, with the reason (the Flow running this migration). */
	leaveOut: (kind: SystemKind, row: Row) => string | null;
	/** Rows created (or to create) per collection. */
	created: Record<string, number>;
}

interface PendingLink extends RowChange {
	counted: 'created' | 'updated';
}

/**
 * Migrates the collections of one scope in dependency order: rows first, batch by batch (read the
 * destination rows of the batch, compare, create what is missing, update only changed fields), then the
 * links that must wait until every row of the scope exists. A dry run stops after comparing.
 */
export async function syncScopeRows(scope: SystemScope, kinds: readonly SystemKind[], run: SystemRun): Promise<void> {
	const waiting: { kind: SystemKind; links: PendingLink[] }[] = [];
	for (const kind of kinds) {
		const links = await syncKindRows(scope, kind, run);
		if (links.length > 0) waiting.push({ kind, links });
	}
	for (const { kind, links } of waiting) await writeLinks(scope, kind, links, run);
}

async function syncKindRows(scope: SystemScope, kind: SystemKind, run: SystemRun): Promise<PendingLink[]> {
	const { tally, mapping, presence } = run;
	const waiting: PendingLink[] = [];
	const emptied: Record<string, number> = {};

	for await (const page of run.source.pages(kind)) {
		const candidates: Row[] = [];
		for (const row of page) {
			const leftOut = run.leaveOut(kind, row);
			if (leftOut) tally.skip(outcomeOf(scope, kind, row['id'] as Id, leftOut));
			else if (mapping.isMapped(kind.collection, row['id'] as Id)) tally.unchanged(scope);
			else candidates.push(toDestinationRow(kind, row, mapping));
		}
		const checked = await resolveReferences(kind, candidates, presence);
		for (const { id, reason } of checked.skipped) tally.skip(outcomeOf(scope, kind, id, reason));
		for (const [field, count] of Object.entries(checked.emptied)) emptied[field] = (emptied[field] ?? 0) + count;

		const { rows, existing } = await destinationCounterparts(kind, checked.rows, run);
		const diff = diffRows(kind, rows, existing);
		countDiff(scope, kind, diff, run);
		const elsewhere = new Set([...diff.conflicts.map(({ id }) => id), ...diff.createUnderNewId.map((row) => row['id'] as Id)].map(String));
		presence.remember(kind.collection, rows.map((row) => row['id'] as Id).filter((id) => !elsewhere.has(String(id))));
		if (run.dryRun) continue;

		const links = await applyDiff(scope, kind, diff, run);
		if (kind.linksWaitForScope) waiting.push(...links);
		else await writeLinks(scope, kind, links, run);
	}
	for (const [field, count] of Object.entries(emptied)) {
		const target = kind.references?.[field]?.collection;
		boundedPush(run.warnings, {
			code: 'REFERENCE_EMPTIED',
			collection: kind.collection,
			message: `${count} ${kind.collection} row(s): ${field} left empty, the ${target} row it points at is not on the destination.`,
		});
	}
	return waiting;
}

function outcomeOf(scope: SystemScope, kind: SystemKind, key: Id, reason: string, code?: string) {
	return { scope, collection: kind.collection, key, reason, ...(code ? { code } : {}) };
}

/** Counts and lists a batch's diff: what is (or would be) created, updated, unchanged, skipped. */
function countDiff(scope: SystemScope, kind: SystemKind, diff: RowDiff, run: SystemRun): void {
	for (const row of diff.create) run.tally.change({ scope, collection: kind.collection, key: row['id'] as Id, change: 'create' });
	for (const row of diff.createUnderNewId) run.tally.change({ scope, collection: kind.collection, key: row['id'] as Id, change: 'create', newId: true });
	for (const id of diff.updated) {
		const fields = [...diff.update, ...diff.links].filter((entry) => entry.id === id).flatMap((entry) => Object.keys(entry.changes));
		run.tally.change({ scope, collection: kind.collection, key: id, change: 'update', fields });
	}
	run.tally.unchanged(scope, diff.unchanged.length);
	for (const { id, reason } of diff.conflicts) run.tally.skip(outcomeOf(scope, kind, id, reason));
	run.created[kind.collection] = (run.created[kind.collection] ?? 0) + diff.create.length + diff.createUnderNewId.length;
}

/** Creates the missing rows and updates the changed fields; returns the links still to write. */
async function applyDiff(scope: SystemScope, kind: SystemKind, diff: RowDiff, run: SystemRun): Promise<PendingLink[]> {
	const failedIds = new Set<string>();
	const fail = (failure: ItemFailure, counted: 'created' | 'updated') => {
		failedIds.add(String(failure.key));
		run.tally.failWrite(outcomeOf(scope, kind, failure.key, failure.reason, failure.code), counted);
		if (counted === 'created') run.created[kind.collection]!--;
	};
	const created = await writeRows(run.client, 'POST', kind.path, diff.create);
	created.failed.forEach((failure) => fail(failure, 'created'));
	run.presence.forget(kind.collection, created.failed.map((failure) => failure.key));
	const createdUnderNewId = await writeRows(run.client, 'POST', kind.path, diff.createUnderNewId, { newIds: true, matchBy: kind.matchBy });
	createdUnderNewId.failed.forEach((failure) => fail(failure, 'created'));
	const updated = await writeRows(run.client, 'PATCH', kind.path, diff.update.map(({ id, changes }) => ({ id, ...changes })));
	updated.failed.forEach((failure) => fail(failure, 'updated'));

	const createdIds = new Set(diff.create.map((row) => String(row['id'])));
	return diff.links
		.filter((link) => !failedIds.has(String(link.id)))
		.map((link) => ({ ...link, counted: createdIds.has(String(link.id)) ? 'created' : 'updated' }));
}

/**
 * Writes links once their targets exist. Unique links (an operation's resolve) that change are emptied
 * first and set afterwards, so that no value is ever held twice.
 */
async function writeLinks(scope: SystemScope, kind: SystemKind, links: PendingLink[], run: SystemRun): Promise<void> {
	if (links.length === 0 || run.dryRun) return;
	const counted = new Map(links.map((link) => [String(link.id), link.counted]));
	const failedIds = new Set<string>();
	const fail = (failure: ItemFailure) => {
		if (failedIds.has(String(failure.key))) return;
		failedIds.add(String(failure.key));
		run.tally.failWrite({ scope, collection: kind.collection, key: failure.key, code: failure.code, reason: failure.reason }, counted.get(String(failure.key)) ?? 'updated');
	};
	for (let start = 0; kind.uniqueLinks && start < links.length; start += 200) {
		const batch = links.slice(start, start + 200);
		const current = await readDestinationRows(run.client, kind.path, batch.map((link) => link.id), kind.links ?? []);
		const steps = linkSteps(batch, new Map(current.map((row) => [String(row['id']), row])));
		const cleared = await writeRows(run.client, 'PATCH', kind.path, steps.clear.map(({ id, changes }) => ({ id, ...changes })));
		cleared.failed.forEach(fail);
	}
	for (let start = 0; start < links.length; start += 200) {
		const batch = links.slice(start, start + 200).filter((link) => !failedIds.has(String(link.id)));
		const set = await writeRows(run.client, 'PATCH', kind.path, batch.map(({ id, changes }) => ({ id, ...changes })));
		set.failed.forEach(fail);
	}
}

/**
 * The destination rows a batch is compared with: those with the same ids and, for collections matched
 * by natural key, the row holding the same natural key under another id (a row missing by id, or whose
 * integer id the destination uses for something else, then takes that id).
 */
async function destinationCounterparts(kind: SystemKind, rows: Row[], run: SystemRun): Promise<{ rows: Row[]; existing: Row[] }> {
	const fields = [...kind.fields, ...(kind.links ?? [])];
	const existing = await readDestinationRows(run.client, kind.path, rows.map((row) => row['id'] as Id), fields);
	if (!kind.matchBy) return { rows, existing };
	const byId = new Map(existing.map((row) => [String(row['id']), row]));
	const settled = (row: Row) => {
		const current = byId.get(String(row['id']));
		return current !== undefined && isSameRow(kind, row, current);
	};
	const newcomers = rows.filter((row) => !settled(row));
	if (newcomers.length === 0) return { rows, existing };
	const claimed = new Set(rows.filter(settled).map((row) => String(row['id'])));
	const held = await searchDestination(run.client, kind.path, { filter: naturalKeyFilter(kind.matchBy, newcomers), fields: ['id', ...fields] });
	const elsewhere = held.filter((row) => !claimed.has(String(row['id'])));
	const { rows: matched, adopted } = adoptDestinationIds(kind.matchBy, newcomers, elsewhere);
	for (const { sourceId, destinationId } of adopted) run.mapping.add(kind.collection, sourceId, destinationId);
	const adoptedBySource = new Map(matched.map((row, index) => [String(newcomers[index]!['id']), row]));
	return {
		rows: rows.map((row) => adoptedBySource.get(String(row['id'])) ?? row),
		existing: [...existing, ...elsewhere.filter((row) => !byId.has(String(row['id'])))],
	};
}
