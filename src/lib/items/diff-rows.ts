import { valuesEqual } from '../compare/normalize.js';

export type Row = Record<string, unknown>;

export interface RowDiff {
	/** Whole rows to create on the destination. */
	toCreate: Row[];
	/** The key and only the fields that differ, per row to update. */
	toUpdate: Row[];
	unchanged: number;
}

/**
 * Compares the rows a batch should have on the destination (`wanted`) with what it has (`existing`,
 * by key) on `compared` fields: create what is missing, update only the fields that differ, and
 * leave identical rows alone.
 */
export function diffRows(
	wanted: Row[],
	existing: Map<string, Row>,
	primaryKey: string,
	compared: string[],
	types: Record<string, string> = {},
): RowDiff {
	const diff: RowDiff = { toCreate: [], toUpdate: [], unchanged: 0 };
	for (const row of wanted) {
		const current = existing.get(String(row[primaryKey]));
		if (!current) {
			diff.toCreate.push(row);
			continue;
		}
		const changes: Row = {};
		let changed = false;
		for (const field of compared) {
			if (field === primaryKey || !(field in row)) continue;
			if (!valuesEqual(row[field], current[field], types[field])) {
				changes[field] = row[field];
				changed = true;
			}
		}
		if (changed) diff.toUpdate.push({ [primaryKey]: row[primaryKey], ...changes });
		else diff.unchanged++;
	}
	return diff;
}
