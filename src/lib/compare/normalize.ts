/**
 * The one comparison of values in this bundle, shared by the item differ (upsert), the system-row
 * differ and verify, so that they can never disagree about whether two values are equal.
 *
 * Each value is brought into one exact, JSON-safe form per Directus type: the two sides may spell a
 * value differently (a decimal as "1.50" or 1.5, a boolean as 1, JSON keys in another order, a
 * timestamp with or without milliseconds) but no two different values share a form. Nothing goes
 * through a double where the type holds more: integers and decimals are compared as decimal text.
 */

/** A value in its canonical form: null, a boolean, a number, a string, or arrays/objects of these. */
export type Canonical = null | boolean | number | string | Canonical[] | { [key: string]: Canonical };

export function normalizeValue(type: string | undefined, value: unknown): Canonical {
	if (value === null || value === undefined) return null;
	switch (type) {
		case 'integer':
		case 'bigInteger':
			return canonicalInteger(value) ?? canonicalDecimal(value) ?? raw(value);
		case 'decimal':
			return canonicalDecimal(value) ?? raw(value);
		case 'float':
			return canonicalFloat(value) ?? raw(value);
		case 'boolean':
			return canonicalBoolean(value) ?? raw(value);
		case 'date':
			return canonicalDate(value) ?? raw(value);
		case 'time':
			return canonicalTime(value) ?? raw(value);
		case 'dateTime':
		case 'timestamp':
			return canonicalInstant(value) ?? raw(value);
		case 'json':
			return raw(parseIfJsonText(value));
		case 'csv':
			return canonicalCsv(value);
		case 'uuid':
			return typeof value === 'string' ? value.toLowerCase() : raw(value);
		case undefined:
			return canonicalUntyped(value);
		default:
			if (type.startsWith('geometry')) return raw(parseIfJsonText(value));
			return raw(value);
	}
}

export function valuesEqual(a: unknown, b: unknown, type?: string): boolean {
	if (a === b) return true;
	return canonicalEqual(normalizeValue(type, a), normalizeValue(type, b));
}

/**
 * Whether two canonical values are equal: exactly when their canonical texts are, without building
 * them (object keys in any order, arrays in order, a missing key unlike a null one).
 */
export function canonicalEqual(a: Canonical, b: Canonical): boolean {
	if (a === b) return true;
	if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
	if (Array.isArray(a) || Array.isArray(b)) {
		if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
		for (let index = 0; index < a.length; index++) if (!canonicalEqual(a[index]!, b[index]!)) return false;
		return true;
	}
	const keys = Object.keys(a);
	if (keys.length !== Object.keys(b).length) return false;
	for (const key of keys) if (!Object.hasOwn(b, key) || !canonicalEqual(a[key]!, b[key]!)) return false;
	return true;
}

/** JSON text with object keys sorted (arrays keep their order): equal canonical values, equal text. */
export function canonicalText(value: Canonical): string {
	if (value === null || typeof value !== 'object') return JSON.stringify(value);
	if (Array.isArray(value)) return `[${value.map(canonicalText).join(',')}]`;
	const keys = Object.keys(value).sort();
	return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalText(value[key]!)}`).join(',')}}`;
}

/** One row's `fields`, in that order, as canonical text: the unit a checksum is made of. */
export function canonicalRow(row: Record<string, unknown>, fields: readonly string[], types: Record<string, string>): string {
	let text = '[';
	for (let index = 0; index < fields.length; index++) {
		if (index > 0) text += ',';
		text += canonicalValueText(types[fields[index]!], row[fields[index]!]);
	}
	return text + ']';
}

/**
 * `canonicalText(normalizeValue(type, value))`, the same text, without building the canonical value
 * first: checksums canonicalise every row of both sides, so the values databases return in the form
 * they already have (an integer, a plain string, a canonical decimal, a JSON document) are written
 * straight out; anything else takes the general path. A unit test holds the two to the same text.
 */
export function canonicalValueText(type: string | undefined, value: unknown): string {
	if (value === null || value === undefined) return 'null';
	switch (type) {
		case 'integer':
		case 'bigInteger':
			if (typeof value === 'number' && Number.isSafeInteger(value)) return `"${value}"`;
			if (typeof value === 'string' && CANONICAL_INTEGER.test(value)) return `"${value}"`;
			break;
		case 'decimal':
			if (typeof value === 'string' && CANONICAL_DECIMAL.test(value)) return `"${value}"`;
			break;
		case 'boolean':
			if (typeof value === 'boolean') return value ? 'true' : 'false';
			if (value === 1 || value === 0) return value === 1 ? 'true' : 'false';
			break;
		case 'json':
			if (typeof value === 'object') return plainJsonText(value) ?? canonicalText(normalizeValue(type, value));
			break;
		case 'string':
		case 'text':
			if (typeof value === 'string') return JSON.stringify(value);
			break;
		case 'timestamp':
		case 'dateTime':
			if (typeof value === 'string' && isCanonicalInstant(value)) return `"${value}"`;
			break;
	}
	return canonicalText(normalizeValue(type, value));
}

/** An instant already in its canonical spelling (what Date#toISOString writes): UTC, with milliseconds. */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/;

/** Whether `text` is a real instant in that spelling (a day the month has, hours and minutes in range), read without a Date. */
function isCanonicalInstant(text: string): boolean {
	const match = ISO_INSTANT.exec(text);
	if (!match) return false;
	const year = Number(match[1]);
	const month = Number(match[2]);
	const day = Number(match[3]);
	if (month < 1 || month > 12 || day < 1 || Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6]) > 59) return false;
	const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
	const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
	return day <= days;
}

/** Integer text in its canonical spelling (no sign but a minus, no leading zero, no "-0"). */
const CANONICAL_INTEGER = /^(?:0|-?[1-9]\d*)$/;
/** Decimal text in canonical spelling: the same, with a fraction that does not end in 0. */
const CANONICAL_DECIMAL = /^(?:0|-?[1-9]\d*|-?(?:0|[1-9]\d*)\.\d*[1-9])$/;

/**
 * A JSON document made only of null, booleans, finite numbers, strings, arrays and plain objects, as
 * canonical text (keys sorted, undefined members left out of objects and null in arrays, as `raw`
 * does); null for anything else (a Date, a Buffer, a bigint...), which takes the general path.
 */
function plainJsonText(value: unknown): string | null {
	if (value === null) return 'null';
	switch (typeof value) {
		case 'string':
			return JSON.stringify(value);
		case 'boolean':
			return value ? 'true' : 'false';
		case 'number':
			return Number.isFinite(value) ? JSON.stringify(value) : null;
		case 'object':
			break;
		default:
			return null;
	}
	if (Array.isArray(value)) {
		let text = '[';
		for (let index = 0; index < value.length; index++) {
			const member = value[index] === undefined ? 'null' : plainJsonText(value[index]);
			if (member === null) return null;
			text += index > 0 ? `,${member}` : member;
		}
		return text + ']';
	}
	const prototype = Object.getPrototypeOf(value);
	if (prototype !== Object.prototype && prototype !== null) return null;
	const object = value as Record<string, unknown>;
	const keys = Object.keys(object).sort();
	let text = '{';
	let first = true;
	for (const key of keys) {
		if (object[key] === undefined) continue;
		const member = plainJsonText(object[key]);
		if (member === null) return null;
		text += `${first ? '' : ','}${JSON.stringify(key)}:${member}`;
		first = false;
	}
	return text + '}';
}

/** Any JSON-like value with nested values as they are (no coercion inside JSON documents). */
function raw(value: unknown): Canonical {
	if (value === null || value === undefined) return null;
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
	if (typeof value === 'bigint') return value.toString();
	if (Array.isArray(value)) return value.map((member) => (member === undefined ? null : raw(member)));
	if (typeof value === 'object') {
		if (Buffer.isBuffer(value)) return value.toString('base64');
		const object: Record<string, Canonical> = {};
		for (const [key, member] of Object.entries(value)) if (member !== undefined) object[key] = raw(member);
		return object;
	}
	if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
	return value as Canonical;
}

const INTEGER_TEXT = /^[+-]?\d+$/;
function canonicalInteger(value: unknown): string | null {
	if (typeof value === 'bigint') return value.toString();
	if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value).toString();
	if (typeof value === 'string' && INTEGER_TEXT.test(value.trim())) return BigInt(value.trim()).toString();
	return null;
}

const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;
/** A decimal as text without a float: no leading zeros, no trailing zeros after the point, no "-0". */
export function canonicalDecimal(value: unknown): string | null {
	let text: string;
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) return null;
		text = String(value);
	} else if (typeof value === 'bigint') {
		text = value.toString();
	} else if (typeof value === 'string') {
		text = value.trim();
	} else {
		return null;
	}
	const match = DECIMAL_TEXT.exec(text);
	if (!match || (match[2] === '' && (match[3] ?? '') === '')) return null;
	const negative = match[1] === '-';
	let digits = `${match[2]}${match[3] ?? ''}`;
	let point = match[2]!.length + Number(match[4] ?? 0);
	if (point < 0) {
		digits = '0'.repeat(-point) + digits;
		point = 0;
	}
	if (point > digits.length) digits += '0'.repeat(point - digits.length);
	const whole = digits.slice(0, point).replace(/^0+/, '') || '0';
	const fraction = digits.slice(point).replace(/0+$/, '');
	const magnitude = fraction ? `${whole}.${fraction}` : whole;
	return negative && magnitude !== '0' ? `-${magnitude}` : magnitude;
}

function canonicalFloat(value: unknown): number | null {
	if (typeof value === 'number') return Number.isFinite(value) ? value : null;
	if (typeof value === 'string' && value.trim() !== '' && DECIMAL_TEXT.test(value.trim())) {
		const number = Number(value.trim());
		return Number.isFinite(number) ? number : null;
	}
	return null;
}

function canonicalBoolean(value: unknown): boolean | null {
	if (value === true || value === 1 || value === '1' || value === 'true') return true;
	if (value === false || value === 0 || value === '0' || value === 'false') return false;
	return null;
}

const DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$/;
function canonicalDate(value: unknown): string | null {
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString().slice(0, 10);
	if (typeof value !== 'string') return null;
	return DATE.exec(value.trim())?.[1] ?? null;
}

const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;
function canonicalTime(value: unknown): string | null {
	if (typeof value !== 'string') return null;
	const match = TIME.exec(value.trim());
	if (!match) return null;
	const fraction = (match[4] ?? '').replace(/0+$/, '');
	return `${match[1]}:${match[2]}:${match[3] ?? '00'}${fraction ? `.${fraction}` : ''}`;
}

/** Date-times with or without milliseconds, with Z, an offset or no zone (read as UTC), as ISO text in UTC. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
function canonicalInstant(value: unknown): string | null {
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
	if (typeof value !== 'string') return null;
	const text = value.trim();
	if (!DATE_TIME.test(text)) return null;
	const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
	const time = Date.parse(hasZone ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`);
	return Number.isNaN(time) ? null : new Date(time).toISOString();
}

function canonicalCsv(value: unknown): Canonical {
	if (Array.isArray(value)) return value.map((member) => (member === null || member === undefined ? null : String(member)));
	if (typeof value === 'string') return value === '' ? [] : value.split(',');
	return raw(value);
}

/**
 * No type known (system rows): one database returns a number where another returns its text, so a
 * number equals a string only when the string is that number's canonical spelling ('1' = 1, '1.0' ≠ 1).
 */
function canonicalUntyped(value: unknown): Canonical {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (typeof value === 'bigint') return value.toString();
	return raw(value);
}

function parseIfJsonText(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	try {
		return JSON.parse(value);
	} catch {
		return value;
	}
}
