import { currentLease } from './lease-route.js';
import { openBody, type OpenAnswer } from './protocol.js';
import { adminRoute, fieldNames, maxBodyBytes, readBody, receiverInfo, schemaOf, type EndpointContext, type Handler } from './routes.js';

/**
 * POST /open — the start of a writing run, in one request that only reads: this receiver's version,
 * the lease (free, and the generation the next run creates; or held), and when asked the destination's
 * fields (from the schema Directus holds for the request) and the sync marker preset of the source.
 * A run that finds the lease free reads on and takes it only before its first write.
 */
export function handleOpen(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		const body = await readBody(req, openBody, maxBodyBytes(context.env));
		const schema = await schemaOf(req, context);
		const answer: OpenAnswer = { ...receiverInfo(context), lease: await currentLease(context.database) };
		if (body.fields) answer.fields = fieldNames(schema);
		if (body.marker !== undefined) {
			// The marker as the source reads it over REST (SyncMarker): the first preset of that name without a user.
			const found = (await context.database('directus_presets')
				.select('id', 'layout_options')
				.where('bookmark', body.marker)
				.whereNull('user')
				.orderBy('id')
				.first()) as { id: number | string; layout_options: unknown } | undefined;
			answer.marker = found ? { id: Number(found.id), layout_options: typeof found.layout_options === 'string' ? JSON.parse(found.layout_options) : (found.layout_options ?? null) } : null;
		}
		res.json({ data: answer });
	});
}
