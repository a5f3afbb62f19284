/**
 * Whether a source value and a destination value are the same data, given the field's Directus type.
 * The two sides may spell one value differently (a decimal as "1.50" or 1.5, a boolean as 1, JSON keys
 * in another order, a timestamp with or without milliseconds); a plain === would rewrite unchanged
 * rows forever. Text is compared exactly: "1.0" and "1" are different strings.
 */
export function valuesEqual(a: unknown, b: unknown, type?: string): boolean {
	if (a === b) return true;
	if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);

	switch (type) {
		case 'integer':
		case 'bigInteger':
		case 'float':
		case 'decimal':
			return isNumeric(a) && isNumeric(b) && Number(a) === Number(b);
		case 'boolean':
			return toBoolean(a) === toBoolean(b);
		case 'timestamp':
		case 'dateTime': {
			const timeA = timestampOf(a);
			return timeA !== null && timeA === timestampOf(b);
		}
		case 'json':
		case 'csv':
			return deepEqual(parseIfText(a), parseIfText(b));
		case undefined:
			// No type known (system rows): numbers may come as numeric strings from one database.
			return (isNumeric(a) && isNumeric(b) && Number(a) === Number(b)) || deepEqual(a, b);
		default:
			return typeof a === 'object' && typeof b === 'object' && deepEqual(a, b);
	}
}

function deepEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
	if (Array.isArray(a) || Array.isArray(b)) {
		if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
		return a.every((value, index) => deepEqual(value, b[index]));
	}
	if (typeof a === 'object' && typeof b === 'object') {
		const objectA = a as Record<string, unknown>;
		const objectB = b as Record<string, unknown>;
		const keys = new Set([...Object.keys(objectA), ...Object.keys(objectB)]);
		for (const key of keys) if (!deepEqual(objectA[key], objectB[key])) return false;
		return true;
	}
	if (typeof a === 'number' && typeof b === 'number') return a === b;
	return false;
}

const NUMERIC = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;
function isNumeric(value: unknown): boolean {
	return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && NUMERIC.test(value.trim()));
}

function toBoolean(value: unknown): unknown {
	if (value === 1 || value === '1' || value === 'true') return true;
	if (value === 0 || value === '0' || value === 'false') return false;
	return value;
}

/** Date-times with or without milliseconds, with Z, an offset or no zone (read as UTC). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
function timestampOf(value: unknown): number | null {
	if (value instanceof Date) return value.getTime();
	if (typeof value !== 'string') return null;
	const text = value;
	if (!DATE_TIME.test(text)) return null;
	const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
	const time = Date.parse(hasZone ? text : `${text.replace(' ', 'T')}Z`);
	return Number.isNaN(time) ? null : time;
}

function parseIfText(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	try {
		return JSON.parse(value);
	} catch {
		return value;
	}
}
