import type { z } from 'zod';
import { invalidOptions } from '../errors.js';

/** Parses raw Flow options; on failure one INVALID_OPTIONS error names every bad option. */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
	const result = schema.safeParse(raw ?? {});
	if (result.success) return result.data;
	const problems = result.error.issues.map((issue) => {
		const option = issue.path.length > 0 ? issue.path.join('.') : 'options';
		return { option, problem: issue.message };
	});
	throw invalidOptions(problems);
}
