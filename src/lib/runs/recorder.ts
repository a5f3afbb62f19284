import { Readable } from 'node:stream';
import type { MigrationContext } from '../operation.js';
import { modelCollection } from '../plan/collection-model.js';
import { RunJournal, type WriteJournal } from './journal.js';
import { JournalChunks } from './journal-store.js';
import { createLibraryFolder, removeFromLibrary, removeLibraryFolder, saveToLibrary } from './library.js';
import type { JournalEntry } from './journal.js';
import { journalForwards } from './journal-file.js';
import { progressOf, type ProgressFacts } from './progress.js';
import { RunStore, type RunOutcome, type RunProgress, type RunRecord, type RunTrigger } from './store.js';

/** Finished records kept (MIGRATION_RUNS_KEEP); older ones, with their journals, are removed. */
export const DEFAULT_RUNS_KEEP = 50;
/** Progress is written at most this often… */
const MIN_WRITE_MS = 2_000;
/** …and at least this often while the run works (its `updatedAt` says it is alive). */
const MAX_SILENCE_MS = 4_000;

export function runsToKeep(env: Record<string, unknown>): number {
	const value = Number(env['MIGRATION_RUNS_KEEP'] ?? DEFAULT_RUNS_KEEP);
	return Number.isInteger(value) && value >= 1 ? value : DEFAULT_RUNS_KEEP;
}

/**
 * The record of one operation run, kept from the operation boundary: `begin` (called by a writing
 * run once it knows its destination; a dry run never calls it, so it leaves no record), live progress
 * read from `watch`ed facts and written to the shared database every few seconds, and `finish` with
 * the outcome and the report. Recording never fails a migration: a failed write is logged and skipped.
 */
export class RunRecorder {
	private readonly operation: string;
	private readonly context: MigrationContext;
	private readonly store: RunStore;
	private id: number | null = null;
	private record: Omit<RunRecord, 'id' | 'progress'> | null = null;
	private facts: (() => ProgressFacts) | null = null;
	private phaseStart = { phase: '', at: 0, done: 0 };
	private lastWritten = { at: 0, json: '' };
	private timer: ReturnType<typeof setInterval> | null = null;
	private writing: Promise<void> = Promise.resolve();
	/** What the run's writes changed on the destination (for migration-rollback), once begun. */
	journal: RunJournal | null = null;
	/** Save artifacts (the `artifacts` option): counts, files moved, schema applied, into the Migrations folder. */
	keepArtifacts = false;
	private readonly attached: { name: string; value: unknown }[] = [];
	private bytesFolder: Promise<string> | undefined;

	constructor(operation: string, context: MigrationContext) {
		this.operation = operation;
		this.context = context;
		this.store = new RunStore(context.database, context.env);
	}

	get runId(): number | null {
		return this.id;
	}

	/**
	 * Starts the record of a writing run. With `journal`, the run keeps what it changes (in the source's
	 * database as it goes, so that it survives the process), and the returned journal is to be handed
	 * to the destination client (`client.journal`). No record, no journal: nothing could find it.
	 */
	async begin(start: { host: string; journal?: boolean }): Promise<WriteJournal | null> {
		if (this.id !== null) return this.journal;
		const trigger = await this.trigger();
		this.record = {
			operation: this.operation,
			trigger,
			destination: { host: start.host },
			startedAt: new Date().toISOString(),
			endedAt: null,
			outcome: 'running',
			report: null,
			journal: start.journal ? { file: null, entries: 0 } : null,
			rolledBackBy: null,
		};
		let owner: string | null = null;
		try {
			// A record is never without progress: it starts planning, nothing done yet.
			const starting = { phase: 'plan' as const, collection: null, rows: { done: 0, total: 0 }, files: { done: 0, total: 0 }, warnings: 0, failures: 0 };
			owner = await this.store.anAdministrator();
			this.id = await this.store.create(this.record, progressOf(starting, { at: Date.now(), done: 0 }, Date.now()), owner);
		} catch (error) {
			this.context.logger.warn(`[${this.operation}] the run record could not be written: ${(error as Error).message}`);
		}
		if (start.journal && this.id !== null) {
			const schema = await this.context.getSchema({ database: this.context.database });
			const fieldsOf = (collection: string) => (schema.collections[collection] ? modelCollection(schema, collection).fields : []);
			this.journal = new RunJournal(new JournalChunks(this.context.database, this.id, owner), fieldsOf, (key, bytes) => this.keepBytes(key, bytes));
		}
		this.timer = setInterval(() => this.flush(false), MIN_WRITE_MS);
		this.timer.unref();
		return this.journal;
	}

	/**
	 * Saves a journal kept whole (a schema run's pre-image and undo diff) into the Migrations folder now,
	 * and records it as the run's journal: migration-rollback finds it even should the run end badly.
	 */
	async keepJournal(value: unknown, entries: number): Promise<void> {
		if (this.id === null || !this.record) return;
		const file = await saveToLibrary(this.context, {
			name: `${this.record.startedAt.replace(/[:.]/g, '-')} run ${this.id} journal.json`,
			title: `Migration run ${this.id}: rollback journal (${this.record.destination.host})`,
			type: 'application/json',
			stream: Readable.from([JSON.stringify(value)]),
		});
		this.record.journal = { file, entries };
		await this.store.update(this.id, this.record);
	}

	/**
	 * Keeps the destination's bytes of a file the run is about to replace, in a folder of this run inside
	 * the Migrations folder (created with the first, and recorded at once: a run that dies leaves no
	 * copy its record does not know of).
	 */
	private async keepBytes(key: string, bytes: Readable): Promise<string> {
		this.bytesFolder ??= createLibraryFolder(this.context, `Run ${this.id} replaced bytes`).then(async (folder) => {
			this.record!.keptBytes = { folder };
			await this.store.update(this.id!, this.record!);
			return folder;
		});
		return saveToLibrary(this.context, {
			name: `run ${this.id} bytes of ${key}`,
			title: `Migration run ${this.id}: bytes of ${key} before the run`,
			type: 'application/octet-stream',
			stream: bytes,
			folder: await this.bytesFolder,
		});
	}

	/** A JSON artifact of the run (e.g. the schema snapshot applied), saved at the end when artifacts are kept. */
	attach(name: string, value: unknown): void {
		this.attached.push({ name, value });
	}

	/** Where live progress comes from: read every couple of seconds, never pushed by the steps. */
	watch(facts: () => ProgressFacts): void {
		this.facts = facts;
		void this.flush(true);
	}

	private progress(now: number): RunProgress | null {
		if (!this.facts) return null;
		const facts = this.facts();
		const done = facts.phase === 'files' ? facts.files.done : facts.rows.done;
		if (this.phaseStart.phase !== facts.phase) this.phaseStart = { phase: facts.phase, at: now, done };
		return progressOf(facts, this.phaseStart, now);
	}

	/** Writes the progress when it changed (at most every 2 s) or when 4 s passed without a write. */
	private flush(force: boolean): Promise<void> {
		this.writing = this.writing.then(async () => {
			if (this.id === null) return;
			const now = Date.now();
			const progress = this.progress(now);
			if (!progress) return;
			const { updatedAt: _at, rate: _rate, etaSeconds: _eta, ...changing } = progress;
			const json = JSON.stringify(changing);
			if (!force && json === this.lastWritten.json && now - this.lastWritten.at < MAX_SILENCE_MS) return;
			try {
				await this.store.writeProgress(this.id, progress);
				this.lastWritten = { at: now, json };
			} catch (error) {
				this.context.logger.warn(`[${this.operation}] progress could not be written: ${(error as Error).message}`);
			}
		});
		return this.writing;
	}

	/** Ends the record: outcome, report (already scrubbed of secrets), the saved journal; then retention. */
	async finish(outcome: Exclude<RunOutcome, 'running'>, report: Record<string, unknown>): Promise<void> {
		if (this.timer) clearInterval(this.timer);
		if (this.id === null || !this.record) return;
		await this.flush(true);
		try {
			if (this.journal) this.record.journal = await this.saveJournal();
		} catch (error) {
			this.context.logger.warn(`[${this.operation}] the rollback journal could not be saved: ${(error as Error).message}`);
		}
		this.record = { ...this.record, endedAt: new Date().toISOString(), outcome, report };
		if (this.keepArtifacts) {
			try {
				this.record.artifacts = await this.saveArtifacts(report);
			} catch (error) {
				this.context.logger.warn(`[${this.operation}] the artifacts could not be saved: ${(error as Error).message}`);
			}
		}
		try {
			await this.store.update(this.id, this.record);
			const removed = await this.store.prune(runsToKeep(this.context.env));
			await removeFromLibrary(this.context, removed.flatMap((record) => [...(record.journal?.file ? [record.journal.file] : []), ...(record.artifacts ?? []).map((artifact) => artifact.file)]));
			for (const record of removed) if (record.keptBytes) await removeLibraryFolder(this.context, record.keptBytes.folder);
		} catch (error) {
			this.context.logger.warn(`[${this.operation}] the run record could not be finished: ${(error as Error).message}`);
		}
	}

	/**
	 * The run's artifacts, as files of the Migrations folder named after the run's start: its counts
	 * per collection (and files), the files it created on the destination (from the journal), and what
	 * was attached (the schema snapshot applied). All from the report or the source: never a secret.
	 */
	private async saveArtifacts(report: Record<string, unknown>): Promise<{ name: string; file: string }[]> {
		const record = this.record!;
		const prefix = `${record.startedAt.replace(/[:.]/g, '-')} run ${this.id}`;
		const saved: { name: string; file: string }[] = [];
		const save = async (name: string, type: string, text: string | AsyncIterable<string>) => {
			const file = await saveToLibrary(this.context, {
				name: `${prefix} ${name}`,
				title: `Migration run ${this.id}: ${name} (${record.destination.host})`,
				type,
				stream: Readable.from(typeof text === 'string' ? [text] : text),
			});
			saved.push({ name, file });
		};
		const counts = { runId: this.id, operation: record.operation, destination: record.destination, startedAt: record.startedAt, endedAt: record.endedAt, outcome: record.outcome, collections: report['collections'] ?? null, files: report['files'] ?? null };
		await save('counts.json', 'application/json', JSON.stringify(counts, null, 2));
		const journal = this.record!.journal;
		if (journal) await save('files.ndjson', 'application/x-ndjson', filesCreated(journalForwards(this.context, { id: this.id!, journal })));
		for (const { name, value } of this.attached) await save(`${name}.json`, 'application/json', JSON.stringify(value, null, 2));
		return saved;
	}

	/**
	 * Copies the journal from the database into one file of the Migrations folder (streamed), then
	 * removes it from the database. Should the copy fail, the record keeps pointing at the database.
	 */
	private async saveJournal(): Promise<RunRecord['journal']> {
		const journal = this.journal;
		if (!journal) return null;
		if (journal.entries === 0) return null;
		const inDatabase = { file: null, entries: journal.entries };
		this.record!.journal = inDatabase;
		const id = await saveToLibrary(this.context, {
			name: `${this.record!.startedAt.replace(/[:.]/g, '-')} run ${this.id} journal.ndjson`,
			title: `Migration run ${this.id}: rollback journal (${this.record!.destination.host})`,
			type: 'application/x-ndjson',
			stream: Readable.from(journalLines(journal.chunks)),
		});
		await journal.chunks.remove();
		return { file: id, entries: journal.entries };
	}

	/** What started the run: the Flow (id, name, trigger type) and the user, from the operation's context. */
	private async trigger(): Promise<RunTrigger> {
		const flowId = (this.context as { flow?: { id?: string } }).flow?.id ?? null;
		let flow: RunTrigger['flow'] = null;
		let type: string | null = null;
		if (flowId) {
			const row = await this.context.database('directus_flows').where({ id: flowId }).first('name', 'trigger').catch(() => undefined);
			flow = { id: flowId, name: row?.name ?? null };
			type = row?.trigger ?? null;
		}
		return { flow, operation: this.operation, type, user: this.context.accountability?.user ?? null };
	}
}

async function* journalLines(chunks: JournalChunks): AsyncGenerator<string> {
	for await (const entry of chunks.forwards()) yield JSON.stringify(entry) + '\n';
}

/** The files a run created on the destination, one JSON line each, read from its saved journal. */
async function* filesCreated(entries: AsyncIterable<JournalEntry>): AsyncGenerator<string> {
	for await (const entry of entries) {
		if (entry.c === 'directus_files' && entry.op === 'create') yield JSON.stringify({ id: entry.k, filesize: entry.a?.['filesize'] == null ? null : Number(entry.a['filesize']) }) + '\n';
	}
}
