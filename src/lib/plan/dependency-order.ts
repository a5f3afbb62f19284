import { linkTargets, type CollectionModel } from './collection-model.js';

export interface WriteOrder {
	/** Collections in the order their rows can be written: what a row links to is written before it. */
	order: string[];
	/**
	 * Links that close a cycle (a tree's parent field, or two collections pointing at each other):
	 * written in a second pass, once every row exists. Keyed by collection.
	 */
	deferred: Record<string, string[]>;
}

/**
 * Orders collections by their links within the selection (Tarjan's strongly connected components).
 * Inside a cycle, the links that point to the collection itself or to one written after it are
 * deferred; the schema is never weakened to make an order possible.
 */
export function planWriteOrder(models: CollectionModel[]): WriteOrder {
	const selected = new Map(models.map((model) => [model.collection, model]));
	const edges = new Map<string, Set<string>>();
	for (const model of models) {
		const targets = new Set<string>();
		for (const link of model.links) {
			for (const target of linkTargets(link)) if (selected.has(target)) targets.add(target);
		}
		edges.set(model.collection, targets);
	}

	const components = stronglyConnected([...selected.keys()].sort(), edges);
	const componentOf = new Map<string, number>();
	components.forEach((members, index) => members.forEach((member) => componentOf.set(member, index)));

	// Tarjan emits components with dependencies first: that is the write order.
	const order = components.flatMap((members) => [...members].sort());
	const position = new Map(order.map((collection, index) => [collection, index]));
	const deferred: Record<string, string[]> = {};
	for (const model of models) {
		const own = componentOf.get(model.collection);
		const ownPosition = position.get(model.collection)!;
		// Within a cycle, a link to a collection written earlier is safe; one to itself or later is deferred.
		const closesCycle = (target: string) =>
			selected.has(target) && componentOf.get(target) === own && position.get(target)! >= ownPosition;
		const cyclic = model.links.filter((link) => linkTargets(link).some(closesCycle)).map((link) => link.field);
		if (cyclic.length > 0) deferred[model.collection] = cyclic;
	}
	return { order, deferred };
}

function stronglyConnected(nodes: string[], edges: Map<string, Set<string>>): string[][] {
	let counter = 0;
	const index = new Map<string, number>();
	const low = new Map<string, number>();
	const stack: string[] = [];
	const onStack = new Set<string>();
	const components: string[][] = [];

	const visit = (node: string) => {
		index.set(node, counter);
		low.set(node, counter);
		counter++;
		stack.push(node);
		onStack.add(node);
		for (const next of [...(edges.get(node) ?? [])].sort()) {
			if (!index.has(next)) {
				visit(next);
				low.set(node, Math.min(low.get(node)!, low.get(next)!));
			} else if (onStack.has(next)) {
				low.set(node, Math.min(low.get(node)!, index.get(next)!));
			}
		}
		if (low.get(node) === index.get(node)) {
			const component: string[] = [];
			let member: string;
			do {
				member = stack.pop()!;
				onStack.delete(member);
				component.push(member);
			} while (member !== node);
			components.push(component);
		}
	};
	for (const node of nodes) if (!index.has(node)) visit(node);
	return components;
}
