import type { DestinationClient } from './destination/client.js';

/**
 * The sync marker behind `updatedAfter: "auto"`: per collection, the source time up to which the
 * destination is known to hold every change. It lives on the destination (a preset named after the
 * source), so a destination restored from a backup also restores the marker that matches its data.
 *
 * Why a row is not left behind: the marker of a collection moves only after a run that wrote every row
 * it chose completely (no refused row, no link set to null, no referenced file failed, no field left
 * out), and only to the time the run's plan was made (source clock) minus a safety margin. A row changed
 * after that time has a newer date_updated (or date_created) and is picked up by the next run. A row
 * whose dates are older than the marker but that the destination lacks (an import, rows carried from
 * another Directus with their dates) is picked up by the key walk of auto runs (content/catch-up.ts).
 */
export const MARKER_SAFETY_MARGIN_MS = 60_000;

export interface MarkerPreset {
	id: number;
	layout_options: { migrationSync?: { version: 1; watermarks: Record<string, string> } } | null;
}

function markerName(sourceId: string): string {
	return `Migration sync marker from ${sourceId} (used by updatedAfter: auto; do not edit)`;
}

export class SyncMarker {
	private readonly client: DestinationClient;
	/** The marker preset's bookmark name on the destination. */
	readonly name: string;
	/** The marker preset as read (null: none yet), once per run unless forgotten. */
	private loading: Promise<MarkerPreset | null> | undefined;

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
		const body = { layout_options: layoutOptions };
		if (preset) {
			// The same values again change nothing: a lost answer is simply repeated.
			await this.client.send({ method: 'PATCH', path: `/presets/${preset.id}`, body: () => JSON.stringify(body), lostAnswer: 'repeat' });
		} else {
			await this.create(layoutOptions);
		}
		this.forget();
	}

	/**
	 * Creates the marker preset without ever leaving two: when the POST's answer is lost, the preset is
	 * looked up by name before anything is sent again (it was written: done; it was not: sent again),
	 * and any extra copy (two runs creating it at once) is deleted, so that every run reads the same one.
	 */
	private async create(layoutOptions: NonNullable<MarkerPreset['layout_options']>): Promise<void> {
		await this.client.send({
			method: 'POST',
			path: '/presets',
			params: { fields: 'id' },
			body: () => JSON.stringify({ bookmark: this.name, collection: 'directus_presets', user: null, role: null, layout_options: layoutOptions }),
			lostAnswer: {
				recover: async () => {
					this.forget();
					return (await this.load()) ? 'applied' : 'not-applied';
				},
			},
		});
		const copies = await this.client.send<{ id: number }[] | null>({
			method: 'GET',
			path: '/presets',
			params: { fields: 'id', sort: 'id', limit: -1, filter: this.filter() },
		});
		const extra = (copies ?? []).slice(1).map((copy) => copy.id);
		if (extra.length > 0) await this.client.send({ method: 'DELETE', path: '/presets', body: () => JSON.stringify(extra), lostAnswer: 'repeat' });
	}

	private filter() {
		return { bookmark: { _eq: this.name }, user: { _null: true } };
	}

	/**
	 * Starts reading the marker ahead of the plan, while the run takes its lease. A marker read before
	 * another run moved it is only older: it makes this run compare more rows, never fewer.
	 */
	prefetch(): void {
		this.load().catch(() => {});
	}

	/** The marker as read by another request of the run (the receiver's `open`). */
	seed(preset: MarkerPreset | null): void {
		this.loading = Promise.resolve(preset);
	}

	/** The next read asks the destination again. */
	forget(): void {
		this.loading = undefined;
	}

	private load(): Promise<MarkerPreset | null> {
		this.loading ??= this.client
			.send<MarkerPreset[] | null>({
				method: 'GET',
				path: '/presets',
				params: { fields: 'id,layout_options', sort: 'id', limit: 1, filter: this.filter() },
			})
			.then(
				(found) => found?.[0] ?? null,
				(error: unknown) => {
					this.forget();
					throw error;
				},
			);
		return this.loading;
	}
}

/** The source's identity in its marker name: its public URL when set. */
export function sourceIdOf(env: Record<string, unknown>): string {
	const url = typeof env['PUBLIC_URL'] === 'string' ? env['PUBLIC_URL'].trim() : '';
	return url && url !== '/' ? url.replace(/\/+$/, '') : 'this source';
}
