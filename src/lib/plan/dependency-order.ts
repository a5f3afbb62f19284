import { linkTargets, type CollectionModel, type Link } from './collection-model.js';

/** A link between two collections of the selection: `collection.field` points at `related`. */
export interface CycleLink {
	collection: string;
	field: string;
	related: string;
}

export interface WriteOrder {
	/** Collections in the order their rows can be written: what a row links to is written before it. */
	order: string[];
	/**
	 * Links that close a cycle (a tree's parent field, or two collections pointing at each other):
	 * written in a second pass, once every row exists. Always nullable links, as few as possible. Keyed by collection.
	 */
	deferred: Record<string, string[]>;
	/**
	 * Cycles no order can write: made only of required (NOT NULL) links, so none of them can wait for a
	 * second pass. Each entry lists the links of one such cycle. Empty when every cycle can be broken.
	 */
	requiredCycles: CycleLink[][];
}

/** Beyond this many nullable links in one cycle, a greedy choice replaces the exhaustive search. */
const EXHAUSTIVE_LIMIT = 12;

interface Candidate {
	collection: string;
	link: Link;
	/** The members of the cycle this link points at. */
	targets: string[];
}

/**
 * Orders collections by their links within the selection (Tarjan's strongly connected components).
 * Inside a cycle, the fewest nullable links whose deferral leaves no cycle are written in a second
 * pass (a required link is never deferred: its rows could not be created without it); the schema is
 * never weakened to make an order possible. A cycle of required links only is reported, not broken.
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

	const order: string[] = [];
	const deferred: Record<string, string[]> = {};
	const requiredCycles: CycleLink[][] = [];
	// Tarjan emits components with dependencies first: that is the order between components.
	for (const members of stronglyConnected([...selected.keys()].sort(), edges)) {
		const inside = new Set(members);
		const candidates: Candidate[] = [];
		for (const member of [...members].sort()) {
			for (const link of selected.get(member)!.links) {
				const targets = linkTargets(link).filter((target) => inside.has(target));
				if (targets.length > 0) candidates.push({ collection: member, link, targets });
			}
		}
		const broken = breakCycles(members, candidates);
		order.push(...broken.order);
		for (const candidate of broken.deferred) (deferred[candidate.collection] ??= []).push(candidate.link.field);
		requiredCycles.push(...broken.requiredCycles);
	}
	return { order, deferred, requiredCycles };
}

/** Picks the links of one component to defer, and the order of its members once they are deferred. */
function breakCycles(
	members: string[],
	candidates: Candidate[],
): { order: string[]; deferred: Candidate[]; requiredCycles: CycleLink[][] } {
	const nullable = candidates.filter((candidate) => candidate.link.nullable);
	const orderWithout = (skipped: Set<Candidate>) =>
		topologicalOrder(
			members,
			candidates.filter((candidate) => !skipped.has(candidate)),
		);

	if (nullable.length <= EXHAUSTIVE_LIMIT) {
		for (let size = 0; size <= nullable.length; size++) {
			for (const chosen of combinations(nullable, size)) {
				const skipped = new Set(chosen);
				const order = orderWithout(skipped);
				if (order) return { order, deferred: chosen, requiredCycles: [] };
			}
		}
	} else {
		// Defer every nullable link, then keep each one whose return makes no cycle.
		const skipped = new Set(nullable);
		if (orderWithout(skipped)) {
			for (const candidate of nullable) {
				skipped.delete(candidate);
				if (!orderWithout(skipped)) skipped.add(candidate);
			}
			return { order: orderWithout(skipped)!, deferred: nullable.filter((candidate) => skipped.has(candidate)), requiredCycles: [] };
		}
	}

	// Even with every nullable link deferred a cycle remains: it is made of required links only.
	const required = candidates.filter((candidate) => !candidate.link.nullable);
	const requiredEdges = new Map<string, Set<string>>(members.map((member) => [member, new Set<string>()]));
	for (const candidate of required) for (const target of candidate.targets) requiredEdges.get(candidate.collection)!.add(target);
	const requiredCycles: CycleLink[][] = [];
	for (const cycle of stronglyConnected([...members].sort(), requiredEdges)) {
		const inCycle = new Set(cycle);
		const links = required.flatMap((candidate) =>
			inCycle.has(candidate.collection)
				? candidate.targets.filter((target) => inCycle.has(target)).map((target) => ({ collection: candidate.collection, field: candidate.link.field, related: target }))
				: [],
		);
		const selfLoop = cycle.length === 1 && links.some((link) => link.related === link.collection);
		if (cycle.length > 1 || selfLoop) requiredCycles.push(links);
	}
	return { order: [...members].sort(), deferred: nullable, requiredCycles };
}

/**
 * The members in an order where every kept link points at a member written earlier, or null when
 * the kept links still form a cycle. Ties are broken by name, so the order is stable.
 */
function topologicalOrder(members: string[], kept: Candidate[]): string[] | null {
	const needs = new Map<string, Set<string>>(members.map((member) => [member, new Set<string>()]));
	for (const candidate of kept) for (const target of candidate.targets) needs.get(candidate.collection)!.add(target);
	const order: string[] = [];
	const written = new Set<string>();
	while (order.length < members.length) {
		const ready = members
			.filter((member) => !written.has(member) && [...needs.get(member)!].every((target) => written.has(target)))
			.sort();
		if (ready.length === 0) return null;
		order.push(ready[0]!);
		written.add(ready[0]!);
	}
	return order;
}

function* combinations<T>(items: T[], size: number, start = 0): Generator<T[]> {
	if (size === 0) {
		yield [];
		return;
	}
	for (let index = start; index <= items.length - size; index++) {
		for (const rest of combinations(items, size - 1, index + 1)) yield [items[index]!, ...rest];
	}
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
