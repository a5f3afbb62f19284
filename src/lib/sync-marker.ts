import type { DestinationClient } from './destination/client.js';

/**
 * The sync marker behind `updatedAfter: "auto"`: per collection, the source time up to which the
 * destination is known to hold every change. It lives on the destination (a preset named after the
 * source), so a destination restored from a backup also restores the marker that matches its data.
 *
 * Why no change is missed: the marker of a collection moves only after a run that wrote every item of
 * that collection without a failure, and only to the time the run's plan was made (source clock)
 * minus a safety margin. Any item changed after that time has a newer date_updated (or date_created)
 * and is picked up by the next run; re-reading a few unchanged rows costs reads, never writes.
 */
export const MARKER_SAFETY_MARGIN_MS = 60_000;

interface MarkerPreset {
	id: number;
	layout_options: { migrationSync?: { version: 1; watermarks: Record<string, string> } } | null;
}

function markerName(sourceId: string): string {
	return `Migration sync marker from ${sourceId} (used by updatedAfter: auto; do not edit)`;
}

export class SyncMarker {
	private readonly client: DestinationClient;
	private readonly name: string;
	private preset: MarkerPreset | null | undefined;

	constructor(client: DestinationClient, sourceId: string) {
		this.client = client;
		this.name = markerName(sourceId);
	}

	async watermarks(): Promise<Record<string, string>> {
		const preset = await this.load();
		return { ...(preset?.layout_options?.migrationSync?.watermarks ?? {}) };
	}

	/** Moves the marker of `collections` to `planCreatedAt` minus the safety margin. */
	async advance(collections: string[], planCreatedAt: string): Promise<void> {
		if (collections.length === 0) return;
		const watermark = new Date(Date.parse(planCreatedAt) - MARKER_SAFETY_MARGIN_MS).toISOString();
		const watermarks = await this.watermarks();
		for (const collection of collections) watermarks[collection] = watermark;
		const layoutOptions = { migrationSync: { version: 1 as const, watermarks } };
		const preset = await this.load();
		if (preset) {
			await this.client.send({ method: 'PATCH', path: `/presets/${preset.id}`, body: () => JSON.stringify({ layout_options: layoutOptions }) });
		} else {
			await this.client.send({
				method: 'POST',
				path: '/presets',
				body: () =>
					JSON.stringify({ bookmark: this.name, collection: 'directus_presets', user: null, role: null, layout_options: layoutOptions }),
			});
		}
		this.preset = undefined;
	}

	private async load(): Promise<MarkerPreset | null> {
		if (this.preset !== undefined) return this.preset;
		const found = await this.client.send<MarkerPreset[] | null>({
			method: 'GET',
			path: '/presets',
			params: { fields: 'id,layout_options', limit: 1, filter: { bookmark: { _eq: this.name }, user: { _null: true } } },
		});
		this.preset = found?.[0] ?? null;
		return this.preset;
	}
}

/** The source's identity in its marker name: its public URL when set. */
export function sourceIdOf(env: Record<string, unknown>): string {
	const url = typeof env['PUBLIC_URL'] === 'string' ? env['PUBLIC_URL'].trim() : '';
	return url && url !== '/' ? url.replace(/\/+$/, '') : 'this source';
}
