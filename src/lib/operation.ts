import { defineOperationApi } from '@directus/extensions-sdk';
import type { OperationContext } from '@directus/types';
import type { z } from 'zod';
import { isMigrationError, MigrationError, toMigrationError } from './errors.js';
import { parseOptions } from './options/parse.js';
import { assertTriggerAllowed } from './options/trigger.js';
import { notifyRunEnd } from './runs/notify.js';
import { RunRecorder } from './runs/recorder.js';

export type MigrationContext = OperationContext;

/** A rejection prepared by an operation itself (e.g. an incompatible check with its full report). */
export class Rejection {
	readonly payload: Record<string, unknown> & { code: string; message: string };

	constructor(payload: Record<string, unknown> & { code: string; message: string }) {
		this.payload = payload;
	}
}

interface RunTools {
	/** Strings that must appear nowhere in a result or rejection (the destination token). */
	secrets: string[];
	/** The run's record: a writing run calls `run.begin(...)`; the outcome is recorded here, at the boundary. */
	run: RunRecorder;
}

/**
 * Defines a Flow operation the way every operation here works: parse options with the operation's zod
 * schema, run, and on failure throw plain JSON `{ code, message, status?, details? }` so the Flow's
 * reject path keeps its structure. Any secret the run registered is scrubbed from what leaves.
 * A run started without authentication is refused before it starts, unless `allowPublicTrigger` is on.
 */
export function defineMigrationOperation<S extends z.ZodType<{ allowPublicTrigger: boolean }>>(
	id: string,
	schema: S,
	run: (options: z.output<S>, context: MigrationContext, tools: RunTools) => Promise<object>,
) {
	return defineOperationApi<Record<string, unknown>>({
		id,
		handler: async (rawOptions, context) => {
			const tools: RunTools = { secrets: [], run: new RunRecorder(id, context) };
			let notify: string[] = [];
			try {
				const options = parseOptions(schema, rawOptions);
				notify = (options as { notify?: string[] }).notify ?? [];
				tools.run.keepArtifacts = (options as { artifacts?: boolean }).artifacts === true;
				assertTriggerAllowed(context.accountability, options.allowPublicTrigger);
				const result = withRunId(scrub(await run(options, context, tools), tools.secrets) as Record<string, unknown>, tools.run);
				await tools.run.finish('succeeded', result);
				await notifyRunEnd(context, notify, { operation: id, succeeded: true, report: result, runId: tools.run.runId });
				return result;
			} catch (error) {
				const rejection = withRunId(scrub(rejectionFor(id, error, context), tools.secrets), tools.run);
				await tools.run.finish('failed', rejection);
				await notifyRunEnd(context, notify, { operation: id, succeeded: false, report: rejection, runId: tools.run.runId });
				throw rejection;
			}
		},
	});
}

/** A writing run's result names its record (`runId`), for migration-rollback and the runs endpoint. */
function withRunId<T extends object>(result: T, recorder: RunRecorder): T {
	return recorder.runId === null ? result : { ...result, runId: recorder.runId };
}

function rejectionFor(operation: string, error: unknown, context: MigrationContext): Record<string, unknown> {
	if (error instanceof Rejection) {
		if (error.payload.code === 'INTERNAL') context.logger.error(`[${operation}] internal error: ${error.payload.message}`);
		return { operation, ...error.payload };
	}
	const failure: MigrationError = toMigrationError(error);
	if (!isMigrationError(error) || failure.code === 'INTERNAL') {
		const cause = (failure.cause ?? error) as Error | undefined;
		context.logger.error(`[${operation}] unexpected failure: ${failure.message}${cause?.stack ? `\n${cause.stack}` : ''}`);
	}
	return { operation, ...failure.toJSON() };
}

/** Replaces every registered secret in a JSON value; a result never carries the token, even by accident. */
export function scrub<T>(value: T, secrets: string[]): T {
	const present = secrets.filter((secret) => secret.length >= 4);
	if (present.length === 0) return value;
	const json = JSON.stringify(value);
	if (json === undefined || !present.some((secret) => json.includes(secret))) return value;
	let cleaned = json;
	for (const secret of present) cleaned = cleaned.split(secret).join('[redacted]');
	return JSON.parse(cleaned) as T;
}
