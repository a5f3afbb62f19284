import type { Knex } from 'knex';
import { JournalChunks, PRESETS_TABLE } from './journal-store.js';

/**
 * Where run records live: rows of Directus's own `directus_presets` table (a system table, so not one
 * of the Core tier's 25 collections), one row per run, marked by a collection name no user collection
 * can have (`directus_…` is reserved for Directus). The record is the row's `layout_options` (JSON),
 * the live progress its `layout_query` (JSON): written by whichever replica runs the migration, read
 * by any replica through the shared database. The row is written with the database connection, not
 * through the presets service, so progress updates leave no activity or revision rows behind.
 */
export const RUNS_COLLECTION = 'directus_migration_runs';
const TABLE = PRESETS_TABLE;
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
	/**
	 * What the run changed on the destination, for migration-rollback: a file of the Migrations folder
	 * once the run ended, or (`file` null) rows of the source's database while it runs, and when it died
	 * before it could save them (see journal-store.ts). `entries` is counted when the run ends.
	 */
	journal: { file: string | null; entries: number } | null;
	/**
	 * The folder (inside the Migrations folder) holding the destination's bytes of the files the run
	 * replaced, each as it was before the run (for migration-rollback); removed with the record.
	 */
	keptBytes?: { folder: string };
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
 * A running run writes its progress at least every 4 s whatever it is doing (a timer, not the work,
 * drives it); one silent this long (MIGRATION_RUN_SILENCE_SECONDS, default 60) lost its process (a
 * restart, a crash): it is `interrupted`, and migration-rollback can undo what its journal holds.
 */
export const DEFAULT_SILENCE_SECONDS = 60;
const MIN_SILENCE_SECONDS = 15;

export function silenceLimitMs(env: Record<string, unknown> | undefined): number {
	const value = Number(env?.['MIGRATION_RUN_SILENCE_SECONDS'] ?? DEFAULT_SILENCE_SECONDS);
	return (Number.isFinite(value) ? Math.max(MIN_SILENCE_SECONDS, value) : DEFAULT_SILENCE_SECONDS) * 1000;
}

function toRecord(row: { id: number; layout_options: unknown; layout_query: unknown }, silenceMs: number, now = Date.now()): RunRecord {
	const stored = parseJson<StoredRecord>(row.layout_options)!;
	const progress = parseJson<RunProgress>(row.layout_query);
	const lastSign = Date.parse(progress?.updatedAt ?? stored.startedAt);
	const outcome = stored.outcome === 'running' && now - lastSign > silenceMs ? 'interrupted' : stored.outcome;
	return { ...stored, outcome, id: Number(row.id), progress };
}

/** Run records in the source's database (see the module comment for where and why). */
export class RunStore {
	private readonly database: Knex;
	private readonly silenceMs: number;

	constructor(database: Knex, env?: Record<string, unknown>) {
		this.database = database;
		this.silenceMs = silenceLimitMs(env);
	}

	private runs() {
		return this.database(TABLE).where({ collection: RUNS_COLLECTION, layout: KIND });
	}

	/**
	 * `owner`: an administrator (anAdministrator). A preset without user and role is global, readable
	 * through /presets by every user with app access; one with a user is readable by that user (and
	 * admins) only.
	 */
	async create(record: StoredRecord, progress: RunProgress, owner: string | null): Promise<number> {
		const row = { collection: RUNS_COLLECTION, layout: KIND, bookmark: null, user: owner, role: null, icon: 'sync_alt', layout_options: JSON.stringify(record), layout_query: JSON.stringify(progress) };
		const inserted = await this.database(TABLE).insert(row, ['id']);
		const first = inserted[0] as { id: number } | number;
		return typeof first === 'object' ? Number(first.id) : Number(first);
	}

	/** An active user with admin access (through a role or directly), or null when there is none. */
	async anAdministrator(): Promise<string | null> {
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
		return row ? toRecord(row, this.silenceMs) : null;
	}

	/** The newest records first (at most `limit`). */
	async list(limit: number): Promise<RunRecord[]> {
		const rows = await this.runs().orderBy('id', 'desc').limit(limit).select('id', 'layout_options', 'layout_query');
		return rows.map((row) => toRecord(row, this.silenceMs));
	}

	/** Keeps the newest `keep` finished (or interrupted) records; running ones are never removed. Returns the records removed. */
	async prune(keep: number): Promise<RunRecord[]> {
		const rows = await this.runs().orderBy('id', 'desc').select('id', 'layout_options', 'layout_query');
		const removed = rows.map((row) => toRecord(row, this.silenceMs)).filter((record) => record.outcome !== 'running').slice(keep);
		if (removed.length > 0) await this.runs().whereIn('id', removed.map(({ id }) => id)).delete();
		// Journals never saved to the library (the run died) are removed with their records.
		for (const record of removed) if (record.journal && record.journal.file === null) await new JournalChunks(this.database, record.id).remove();
		return removed;
	}
}
