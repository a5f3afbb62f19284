import type { DirectusInstance } from './instance.ts';

export interface CanvasOperation {
	key: string;
	name: string;
	type: string;
	options: Record<string, unknown>;
}

/** Grid units between two cards (a card is 14 units wide and tall) and cards per row, trigger included. */
const STEP = 19;
const PER_ROW = 3;

/** Where the admin app draws the n-th card (0: the trigger), rows of PER_ROW, in grid units. */
export function cardPosition(index: number): { position_x: number; position_y: number } {
	return { position_x: 1 + STEP * (index % PER_ROW), position_y: 1 + STEP * Math.floor(index / PER_ROW) };
}

/**
 * A webhook Flow whose operations are laid out on the canvas as a Flow builder would place them
 * (rows of cards, each on the previous one's resolve). Returns the flow id and each operation's id by key.
 */
export async function createCanvasFlow(
	instance: DirectusInstance,
	name: string,
	operations: CanvasOperation[],
	status: 'active' | 'inactive' = 'active',
): Promise<{ id: string; operationIds: Map<string, string> }> {
	const flow = await instance.api<{ id: string }>('POST', '/flows', {
		name,
		icon: 'move_up',
		status,
		trigger: 'webhook',
		accountability: 'all',
		options: { method: 'POST', async: false },
	});
	const operationIds = new Map<string, string>();
	let next: string | null = null;
	for (const [index, operation] of [...operations.entries()].reverse()) {
		const created: { id: string } = await instance.api('POST', '/operations', {
			flow: flow.id,
			...operation,
			...cardPosition(index + 1),
			resolve: next,
		});
		operationIds.set(operation.key, created.id);
		next = created.id;
	}
	if (next) await instance.api('PATCH', `/flows/${flow.id}`, { operation: next });
	return { id: flow.id, operationIds };
}

/** Deletes the flows (and with them their operations); missing ones are fine. */
export async function deleteFlows(instance: DirectusInstance, ids: string[]): Promise<void> {
	for (const id of ids) {
		await instance.api('DELETE', `/flows/${id}`).catch(() => undefined);
	}
}
