import type { Snapshot } from '@directus/types';

/**
 * A schema crossing database vendors (with `force`): what the snapshot carries that the other vendor
 * spells differently is not a difference, and what it cannot take as it is gets converted, each
 * conversion named in the report. Pure: the facts about the source's data are gathered beforehand.
 */

/** One field carried in another form than the source's, and why. */
export interface VendorConversion {
	collection: string;
	field: string;
	from: string;
	to: string;
	reason: string;
}

/** The largest and smallest non-zero magnitudes a float column holds (null when it holds none). */
export interface FloatRange {
	collection: string;
	field: string;
	largest: number | null;
	smallest: number | null;
}

/** The widest decimal MySQL/MariaDB take (PostgreSQL takes wider): a conversion stays within it. */
const MAX_PRECISION = 65;
const MAX_SCALE = 30;
/** A double has at most 17 significant digits. */
const DOUBLE_DIGITS = 17;

export function vendorsDiffer(source: string | null | undefined, destination: string | null | undefined): boolean {
	return !!source && !!destination && source !== destination;
}

/** The float fields of a snapshot (the facts `convertSnapshot` needs from a SQLite source). */
export function floatFields(snapshot: Pick<Snapshot, 'fields'>): { collection: string; field: string }[] {
	return snapshot.fields.filter((entry) => entry.type === 'float' && entry.schema).map((entry) => ({ collection: entry.collection, field: entry.field }));
}

/**
 * The decimal that holds every value of a SQLite float column as the double it is: enough integer
 * digits for the largest, enough decimals for the 17 significant digits of the smallest.
 */
export function decimalForDoubles(range: Pick<FloatRange, 'largest' | 'smallest'>): { precision: number; scale: number } | null {
	const largest = Math.abs(range.largest ?? 0);
	const smallest = Math.abs(range.smallest ?? 0);
	const integerDigits = largest >= 1 ? Math.floor(Math.log10(largest)) + 1 : 1;
	const leading = smallest > 0 ? Math.floor(Math.log10(smallest)) : 0;
	let scale = Math.min(MAX_SCALE, Math.max(0, DOUBLE_DIGITS - 1 - leading));
	if (range.largest === null) scale = 10;
	if (integerDigits > MAX_PRECISION) return null;
	scale = Math.min(scale, MAX_PRECISION - integerDigits);
	return { precision: integerDigits + scale, scale };
}

/**
 * The source snapshot as the destination's vendor takes it, and the conversions made. SQLite stores
 * every float and decimal field as an 8-byte double and its snapshot says `float` without precision;
 * Directus would create that `float` as `real` on PostgreSQL (6 significant digits) and `float(10,5)`
 * on MySQL/MariaDB: it is converted to a decimal wide enough for every value the source holds. Where
 * the destination already has the field as a wider decimal, that one is kept.
 */
export function convertSnapshot(
	source: Snapshot,
	destination: Pick<Snapshot, 'vendor' | 'fields'>,
	floats: FloatRange[],
): { snapshot: Snapshot; conversions: VendorConversion[]; refused: VendorConversion[] } {
	const conversions: VendorConversion[] = [];
	const refused: VendorConversion[] = [];
	if (!vendorsDiffer(source.vendor, destination.vendor) || source.vendor !== 'sqlite') return { snapshot: source, conversions, refused };
	const existing = new Map(destination.fields.map((entry) => [`${entry.collection}.${entry.field}`, entry]));
	const ranges = new Map(floats.map((range) => [`${range.collection}.${range.field}`, range]));
	const fields = source.fields.map((entry) => {
		const range = ranges.get(`${entry.collection}.${entry.field}`);
		if (entry.type !== 'float' || !entry.schema || !range) return entry;
		const needed = decimalForDoubles(range);
		const from = 'float (SQLite: an 8-byte double)';
		if (!needed) {
			refused.push({ ...names(entry), from, to: 'decimal', reason: `a value of ${range.largest} needs more than ${MAX_PRECISION} digits` });
			return entry;
		}
		const current = existing.get(`${entry.collection}.${entry.field}`);
		let { precision, scale } = needed;
		if (current?.type === 'decimal' && current.schema) {
			const currentScale = current.schema.numeric_scale ?? 0;
			const currentIntegers = (current.schema.numeric_precision ?? 0) - currentScale;
			scale = Math.max(scale, currentScale);
			precision = Math.max(precision - needed.scale, currentIntegers) + scale;
		}
		conversions.push({
			...names(entry),
			from,
			to: `decimal(${precision}, ${scale})`,
			reason: `Directus creates a float as ${destination.vendor === 'postgres' ? 'real (6 significant digits)' : 'float(10, 5)'} on ${destination.vendor}; this decimal holds every value the source has`,
		});
		return { ...entry, type: 'decimal', schema: { ...entry.schema, data_type: 'decimal', numeric_precision: precision, numeric_scale: scale } };
	});
	return { snapshot: { ...source, vendor: destination.vendor ?? source.vendor, fields } as Snapshot, conversions, refused };
}

function names(entry: { collection: string; field: string }): { collection: string; field: string } {
	return { collection: entry.collection, field: entry.field };
}

interface Change {
	kind: string;
	path?: unknown[];
	lhs?: unknown;
	rhs?: unknown;
}

const CURRENT_TIME = new Set(['now()', 'current_timestamp', 'current_timestamp()', 'localtimestamp']);

/** Two default values that mean the same thing however the vendor writes them. */
function sameDefault(a: unknown, b: unknown): boolean {
	const text = (value: unknown) => (value === null || value === undefined ? null : String(value).toLowerCase().replace(/^'(.*)'$/, '$1'));
	const left = text(a);
	const right = text(b);
	if (left === right) return true;
	if (left !== null && right !== null && CURRENT_TIME.has(left) && CURRENT_TIME.has(right)) return true;
	const truth = (value: string | null) => (value === '1' || value === 'true' ? 'true' : value === '0' || value === 'false' ? 'false' : value);
	return truth(left) === truth(right);
}

/**
 * Whether a field change in a diff across vendors is only how the destination's vendor spells the
 * same field: column type names, the bit widths it reports for integers and floats, lengths of
 * non-string columns (a uuid is char(36) on one, uuid on another, and Directus reads such a char(36)
 * back as a string on MySQL), indexes it adds to foreign keys by itself, defaults written another way.
 */
export function isVendorSpelling(change: Change, type: string | undefined): boolean {
	// Directus on MySQL/MariaDB stores a uuid field without the `uuid` special as char(36) and reads it back as a string.
	if (change.kind === 'E' && change.path?.length === 1 && change.path[0] === 'type') {
		const types = new Set([change.lhs, change.rhs]);
		return types.size === 2 && types.has('uuid') && types.has('string');
	}
	if (change.kind !== 'E' || change.path?.length !== 2 || change.path[0] !== 'schema') return false;
	switch (change.path[1]) {
		case 'data_type':
			return true;
		case 'numeric_precision':
		case 'numeric_scale':
			return type !== 'decimal';
		case 'max_length':
			return type !== 'string';
		case 'is_indexed':
			// MySQL and MariaDB index every foreign key column by themselves.
			return change.lhs === true && change.rhs === false;
		case 'default_value':
			return sameDefault(change.lhs, change.rhs);
		default:
			return false;
	}
}

/** Whether a relation change across vendors is only its spelling (the name a vendor gives a constraint). */
export function isRelationSpelling(change: Change): boolean {
	return change.kind === 'E' && change.path?.length === 2 && change.path[0] === 'schema' && change.path[1] === 'constraint_name';
}
