import type { Snapshot, SnapshotDiff } from '@directus/types';
import { canonicalEqual, type Canonical } from '../compare/normalize.js';
import type { DestinationClient } from '../destination/client.js';
import type { MigrationContext } from '../operation.js';
import { readFromLibrary } from '../runs/library.js';
import { applyOnDestination, diffWithDestination } from '../schema/destination-schema.js';
import { changeOf, restrictDiff } from '../schema/diff-summary.js';

/**
 * What a migration-schema-sync run keeps to be undone: the destination's schema snapshot before it
 * applied anything (`before`, its pre-image; a schema holds no secret) and, once applied, the diff that
 * takes the destination back to it (`undo`: what the run changed, as Directus diffs it).
 */
export interface SchemaJournal {
	before: Snapshot;
	undo: SnapshotDiff;
}

type Section = 'collections' | 'fields' | 'systemFields' | 'relations';
const SECTIONS: Section[] = ['collections', 'fields', 'systemFields', 'relations'];
type Entry = { collection: string; field?: string; diff: { kind: string; path?: unknown[] }[] };

/** What undoing a schema run does, or (dry run) would do. */
export interface SchemaRollbackOutcome {
	/** Collections, fields and relations given back their state before the run (`collection` or `collection.field`). */
	restored: string[];
	/** Changed on the destination since the run: left alone (unless `force`). */
	conflicts: { change: string; reason: string }[];
	/** Already as before the run. */
	unchanged: number;
	/** Collections and fields the run created, dropped by the rollback with the data they hold now. */
	dropsData: string[];
	/** Collections and fields the run dropped, created again by the rollback: empty, their data is gone. */
	dataNotRestored: string[];
	forced: number;
}

/** The destination's diff back to `before`, as a sync in mirror mode sees it (column type names left out). */
export async function diffBackTo(client: DestinationClient, before: Snapshot): Promise<{ hash: string | null; diff: SnapshotDiff }> {
	const result = await diffWithDestination(client, before, { mode: 'mirror', force: false });
	const empty: SnapshotDiff = { collections: [], fields: [], systemFields: [], relations: [] };
	return result ? { hash: result.hash, diff: restrictDiff(result.diff, 'mirror', null) } : { hash: null, diff: empty };
}

const nameOf = (entry: Entry) => (entry.field === undefined ? entry.collection : `${entry.collection}.${entry.field}`);

/**
 * Decides, from the destination's diff back to the pre-image now (`now`) and the diff the run left
 * (`undo`), what to apply: a change the run made is undone where the destination still holds what the
 * run applied (the diff back is the one the run left); where it changed since, it is a conflict, left
 * alone unless `force`. Differences the run did not make (schema changed by someone else) are never
 * touched. Pure: tested alone.
 */
export function planSchemaUndo(undo: SnapshotDiff, now: SnapshotDiff, force: boolean): { apply: SnapshotDiff; outcome: SchemaRollbackOutcome } {
	const outcome: SchemaRollbackOutcome = { restored: [], conflicts: [], unchanged: 0, dropsData: [], dataNotRestored: [], forced: 0 };
	const apply: SnapshotDiff = { collections: [], fields: [], systemFields: [], relations: [] };
	for (const section of SECTIONS) {
		const current = new Map(((now[section] ?? []) as Entry[]).map((entry) => [nameOf(entry), entry]));
		for (const left of (undo[section] ?? []) as Entry[]) {
			const name = nameOf(left);
			const entry = current.get(name);
			if (!entry) {
				outcome.unchanged++;
				continue;
			}
			const same = canonicalEqual(entry.diff as unknown as Canonical, left.diff as unknown as Canonical);
			if (!same && !force) {
				outcome.conflicts.push({ change: `${section === 'relations' ? 'relation ' : ''}${name}`, reason: 'changed on the destination since the run' });
				continue;
			}
			if (!same) outcome.forced++;
			(apply[section] as Entry[]).push(entry);
			outcome.restored.push(`${section === 'relations' ? 'relation ' : ''}${name}`);
			if (section === 'collections' || section === 'fields') {
				const change = changeOf(entry);
				if (change === 'delete') outcome.dropsData.push(name);
				if (change === 'create') outcome.dataNotRestored.push(name);
			}
		}
	}
	// The fields of a collection dropped or created whole go with it: the collection names them.
	const whole = new Set([...outcome.dropsData, ...outcome.dataNotRestored].filter((name) => !name.includes('.')));
	const notInWhole = (name: string) => !whole.has(name.split('.')[0]!) || !name.includes('.');
	outcome.dropsData = outcome.dropsData.filter(notInWhole);
	outcome.dataNotRestored = outcome.dataNotRestored.filter(notInWhole);
	return { apply, outcome };
}

/** A schema run's journal, read from its file in the library. */
export async function readSchemaJournal(context: MigrationContext, fileId: string): Promise<SchemaJournal> {
	let text = '';
	for await (const chunk of await readFromLibrary(context, fileId)) text += String(chunk);
	return JSON.parse(text) as SchemaJournal;
}

/** Undoes a schema run on the destination: diff back to the pre-image, keep what the run changed, apply it (nothing when `write` is false). */
export async function undoSchema(client: DestinationClient, journal: SchemaJournal, settings: { force: boolean; write: boolean }): Promise<SchemaRollbackOutcome> {
	const now = await diffBackTo(client, journal.before);
	const { apply, outcome } = planSchemaUndo(journal.undo, now.diff, settings.force);
	if (settings.write && now.hash && outcome.restored.length > 0) await applyOnDestination(client, now.hash, apply, 'repeat');
	return outcome;
}

/**
 * After a schema run applied its changes: keeps its journal (the pre-image and the diff back to it)
 * through `keep` (the run's recorder). Keeping it never fails the run: a failure is logged.
 */
export async function keepSchemaJournal(
	client: DestinationClient,
	before: Snapshot,
	keep: (journal: SchemaJournal, entries: number) => Promise<void>,
	logger: { warn(message: string): void },
): Promise<void> {
	try {
		const { diff: undo } = await diffBackTo(client, before);
		await keep({ before, undo }, SECTIONS.reduce((sum, section) => sum + (undo[section]?.length ?? 0), 0));
	} catch (error) {
		logger.warn(`[migration-schema-sync] the rollback journal could not be kept: ${(error as Error).message}`);
	}
}

/** What a schema rollback loses, said before (dry run) and after: data of what it drops, data of what the run dropped. */
export function schemaRollbackWarnings(outcome: SchemaRollbackOutcome): { code: string; message: string }[] {
	const warnings: { code: string; message: string }[] = [];
	if (outcome.dropsData.length > 0) {
		warnings.push({ code: 'ROLLBACK_DROPS_DATA', message: `The run created ${outcome.dropsData.join(', ')}: rolling it back drops them with the data they hold now.` });
	}
	if (outcome.dataNotRestored.length > 0) {
		warnings.push({ code: 'DATA_NOT_RESTORED', message: `The run dropped ${outcome.dataNotRestored.join(', ')}: rolling it back creates them again, empty; their data cannot be brought back.` });
	}
	return warnings;
}
