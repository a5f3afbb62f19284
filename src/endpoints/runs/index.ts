import { defineEndpoint } from '@directus/extensions-sdk';
import { RunStore } from '../../lib/runs/store.js';

interface Request {
	accountability?: { admin?: boolean } | null;
	params: Record<string, string>;
	query: Record<string, unknown>;
}
interface Response {
	status(code: number): Response;
	json(body: unknown): void;
}

const MAX_LIST = 100;

/**
 * `/migration-runs`: the run records kept by the bundle's operations, for admins only. Served by any
 * replica: records and live progress live in the shared database.
 *   GET /migration-runs?limit=20   newest first (running runs included, with their progress)
 *   GET /migration-runs/:id        one record
 */
export default defineEndpoint({
	id: 'migration-runs',
	handler: (router, { database, env }) => {
		const store = new RunStore(database, env);
		const adminOnly = (req: Request, res: Response): boolean => {
			if (req.accountability?.admin === true) return true;
			res.status(403).json({ errors: [{ message: 'Only administrators can read migration runs.', extensions: { code: 'FORBIDDEN' } }] });
			return false;
		};

		router.get('/', async (req: Request, res: Response) => {
			if (!adminOnly(req, res)) return;
			const limit = Math.min(MAX_LIST, Math.max(1, Number(req.query['limit'] ?? 20) || 20));
			res.json({ data: await store.list(limit) });
		});

		router.get('/:id', async (req: Request, res: Response) => {
			if (!adminOnly(req, res)) return;
			const id = Number(req.params['id']);
			const record = Number.isInteger(id) ? await store.get(id) : null;
			if (!record) {
				res.status(404).json({ errors: [{ message: `No migration run ${req.params['id']}.`, extensions: { code: 'NOT_FOUND' } }] });
				return;
			}
			res.json({ data: record });
		});
	},
});
