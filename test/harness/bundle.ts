import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from './paths.ts';

/** One option field of an operation's panel, as declared in its app.ts (a Directus field). */
export interface PanelField {
	field: string;
	name?: string;
	type?: string;
	schema?: { default_value?: unknown } | null;
	meta?: {
		interface?: string;
		note?: string;
		hidden?: boolean;
		conditions?: unknown[];
		options?: Record<string, any>;
		width?: string;
	} | null;
}

/** An operation's app side as the built bundle declares it (what the admin app loads). */
export interface OperationPanel {
	id: string;
	name: string;
	icon: string;
	description: string;
	overview: (options: Record<string, any>, context: { flow: Record<string, any> }) => { label: string; text: string }[];
	options: PanelField[];
}

/**
 * The operations of the built bundle (dist/app.js), in the order package.json lists them. Fails when
 * the two disagree: the entries are what Directus is told about, the bundle is what it runs.
 */
export async function bundledOperations(): Promise<OperationPanel[]> {
	const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));
	const entries: string[] = pkg['directus:extension'].entries
		.filter((entry: { type: string }) => entry.type === 'operation')
		.map((entry: { name: string }) => entry.name);
	const bundle = await import(pathToFileURL(join(PROJECT_ROOT, 'dist/app.js')).href);
	const panels = bundle.operations as OperationPanel[];
	const bundledIds = panels.map((panel) => panel.id).sort();
	if (JSON.stringify(bundledIds) !== JSON.stringify([...entries].sort())) {
		throw new Error(`dist/app.js declares [${bundledIds}] but package.json lists [${entries}]: run \`npm run build\`.`);
	}
	return entries.map((id) => panels.find((panel) => panel.id === id)!);
}

/** The fields a Flow builder sees in the drawer (hidden ones are never rendered). */
export function visibleFields(panel: OperationPanel): PanelField[] {
	return (panel.options ?? []).filter((field) => field.meta && !field.meta.hidden);
}

/** A field whose value is a secret: rendered as a masked input, never as text. */
export function isMasked(field: PanelField): boolean {
	return field.meta?.options?.['masked'] === true;
}

export function defaultOf(field: PanelField): unknown {
	return field.schema?.default_value ?? undefined;
}
