import type { Filter } from '@directus/types';
import { MigrationError } from '../errors.js';

/** One collection of a plan: which of its items move (a filter, never a list of rows) and how many. */
export interface PlannedCollection {
	collection: string;
	primaryKey: string;
	singleton: boolean;
	/** The items that move; null = all of them. */
	filter: Filter | null;
	/** How many source items match, when the plan was made. */
	items: number;
	/** Changes since this time only (updatedAfter), or null. */
	since: string | null;
	/** Added by includeRelated: rows the chosen items need. */
	related: boolean;
	/**
	 * Rows reached by includeRelated through an M2O link only (an author, a category): created when
	 * the destination lacks them, left as they are when it has them. Absent in plans of older versions.
	 */
	createOnly?: boolean;
}

/**
 * What moves, as small JSON: collections in write order with their criteria and counts, the links
 * written in a second pass, and the file references. Its size does not grow with the number of items.
 */
export interface MigrationPlan {
	kind: 'directus-migration-plan';
	version: 1;
	/** The source's clock when the plan was made: the next sync marker. */
	createdAt: string;
	collections: PlannedCollection[];
	deferred: Record<string, string[]>;
	relations: { collection: string; field: string; related: string }[];
	files: { included: boolean; references: { collection: string; field: string }[]; count: number; bytes: number; folders: number };
	/** Collections whose sync marker a complete run may move forward (set for full and `auto` runs). */
	marker: { collections: string[] } | null;
}

/**
 * The plan an operation works on: its `plan` option (an object, JSON text, or the key of an earlier
 * step), else the previous step's result. Reports of extract, transfer-files and upsert-items all
 * carry the plan, so the steps chain on `$last`.
 */
export function findPlan(option: unknown, data: Record<string, unknown>): MigrationPlan {
	let candidate: unknown = option;
	if (typeof candidate === 'string' && candidate.trim() !== '') {
		const text = candidate.trim();
		if (text.startsWith('{')) {
			try {
				candidate = JSON.parse(text);
			} catch {
				throw invalidPlan('plan: is not valid JSON.');
			}
		} else if (text in data) {
			candidate = data[text];
		} else {
			throw invalidPlan(`plan: there is no step "${text}" before this one.`);
		}
	}
	if (candidate === undefined || candidate === null || candidate === '') candidate = data['$last'];
	const plan = isPlan(candidate) ? candidate : isPlan((candidate as { plan?: unknown })?.plan) ? (candidate as { plan: MigrationPlan }).plan : null;
	if (!plan) {
		throw invalidPlan(
			'plan: no migration plan found. Put a "Migration: extract" step before this one, or set plan to its key.',
		);
	}
	return plan;
}

function isPlan(value: unknown): value is MigrationPlan {
	return !!value && typeof value === 'object' && (value as MigrationPlan).kind === 'directus-migration-plan';
}

function invalidPlan(message: string): MigrationError {
	return new MigrationError('INVALID_OPTIONS', message, { details: { problems: [{ option: 'plan', problem: message }] } });
}
