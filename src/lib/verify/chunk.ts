import { createHash } from 'node:crypto';
import { canonicalRow, valuesEqual } from '../compare/normalize.js';
import type { Row } from '../items/diff-rows.js';

export interface DifferingRow {
	key: unknown;
	/** The compared fields whose values differ. */
	fields: string[];
}

export interface ChunkDifferences {
	/** Keys of source rows the destination lacks. */
	missing: unknown[];
	differing: DifferingRow[];
}

/** One row's compared fields as text: equal texts, equal rows. */
export type RowText = (row: Row, fields: readonly string[], types: Record<string, string>) => string;

/**
 * A checksum of rows as the comparison sees them: each row's compared fields as text (by default in
 * canonical form, the normalisation the upsert uses), rows in key order. Two sides holding equal data
 * have equal checksums however their databases spell the values.
 */
export function chunkChecksum(rows: Iterable<Row>, primaryKey: string, fields: readonly string[], types: Record<string, string>, text: RowText = canonicalRow): string {
	const texts = [...rows].map((row) => [String(row[primaryKey]), text(row, fields, types)] as const);
	texts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	const hash = createHash('sha256');
	for (const [, rowText] of texts) hash.update(rowText).update('\n');
	return hash.digest('hex');
}

/** One row's checksum (its compared fields as text): what the drill-down through the receiver compares. */
export function rowChecksum(row: Row, fields: readonly string[], types: Record<string, string>, text: RowText = canonicalRow): string {
	return createHash('sha256').update(text(row, fields, types)).digest('hex').slice(0, 32);
}

/** What the receiver answers for a chunk: its checksum over the rows it has, and per row when the caller's differs. */
export interface ChunkChecksums {
	checksum: string;
	rows: number;
	/** key → row checksum; only when the chunk's checksum differed from the caller's. */
	rowChecksums: Record<string, string> | null;
}

/**
 * The destination side of a chunk comparison (run by the receiver): the same checksum as the
 * source's, and, when it differs from the source's, one checksum per row (none when the caller did
 * not say its own: it compares and asks again). Pure.
 */
export function checksumsOf(rows: Row[], primaryKey: string, fields: readonly string[], types: Record<string, string>, callerChecksum: string | undefined, text: RowText = canonicalRow): ChunkChecksums {
	const checksum = chunkChecksum(rows, primaryKey, fields, types, text);
	if (callerChecksum === undefined || checksum === callerChecksum) return { checksum, rows: rows.length, rowChecksums: null };
	return { checksum, rows: rows.length, rowChecksums: Object.fromEntries(rows.map((row) => [String(row[primaryKey]), rowChecksum(row, fields, types, text)])) };
}

/**
 * Compares one chunk of source rows with the destination rows of the same keys, both in hand: row by
 * row, field by field, with the one comparison of values (a checksum of rows already held would only
 * add work; checksums are for rows the other side holds). Lists the missing keys and, for each
 * differing row, its differing fields. Pure.
 */
export function compareChunk(
	source: Row[],
	destination: Map<string, Row>,
	primaryKey: string,
	fields: readonly string[],
	types: Record<string, string>,
): ChunkDifferences {
	const differences: ChunkDifferences = { missing: [], differing: [] };
	for (const row of source) {
		const current = destination.get(String(row[primaryKey]));
		if (!current) {
			differences.missing.push(row[primaryKey]);
			continue;
		}
		const differing = differingFields(row, current, fields, types);
		if (differing.length > 0) differences.differing.push({ key: row[primaryKey], fields: differing });
	}
	return differences;
}

export function differingFields(wanted: Row, current: Row, fields: readonly string[], types: Record<string, string>): string[] {
	return fields.filter((field) => !valuesEqual(wanted[field], current[field], types[field]));
}

/** Keys of a destination page that the source (in scope) does not have. */
export function extraKeys(destinationKeys: unknown[], onSource: Set<string>): unknown[] {
	return destinationKeys.filter((key) => !onSource.has(String(key)));
}
