import type { DestinationClient } from '../destination/client.js';
import { boundedPush, type Warning } from '../report.js';
import type { IdMapping } from './admin-identity.js';
import { linkSteps } from './dependency-order.js';
import { readDestinationRows, searchDestination, writeRows, type ItemFailure } from './destination-rows.js';
import { diffRows, toDestinationRow, type RowChange } from './diff-rows.js';
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
	const { tally, mapping, presence, client } = run;
	const waiting: PendingLink[] = [];
	const emptied: Record<string, number> = {};
	const outcome = (key: Id, reason: string, code?: string) => ({ scope, collection: kind.collection, key, reason, ...(code ? { code } : {}) });

	for await (const page of run.source.pages(kind)) {
		const candidates: Row[] = [];
		for (const row of page) {
			const leftOut = run.leaveOut(kind, row);
			if (leftOut) tally.skip(outcome(row['id'] as Id, leftOut));
			else if (mapping.isMapped(kind.collection, row['id'] as Id)) tally.add(scope, 'unchanged');
			else candidates.push(toDestinationRow(kind, row, mapping));
		}
		const checked = await resolveReferences(kind, candidates, presence);
		for (const { id, reason } of checked.skipped) tally.skip(outcome(id, reason));
		for (const [field, count] of Object.entries(checked.emptied)) emptied[field] = (emptied[field] ?? 0) + count;

		const fields = [...kind.fields, ...(kind.links ?? [])];
		const existing = await readDestinationRows(client, kind.path, checked.rows.map((row) => row['id'] as Id), fields);
		const rows = await matchNaturalKeys(kind, checked.rows, existing, run);

		const diff = diffRows(kind, rows, existing);
		for (const row of diff.create) tally.change({ scope, collection: kind.collection, key: row['id'] as Id, change: 'create' });
		for (const id of diff.updated) {
			const fields = [...diff.update, ...diff.links].filter((entry) => entry.id === id).flatMap((entry) => Object.keys(entry.changes));
			tally.change({ scope, collection: kind.collection, key: id, change: 'update', fields });
		}
		tally.add(scope, 'unchanged', diff.unchanged.length);
		for (const { id, reason } of diff.conflicts) tally.skip(outcome(id, reason));
		run.created[kind.collection] = (run.created[kind.collection] ?? 0) + diff.create.length;
		const conflicting = new Set(diff.conflicts.map(({ id }) => String(id)));
		presence.remember(kind.collection, rows.map((row) => row['id'] as Id).filter((id) => !conflicting.has(String(id))));
		if (run.dryRun) continue;

		const failedIds = new Set<string>();
		const fail = (failure: ItemFailure, counted: 'created' | 'updated') => {
			failedIds.add(String(failure.key));
			tally.failWrite(outcome(failure.key, failure.reason, failure.code), counted);
			if (counted === 'created') run.created[kind.collection]!--;
		};
		const created = await writeRows(client, 'POST', kind.path, diff.create);
		created.failed.forEach((failure) => fail(failure, 'created'));
		presence.forget(kind.collection, created.failed.map((failure) => failure.key));
		const updated = await writeRows(client, 'PATCH', kind.path, diff.update.map(({ id, changes }) => ({ id, ...changes })));
		updated.failed.forEach((failure) => fail(failure, 'updated'));

		const createdIds = new Set(diff.create.map((row) => String(row['id'])));
		const links: PendingLink[] = diff.links
			.filter((link) => !failedIds.has(String(link.id)))
			.map((link) => ({ ...link, counted: createdIds.has(String(link.id)) ? 'created' : 'updated' }));
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

/**
 * Writes links once their targets exist. Links such as an operation's resolve are unique, so the ones
 * that change are emptied first and set afterwards.
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
	for (let start = 0; start < links.length; start += 200) {
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

/** Rows missing by id that the destination holds under another id with the same natural key. */
async function matchNaturalKeys(kind: SystemKind, rows: Row[], existing: Row[], run: SystemRun): Promise<Row[]> {
	if (!kind.matchBy) return rows;
	const found = new Set(existing.map((row) => String(row['id'])));
	const newcomers = rows.filter((row) => !found.has(String(row['id'])));
	if (newcomers.length === 0) return rows;
	const held = await searchDestination(run.client, kind.path, {
		filter: naturalKeyFilter(kind.matchBy, newcomers),
		fields: ['id', ...kind.fields, ...(kind.links ?? [])],
	});
	const { rows: matched, adopted } = adoptDestinationIds(kind.matchBy, rows, held.filter((row) => !found.has(String(row['id']))));
	for (const { sourceId, destinationId } of adopted) run.mapping.add(kind.collection, sourceId, destinationId);
	existing.push(...held);
	return matched;
}
