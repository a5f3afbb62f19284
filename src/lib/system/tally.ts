import { boundedPush } from '../report.js';
import type { Id } from './kinds.js';
import type { SystemScope } from './scopes.js';
import type { RunSummary } from '../write/finish-run.js';

/** Per scope: in a dry run, what would be created and updated; after a run, what was. */
export interface ScopeCounts {
	created: number;
	updated: number;
	unchanged: number;
	skipped: number;
	failed: number;
}

/** One row that was not written, with the reason: a bounded list, never the row's content. */
export interface ItemOutcome {
	scope: SystemScope;
	collection: string;
	key: Id;
	code?: string;
	reason: string;
}

/** A row to create or update (dry run) or written (apply): names of changed fields, never values. */
export interface PlannedChange {
	scope: SystemScope;
	collection: string;
	key: Id;
	change: 'create' | 'update';
	fields?: string[];
	/** Created under an id the destination picked: the source's integer id is taken there. */
	newId?: true;
}

/** Counts and bounded lists of a system migration run, filled as each batch is done. */
export class SystemTally {
	readonly scopes: Partial<Record<SystemScope, ScopeCounts>> = {};
	readonly failures: ItemOutcome[] = [];
	readonly skipped: ItemOutcome[] = [];
	readonly changes: PlannedChange[] = [];
	private readonly changedCollections = new Set<string>();

	counts(scope: SystemScope): ScopeCounts {
		return (this.scopes[scope] ??= { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 });
	}

	unchanged(scope: SystemScope, count = 1): void {
		this.counts(scope).unchanged += count;
	}

	/** Counts a row as created or updated and lists it (the list is bounded, the count is not). */
	change(entry: PlannedChange): void {
		this.counts(entry.scope)[entry.change === 'create' ? 'created' : 'updated']++;
		this.changedCollections.add(entry.collection);
		boundedPush(this.changes, entry);
	}

	skip(outcome: ItemOutcome): void {
		this.counts(outcome.scope).skipped++;
		boundedPush(this.skipped, outcome);
	}

	fail(outcome: ItemOutcome): void {
		this.counts(outcome.scope).failed++;
		boundedPush(this.failures, outcome);
	}

	/** A row counted (and listed) as created or updated whose write then failed. */
	failWrite(outcome: ItemOutcome, counted: 'created' | 'updated'): void {
		this.withdraw(outcome.scope, outcome.collection, outcome.key, counted);
		this.fail(outcome);
	}

	/** Takes back a row counted and listed as created or updated: it was not written after all. */
	withdraw(scope: SystemScope, collection: string, key: Id, counted: 'created' | 'updated'): void {
		this.counts(scope)[counted]--;
		const listed = this.changes.findIndex((entry) => entry.collection === collection && entry.key === key);
		if (listed >= 0) this.changes.splice(listed, 1);
	}

	/** The collections with rows (to be) created or updated. */
	get collections(): string[] {
		return [...this.changedCollections];
	}

	get failedCount(): number {
		return this.totals.failed;
	}

	/** Every scope's counts added up. */
	get totals(): ScopeCounts {
		const totals: ScopeCounts = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
		for (const counts of Object.values(this.scopes)) {
			for (const key of Object.keys(totals) as (keyof ScopeCounts)[]) totals[key] += counts[key];
		}
		return totals;
	}
}

/** What a system run tells the receiver at its end (its one audit row): counts, never a value. */
export function systemRunSummary(tally: SystemTally, passwordsCopied: number | null, source: string): RunSummary {
	const { created, updated, failed } = tally.totals;
	const counts = { created, updated, failed, ...(passwordsCopied === null ? {} : { passwords: passwordsCopied }) };
	return { operation: 'migration-system', source, collections: tally.collections, rows: created + updated, counts, system: true };
}
