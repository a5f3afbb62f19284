import { z } from 'zod';
import { flowBoolean } from './flow-values.js';

/** In a `notify` list: the user who started the run. */
export const STARTER = '$trigger';
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', '']);

/**
 * What a writing run does when it ends, besides its record. `artifacts`: save its counts, the files it
 * created and the schema it applied as files of the Migrations folder (never from a dry run).
 * `notify`: who gets a Directus notification when the run ends. `true` is the user who started it
 * (a manual Flow, an authenticated webhook); a list names users by id (`$trigger` among them stands
 * for the starter); `false` or empty: nobody.
 */
export const runShape = {
	artifacts: flowBoolean(false),
	notify: z.preprocess(
		(value) => {
			if (value === undefined || value === null || value === false) return [];
			if (value === true) return [STARTER];
			if (typeof value === 'string') {
				const text = value.trim();
				if (TRUE_WORDS.has(text.toLowerCase())) return [STARTER];
				if (FALSE_WORDS.has(text.toLowerCase())) return [];
				if (text.startsWith('[')) {
					try {
						return JSON.parse(text) as unknown;
					} catch {
						return value;
					}
				}
				return text.split(',').map((part) => part.trim()).filter(Boolean);
			}
			return value;
		},
		z.array(z.string().min(1), { error: 'must be true, false, or a list of user ids' }),
	),
};
