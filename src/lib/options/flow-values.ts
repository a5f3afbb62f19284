import { z } from 'zod';

/**
 * Flow options arrive either as the value the panel saved or as a string rendered from the Flow chain
 * (`{{$trigger.keys}}`, `{{$last.plan}}`): these schemas accept both forms.
 */

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

function isBlank(value: unknown): boolean {
	return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

export function flowBoolean(fallback: boolean) {
	return z.preprocess(
		(value) => {
			if (isBlank(value)) return fallback;
			if (typeof value === 'string') {
				const word = value.trim().toLowerCase();
				if (TRUE_WORDS.has(word)) return true;
				if (FALSE_WORDS.has(word)) return false;
			}
			return value;
		},
		z.boolean({ error: 'must be true or false' }),
	);
}

export function flowInteger(bounds: { min: number; max: number; fallback: number }) {
	return z.preprocess(
		(value) => {
			if (isBlank(value)) return bounds.fallback;
			if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
			return value;
		},
		z
			.number({ error: `must be a whole number from ${bounds.min} to ${bounds.max}` })
			.int({ error: `must be a whole number from ${bounds.min} to ${bounds.max}` })
			.min(bounds.min, { error: `must be at least ${bounds.min}` })
			.max(bounds.max, { error: `must be at most ${bounds.max}` }),
	);
}

/** A number within bounds (fractions allowed), given as a number or as text. */
export function flowNumber(bounds: { min: number; max: number; fallback: number }) {
	const message = `must be a number from ${bounds.min} to ${bounds.max}`;
	return z.preprocess(
		(value) => {
			if (isBlank(value)) return bounds.fallback;
			if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
			return value;
		},
		z.number({ error: message }).min(bounds.min, { error: message }).max(bounds.max, { error: message }),
	);
}

function parseJsonText(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/** A list of strings: an array, a JSON array, a comma-separated string, or one value. Blank = []. */
export function flowStringList() {
	return z.preprocess(
		(value) => {
			if (isBlank(value)) return [];
			if (typeof value === 'number') return [String(value)];
			if (typeof value === 'string') {
				const text = value.trim();
				if (text.startsWith('[')) return parseJsonText(text) ?? value;
				return text
					.split(',')
					.map((part) => part.trim())
					.filter((part) => part !== '');
			}
			if (Array.isArray(value)) return value.map((part) => (typeof part === 'number' ? String(part) : part));
			return value;
		},
		z.array(z.string({ error: 'must be a list of names' }).min(1), { error: 'must be a list of names' }),
	);
}

/** Primary keys: numbers or strings, as an array, a JSON array, a comma-separated string or one key. */
export function flowKeyList() {
	return z.preprocess(
		(value) => {
			if (isBlank(value)) return [];
			if (typeof value === 'number') return [value];
			if (typeof value === 'string') {
				const text = value.trim();
				if (text.startsWith('[')) return parseJsonText(text) ?? value;
				return text
					.split(',')
					.map((part) => part.trim())
					.filter((part) => part !== '');
			}
			return value;
		},
		z.array(z.union([z.string().min(1), z.number()]), { error: 'must be a list of primary keys' }),
	);
}

/** A JSON object given as an object or as JSON text; blank = undefined. */
export function flowJsonObject() {
	return z.preprocess(
		(value) => {
			if (isBlank(value)) return undefined;
			if (typeof value === 'string') {
				const parsed = parseJsonText(value.trim());
				return parsed === undefined ? Symbol.for('invalid-json') : parsed;
			}
			return value;
		},
		z
			.record(z.string(), z.unknown(), { error: 'must be a JSON object' })
			.optional(),
	);
}

/** Optional trimmed text; blank = undefined. */
export function flowText() {
	return z.preprocess((value) => (isBlank(value) ? undefined : value), z.string().trim().optional());
}

export function flowEnum<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
	return z.preprocess(
		(value) => (isBlank(value) ? fallback : typeof value === 'string' ? value.trim() : value),
		z.enum(values, { error: `must be one of: ${values.join(', ')}` }),
	);
}
