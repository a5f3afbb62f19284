import { attemptLease, leaseSeenWith, readLeaseRowsWith, releaseLease, renewLease, type LeaseRows, type LeaseSeen } from '../lease/lease.js';
import type { Knex } from 'knex';
import { leaseKey, LEASE_KEY_PREFIX, LEASE_LANGUAGE, leaseRowId, type LeaseRecord, type LeaseRow } from '../lease/records.js';
import { leaseBody } from './protocol.js';
import { adminRoute, maxBodyBytes, readBody, schemaOf, type EndpointContext, type Handler, type Request } from './routes.js';

/**
 * The destination's lease through the receiver: each step (take, renew, give back, look) one request,
 * carried out here by the lease's own rules on the same `directus_translations` rows that runs over
 * REST use, through Directus's services (its checks and cache purges), without activity rows.
 */
export function handleLease(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		const body = await readBody(req, leaseBody, maxBodyBytes(context.env));
		if (body.action === 'peek') return res.json({ data: await currentLease(context.database) });
		const rows = await localLeaseRows(context, req);
		if (body.action === 'take') res.json({ data: await attemptLease(rows, body) });
		else if (body.action === 'renew') res.json({ data: { record: await renewLease(rows, body, body.leaseSeconds) } });
		else res.json({ data: { releasedAt: await releaseLease(rows, body) } });
	});
}

/** The lease as it is, read from its rows straight (a read: no service, no permission check). */
export async function currentLease(database: Knex): Promise<LeaseSeen> {
	return leaseSeenWith({
		now: () => Date.now(),
		read: async () => (await database('directus_translations').select('id', 'value').where('key', 'like', `${LEASE_KEY_PREFIX}%`)) as LeaseRow[],
	});
}

async function localLeaseRows(context: EndpointContext, req: Request): Promise<LeaseRows> {
	const schema = await schemaOf(req, context);
	const Service = context.services.TranslationsService ?? context.services.ItemsService;
	const service = context.services.TranslationsService
		? new Service({ schema, accountability: req.accountability ?? null, knex: context.database })
		: new Service('directus_translations', { schema, accountability: req.accountability ?? null, knex: context.database });
	// The lease's own bookkeeping: no activity or revision rows, no events; caches purged as usual.
	const quiet = { skipTracking: true, emitEvents: false };
	const write = (record: LeaseRecord) => ({ value: JSON.stringify(record) });
	return {
		now: () => Date.now(),
		read: () => readLeaseRowsWith((query) => service.readByQuery(query)),
		create: async (record) => {
			const id = leaseRowId(record.generation);
			try {
				await service.createOne({ id, key: leaseKey(record.generation), language: LEASE_LANGUAGE, ...write(record) }, quiet);
				return true;
			} catch (error) {
				// Another run created that generation first (a unique key, or Directus's own check of key and language).
				if ((await service.readByQuery({ fields: ['id'], filter: { id: { _eq: id } }, limit: 1 })).length > 0) return false;
				throw error;
			}
		},
		remove: async (ids) => {
			await service.deleteMany(ids, quiet);
		},
		write: async (record) => {
			await service.updateOne(leaseRowId(record.generation), write(record), quiet);
		},
	};
}
