import { z } from 'zod';
import { invalidOptions } from '../errors.js';

/**
 * Parses raw Flow options; on failure one INVALID_OPTIONS error names every bad option. An option
 * name the schema does not know (a typo in a Flow created over the API) is refused by name rather
 * than silently ignored: the app saves exactly the panel's fields, which are the schema's keys.
 */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
	const strict = schema instanceof z.ZodObject ? schema.strict() : schema;
	const result = strict.safeParse(raw ?? {});
	if (result.success) return result.data as z.output<S>;
	const problems = result.error.issues.flatMap((issue) => {
		const at = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
		if (issue.code === 'unrecognized_keys') {
			return issue.keys.map((key) => ({ option: `${at}${key}`, problem: 'is not an option of this operation (misspelt?)' }));
		}
		const option = issue.path.length > 0 ? issue.path.join('.') : 'options';
		return [{ option, problem: issue.message }];
	});
	throw invalidOptions(problems);
}
