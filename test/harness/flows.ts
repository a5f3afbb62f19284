import type { DirectusInstance } from './instance.ts';

export interface OperationSpec {
	key: string;
	type: string;
	options?: Record<string, unknown>;
}

export interface FlowRun {
	/** The data the flow ended with: `$last` plus every operation's result under its key. */
	all: Record<string, any>;
	last: any;
	/** Whether the last operation resolved (false: the flow ended on a reject). */
	resolved: boolean;
}

/**
 * Creates a webhook Flow on `instance` whose operations run one after another (each on the previous
 * one's resolve), as a Flow builder would chain them, and returns a way to trigger and delete it.
 */
export async function createFlow(
	instance: DirectusInstance,
	operations: OperationSpec[],
	options: {
		name?: string;
		accountability?: 'all' | 'activity' | null;
		/** Another trigger than the default synchronous webhook (e.g. event or schedule). */
		trigger?: { type: string; options: Record<string, unknown> };
	} = {},
) {
	// Created inactive and activated once its operations are linked: a schedule trigger firing in
	// between would otherwise record a run of no operation.
	const flow = await instance.api<{ id: string }>('POST', '/flows', {
		name: options.name ?? `test ${operations.map((operation) => operation.type).join(' → ')}`,
		status: 'inactive',
		trigger: options.trigger?.type ?? 'webhook',
		accountability: options.accountability === undefined ? 'all' : options.accountability,
		options: options.trigger?.options ?? { method: 'POST', async: false, return: '$all' },
	});
	let next: string | null = null;
	for (const operation of [...operations].reverse()) {
		const created: { id: string } = await instance.api('POST', '/operations', {
			flow: flow.id,
			key: operation.key,
			name: operation.key,
			type: operation.type,
			position_x: 20,
			position_y: 1,
			options: operation.options ?? {},
			resolve: next,
		});
		next = created.id;
	}
	await instance.api('PATCH', `/flows/${flow.id}`, { operation: next, status: 'active' });

	return {
		id: flow.id,
		/** What each run of the flow ended with, newest first (from its revisions: accountability "all"). */
		async runs(): Promise<Record<string, any>[]> {
			const revisions = await instance.api<{ data: { data: Record<string, any>; steps?: unknown } | null }[]>(
				'GET',
				`/revisions?filter[collection][_eq]=directus_flows&filter[item][_eq]=${flow.id}&sort=-id&limit=-1&fields=data`,
			);
			// Saving the Flow itself (its creation, a status change) makes revisions too: those hold no run.
			return revisions.filter((revision) => revision.data && 'steps' in revision.data).map((revision) => revision.data!.data);
		},
		/**
		 * Calls the webhook as the source's admin (Authorization: Bearer), as an authenticated user or
		 * service would; `{ as: 'public' }` calls it without a token, as anyone who can reach it could.
		 */
		async trigger(body: Record<string, unknown> = {}, caller: { as?: 'admin' | 'public' } = {}): Promise<FlowRun> {
			const headers: Record<string, string> = { 'Content-Type': 'application/json' };
			if (caller.as !== 'public') headers['Authorization'] = `Bearer ${instance.token}`;
			const response = await fetch(`${instance.url}/flows/trigger/${flow.id}`, {
				method: 'POST',
				headers,
				body: JSON.stringify(body),
			});
			const text = await response.text();
			if (!response.ok) throw new Error(`trigger ${flow.id} → ${response.status}: ${text.slice(0, 1000)}`);
			const all = JSON.parse(text) as Record<string, any>;
			const last = all['$last'];
			// Our operations reject with `{ code, message, ... }` and resolve with reports that have no `code`.
			const resolved = !(last && typeof last === 'object' && typeof last.code === 'string');
			return { all, last, resolved };
		},
		async remove(): Promise<void> {
			await instance.api('DELETE', `/flows/${flow.id}`);
		},
	};
}

/** Runs `body` with a flow that is deleted afterwards (Directus Core allows 5 active flows). */
export async function withFlow<T>(
	instance: DirectusInstance,
	operations: OperationSpec[],
	body: (flow: Awaited<ReturnType<typeof createFlow>>) => Promise<T>,
	options?: Parameters<typeof createFlow>[2],
): Promise<T> {
	const flow = await createFlow(instance, operations, options);
	try {
		return await body(flow);
	} finally {
		await flow.remove();
	}
}
