import type { Row } from './kinds.js';

export interface RegistryInstall {
	/** Registry id of the extension (the directus_extensions row id). */
	extension: string;
	/** Registry id of the installed version (the row's folder). */
	version: string;
}

export interface ExtensionsPlan {
	install: RegistryInstall[];
	unchanged: string[];
	/** Installed on both sides in different versions: left for the marketplace. */
	otherVersion: string[];
	/** Local or package extensions: files on the source's disk, not installable over the API. */
	local: string[];
}

/**
 * Which of the source's extensions the destination needs. `source` rows are directus_extensions rows of
 * the source (top level only); `destination` is the destination's GET /extensions list. Pure.
 */
export function planExtensions(source: Row[], destination: Row[]): ExtensionsPlan {
	const plan: ExtensionsPlan = { install: [], unchanged: [], otherVersion: [], local: [] };
	const destinationById = new Map(destination.map((entry) => [String(entry['id']), entry]));
	const destinationFolders = new Set(destination.map((entry) => String((entry['meta'] as Row | undefined)?.['folder'] ?? '')));
	for (const row of source) {
		if (row['bundle']) continue;
		const folder = String(row['folder']);
		if (row['source'] !== 'registry') {
			if (destinationFolders.has(folder)) plan.unchanged.push(folder);
			else plan.local.push(folder);
			continue;
		}
		const installed = destinationById.get(String(row['id']));
		const installedVersion = (installed?.['meta'] as Row | undefined)?.['folder'];
		if (!installed) plan.install.push({ extension: String(row['id']), version: folder });
		else if (installedVersion === folder) plan.unchanged.push(String(row['id']));
		else plan.otherVersion.push(String(row['id']));
	}
	return plan;
}
