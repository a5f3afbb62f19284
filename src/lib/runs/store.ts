import type { Knex } from 'knex';

/**
 * Where run records live: rows of Directus's own `directus_presets` table (a system table, so not one
 * of the Core tier's 25 collections), one row per run, marked by a collection name no user collection
 * can have (`directus_…` is reserved for Directus). The record is the row's `layout_options` (JSON),
 * the live progress its `layout_query` (JSON): written by whichever replica runs the migration, read
 * by any replica through the shared database. The row is written with the database connection, not
 * through the presets service, so progress updates leave no activity or revision rows behind.
 */
export const RUNS_COLLECTION = 'directus_migration_runs';
const TABLE = 'directus_presets';
/** What a run row's `layout` says, so that nothing else with our collection name is mistaken for a run. */
const KIND = 'migration-run';

export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface RunTrigger {
	flow: { id: string; name: string | null } | null;
	operation: string;
	/** The Flow's trigger type (manual, webhook, schedule, event, operation), when known. */
	type: string | null;
	/** The user who started the run; null for a schedule or a system event. */
	user: string | null;
}

export interface RunProgress {
	phase: RunPhase;
	/** The collection in hand (items phase), or null. */
	collection: string | null;
	rows: { done: number; total: number };
	files: { done: number; total: number };
	/** Rows (or files, in the files phase) per second over the phase so far. */
	rate: number | null;
	/** Seconds left in the phase at that rate, or null when unknown. */
	etaSeconds: number | null;
	warnings: number;
	failures: number;
	/** When this progress was written (a stale value on a running run means its process died). */
	updatedAt: string;
}

export type RunPhase = 'plan' | 'schema' | 'files' | 'items' | 'verify' | 'rollback' | 'system' | 'done';

export interface RunRecord {
	id: number;
	operation: string;
	trigger: RunTrigger;
	destination: { host: string };
	startedAt: string;
	endedAt: string | null;
	outcome: RunOutcome;
	/** The operation's result or rejection, secrets scrubbed (null while running). */
	report: Record<string, unknown> | null;
	/** The file (in the Migrations folder) holding what the run changed on the destination, for migration-rollback. */
	journal: { file: string; entries: number } | null;
	/** Files of the Migrations folder saved with the `artifacts` option. */
	artifacts?: { name: string; file: string }[];
	/** Set once migration-rollback restored the destination to its state before this run. */
	rolledBackBy: number | null;
	progress: RunProgress | null;
}

type StoredRecord = Omit<RunRecord, 'id' | 'progress'>;

function parseJson<T>(value: unknown): T | null {
	if (value === null || value === undefined) return null;
	if (typeof value === 'string') return JSON.parse(value) as T;
	return value as T;
}

/**
 * A running run writes its progress at least every few seconds whatever it is doing (a timer, not the
 * work, drives it); one silent this long lost its process (a restart, a crash): it is `interrupted`.
 */
export const INTERRUPTED_AFTER_MS = 5 * 60_000;

function toRecord(row: { id: number; layout_options: unknown; layout_query: unknown }, now = Date.now()): RunRecord {
	const stored = parseJson<StoredRecord>(row.layout_options)!;
	const progress = parseJson<RunProgress>(row.layout_query);
	const lastSign = Date.parse(progress?.updatedAt ?? stored.startedAt);
	const outcome = stored.outcome === 'running' && now - lastSign > INTERRUPTED_AFTER_MS ? 'interrupted' : stored.outcome;
	return { ...stored, outcome, id: Number(row.id), progress };
}

/** Run records in the source's database (see the module comment for where and why). */
export class RunStore {
	private readonly database: Knex;

	constructor(database: Knex) {
		this.database = database;
	}

	private runs() {
		return this.database(TABLE).where({ collection: RUNS_COLLECTION, layout: KIND });
	}

	async create(record: StoredRecord, progress: RunProgress): Promise<number> {
		// Owned by an administrator: a preset without user and role is global, readable through /presets by
		// every user with app access; one with a user is readable by that user (and admins) only.
		const owner = await this.anAdministrator();
		const row = { collection: RUNS_COLLECTION, layout: KIND, bookmark: null, user: owner, role: null, icon: 'sync_alt', layout_options: JSON.stringify(record), layout_query: JSON.stringify(progress) };
		const inserted = await this.database(TABLE).insert(row, ['id']);
		const first = inserted[0] as { id: number } | number;
		return typeof first === 'object' ? Number(first.id) : Number(first);
	}

	/** An active user with admin access (through a role or directly), or null when there is none. */
	private async anAdministrator(): Promise<string | null> {
		const row = (await this.database('directus_users as u')
			.join('directus_access as a', (join) => join.on('a.user', '=', 'u.id').orOn('a.role', '=', 'u.role'))
			.join('directus_policies as p', 'p.id', 'a.policy')
			.where('p.admin_access', true)
			.andWhere('u.status', 'active')
			.orderBy('u.id')
			.first('u.id')) as { id: string } | undefined;
		return row?.id ?? null;
	}

	async update(id: number, record: StoredRecord): Promise<void> {
		await this.runs().andWhere({ id }).update({ layout_options: JSON.stringify(record) });
	}

	async writeProgress(id: number, progress: RunProgress): Promise<void> {
		await this.runs().andWhere({ id }).update({ layout_query: JSON.stringify(progress) });
	}

	async get(id: number): Promise<RunRecord | null> {
		const row = await this.runs().andWhere({ id }).first('id', 'layout_options', 'layout_query');
		return row ? toRecord(row) : null;
	}

	/** The newest records first (at most `limit`). */
	async list(limit: number): Promise<RunRecord[]> {
		const rows = await this.runs().orderBy('id', 'desc').limit(limit).select('id', 'layout_options', 'layout_query');
		return rows.map((row) => toRecord(row));
	}

	/** Keeps the newest `keep` finished (or interrupted) records; running ones are never removed. Returns the records removed. */
	async prune(keep: number): Promise<RunRecord[]> {
		const rows = await this.runs().orderBy('id', 'desc').select('id', 'layout_options', 'layout_query');
		const removed = rows.map((row) => toRecord(row)).filter((record) => record.outcome !== 'running').slice(keep);
		if (removed.length > 0) await this.runs().whereIn('id', removed.map(({ id }) => id)).delete();
		return removed;
	}
}
