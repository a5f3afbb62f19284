import { itemsWriteBody, MAX_RECEIVER_ROWS } from './protocol.js';
import { adminRoute, maxBodyBytes, readBody, schemaOf, type EndpointContext, type Handler } from './routes.js';
import { ReceiverRefusal } from './write-items.js';
import { writeSystemBatch } from './write-system.js';

/**
 * POST /migration-receiver/system/:collection — one batch of the system rows migration-system moves
 * (roles, policies, permissions, users, access, comments, presets, dashboards, panels, flows,
 * operations, translations, folders, settings), in one transaction. Any other system collection
 * (activity, sessions, revisions…) or field (password, token, 2FA secret…) is refused, nothing written.
 */
export function handleSystemRows(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		const body = await readBody(req, itemsWriteBody, maxBodyBytes(context.env));
		if (body.rows.length > MAX_RECEIVER_ROWS) throw new ReceiverRefusal(413, 'PAYLOAD_TOO_LARGE', `A batch holds at most ${MAX_RECEIVER_ROWS} rows.`);
		const schema = await schemaOf(req, context);
		res.json({ data: await writeSystemBatch(context, schema, String(req.params['collection']), body, req.accountability ?? null) });
	});
}
