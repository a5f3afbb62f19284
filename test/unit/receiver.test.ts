import { describe, expect, it } from 'vitest';
import type { SchemaOverview } from '@directus/types';
import { checkBatch, schemaWritingAsSent, typeProblem, withoutSecrets } from '../../src/lib/receiver/write-items.js';
import { denseIntegerRange } from '../../src/lib/receiver/absent-keys.js';
import { chooseWritePath } from '../../src/lib/write/write-path.js';
import { consecutiveRuns } from '../../src/lib/receiver/protocol.js';
import { checkSystemBatch, SYSTEM_ROW_SERVICES, systemFieldsAllowed } from '../../src/lib/receiver/write-system.js';
import { KINDS } from '../../src/lib/system/kinds.js';

const options = { writePath: 'auto', trackActivity: false, emitEvents: false } as const;

describe('choosing the write path', () => {
	it('auto takes a receiver of the same major version', () => {
		expect(chooseWritePath(options, { receiver: 'migration-receiver', version: '0.2.5' }, '0.2.0')).toEqual({
			path: { kind: 'receiver', trackActivity: false, emitEvents: false, database: null, fileBatches: null },
			warnings: [],
		});
	});

	it('auto falls back to REST with a warning when the receiver is of another major version', () => {
		const choice = chooseWritePath(options, { receiver: 'migration-receiver', version: '1.0.0' }, '0.2.0');
		expect(choice.path).toEqual({ kind: 'rest' });
		expect(choice.warnings).toEqual([expect.objectContaining({ code: 'RECEIVER_VERSION_MISMATCH' })]);
	});

	it('auto takes REST without a word when the destination has no receiver', () => {
		expect(chooseWritePath(options, null, '0.2.0')).toEqual({ path: { kind: 'rest' }, warnings: [] });
	});

	it('writePath receiver without a compatible receiver is refused with RECEIVER_REQUIRED', () => {
		expect(() => chooseWritePath({ ...options, writePath: 'receiver' }, null, '0.2.0')).toThrowError(expect.objectContaining({ code: 'RECEIVER_REQUIRED' }));
		expect(() => chooseWritePath({ ...options, writePath: 'receiver' }, { receiver: 'migration-receiver', version: '3.0.0' }, '2.9.0')).toThrowError(
			expect.objectContaining({ code: 'RECEIVER_REQUIRED' }),
		);
	});

	it('writePath rest never uses the receiver', () => {
		expect(chooseWritePath({ ...options, writePath: 'rest' }, { receiver: 'migration-receiver', version: '0.2.0' }, '0.2.0').path).toEqual({ kind: 'rest' });
	});
});

const field = (name: string, type: string, special: string[] = []) => ({ field: name, type, special, alias: false, nullable: true }) as any;
const schema = {
	collections: {
		notes: {
			collection: 'notes',
			primary: 'id',
			fields: {
				id: field('id', 'integer'),
				title: field('title', 'string'),
				pin: field('pin', 'hash', ['hash', 'conceal']),
				date_created: field('date_created', 'timestamp', ['date-created']),
				tags: field('tags', 'alias', ['o2m']),
			},
		},
		directus_users: { collection: 'directus_users', primary: 'id', fields: { id: field('id', 'uuid') } },
	},
	relations: [],
} as unknown as SchemaOverview;

describe('checking a batch against the destination schema', () => {
	it('refuses a collection the destination lacks, and system collections, as UNKNOWN_COLLECTION', () => {
		expect(() => checkBatch(schema, 'nope', { action: 'create', rows: [{ id: 1 }] })).toThrowError(expect.objectContaining({ status: 404, code: 'UNKNOWN_COLLECTION' }));
		expect(() => checkBatch(schema, 'directus_users', { action: 'create', rows: [{ id: 'x' }] })).toThrowError(expect.objectContaining({ code: 'UNKNOWN_COLLECTION' }));
	});

	it('refuses an unknown or alias field as UNKNOWN_FIELD naming the row', () => {
		expect(() => checkBatch(schema, 'notes', { action: 'create', rows: [{ id: 1, title: 'a' }, { id: 2, 'x"; drop table notes; --': 1 }] })).toThrowError(
			expect.objectContaining({ status: 400, code: 'UNKNOWN_FIELD', refused: [expect.objectContaining({ key: 2 })] }),
		);
		expect(() => checkBatch(schema, 'notes', { action: 'update', rows: [{ id: 1, tags: [1] }] })).toThrowError(expect.objectContaining({ code: 'UNKNOWN_FIELD' }));
	});

	it('refuses a value of the wrong type and a row without its key as INVALID_PAYLOAD', () => {
		expect(() => checkBatch(schema, 'notes', { action: 'create', rows: [{ id: 'one' }] })).toThrowError(expect.objectContaining({ code: 'INVALID_PAYLOAD' }));
		expect(() => checkBatch(schema, 'notes', { action: 'create', rows: [{ title: 'no key' }] })).toThrowError(expect.objectContaining({ code: 'INVALID_PAYLOAD' }));
		expect(typeProblem('integer', '12')).toBeNull();
		expect(typeProblem('boolean', 'yes')).toBe('is not a boolean');
	});

	it('writes stamps and hashes as sent: their overwriting specials are removed for the one collection', () => {
		const writing = schemaWritingAsSent(schema, 'notes');
		expect(writing.collections['notes']!.fields['pin']!.special).toEqual(['conceal']);
		expect(writing.collections['notes']!.fields['date_created']!.special).toEqual([]);
		expect(schema.collections['notes']!.fields['date_created']!.special).toEqual(['date-created']);
	});
});

describe('a refused batch as the source sees it', () => {
	const schema = {
		collections: {
			members: {
				primary: 'id',
				fields: {
					id: { field: 'id', type: 'integer', special: [] },
					pin: { field: 'pin', type: 'hash', special: ['hash'] },
					api_key: { field: 'api_key', type: 'string', special: ['conceal'] },
					name: { field: 'name', type: 'string', special: [] },
				},
			},
		},
	} as unknown as SchemaOverview;
	const rows = [{ id: 1, pin: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', api_key: 'sk-live-123', name: 'Ada' }];

	it('never carries the statement knex writes the values into, nor a hashed or concealed value', () => {
		const error = Object.assign(
			new Error(`insert into "members" ("id", "pin", "api_key") values (1, '${rows[0]!.pin}', 'sk-live-123') - Duplicate entry '${rows[0]!.pin}' for key 'pin'`),
			{ code: 'ER_DUP_ENTRY' },
		);
		const scrubbed = withoutSecrets(error, schema, 'members', rows) as Error & { code?: string };
		expect(scrubbed.message).toBe("Duplicate entry '**********' for key 'pin'");
		expect(scrubbed.code).toBe('ER_DUP_ENTRY');
		expect(JSON.stringify({ ...scrubbed, message: scrubbed.message })).not.toContain('sk-live-123');
	});
});

describe('the receiver’s system route', () => {
	const systemSchema = {
		collections: {
			directus_users: {
				collection: 'directus_users',
				primary: 'id',
				fields: Object.fromEntries(
					['id', 'email', 'role', 'password', 'token', 'tfa_secret', 'auth_data', 'last_access', 'external_identifier'].map((name) => [name, field(name, name === 'id' ? 'uuid' : 'string')]),
				),
			},
			directus_permissions: { collection: 'directus_permissions', primary: 'id', fields: { id: field('id', 'integer'), policy: field('policy', 'uuid'), action: field('action', 'string') } },
			directus_settings: {
				collection: 'directus_settings',
				primary: 'id',
				fields: { id: field('id', 'integer'), project_name: field('project_name', 'string'), project_url: field('project_url', 'string'), license_key: field('license_key', 'string') },
			},
			directus_activity: { collection: 'directus_activity', primary: 'id', fields: { id: field('id', 'integer'), action: field('action', 'string') } },
		},
		relations: [],
	} as unknown as SchemaOverview;

	it('takes exactly the fields migration-system moves of every kind, and never a credential', () => {
		for (const kind of Object.values(KINDS)) {
			expect(SYSTEM_ROW_SERVICES[kind.collection], kind.collection).toBeTruthy();
			expect([...systemFieldsAllowed(kind.collection, systemSchema)!].sort()).toEqual(['id', ...kind.fields, ...(kind.links ?? [])].sort());
		}
		const users = systemFieldsAllowed('directus_users', systemSchema)!;
		for (const secret of ['password', 'token', 'tfa_secret', 'auth_data', 'last_access']) expect(users.has(secret), secret).toBe(false);
		expect([...systemFieldsAllowed('directus_settings', systemSchema)!]).toEqual(['project_name']);
	});

	it('refuses other system collections (403) and fields it does not move (400), before anything is written', () => {
		expect(() => checkSystemBatch(systemSchema, 'directus_activity', { action: 'create', rows: [{ action: 'login' }] })).toThrowError(
			expect.objectContaining({ status: 403, code: 'COLLECTION_NOT_ALLOWED' }),
		);
		expect(() => checkSystemBatch(systemSchema, 'notes', { action: 'create', rows: [{ id: 1 }] })).toThrowError(expect.objectContaining({ code: 'COLLECTION_NOT_ALLOWED' }));
		expect(() => checkSystemBatch(systemSchema, 'directus_users', { action: 'update', rows: [{ id: 'u', token: 'x' }] })).toThrowError(
			expect.objectContaining({ status: 400, code: 'FIELD_NOT_ALLOWED', refused: [expect.objectContaining({ key: 'u' })] }),
		);
		expect(() => checkSystemBatch(systemSchema, 'directus_settings', { action: 'update', rows: [{ license_key: 'x' }] })).toThrowError(expect.objectContaining({ code: 'FIELD_NOT_ALLOWED' }));
	});

	it('creates without an id only where the destination hands out integer ids; an update always names its row', () => {
		expect(() => checkSystemBatch(systemSchema, 'directus_permissions', { action: 'create', rows: [{ policy: 'p', action: 'read' }] })).not.toThrow();
		expect(() => checkSystemBatch(systemSchema, 'directus_users', { action: 'create', rows: [{ email: 'a@example.com' }] })).toThrowError(expect.objectContaining({ code: 'INVALID_PAYLOAD' }));
		expect(() => checkSystemBatch(systemSchema, 'directus_permissions', { action: 'update', rows: [{ action: 'read' }] })).toThrowError(expect.objectContaining({ code: 'INVALID_PAYLOAD' }));
		expect(() => checkSystemBatch(systemSchema, 'directus_settings', { action: 'update', rows: [{ project_name: 'A' }] })).not.toThrow();
		expect(() => checkSystemBatch(systemSchema, 'directus_settings', { action: 'create', rows: [{ project_name: 'A' }] })).toThrowError(expect.objectContaining({ code: 'INVALID_PAYLOAD' }));
	});
});

describe('the absent-keys lookup', () => {
	const run = (from: number, count: number) => Array.from({ length: count }, (_, index) => from + index);

	it('reads the range of integer keys that fill at least a quarter of it, keys given as numbers or text', () => {
		expect(denseIntegerRange('integer', run(1, 1000))).toEqual({ low: 1, high: 1000 });
		expect(denseIntegerRange('bigInteger', run(5, 1000).map(String))).toEqual({ low: 5, high: 1004 });
		// Every fourth key of 4,000: still a quarter of the range.
		expect(denseIntegerRange('integer', run(0, 1000).map((index) => index * 4))).toEqual({ low: 0, high: 3996 });
	});

	it('names the keys one by one when they are few, sparse, not integers, or past the safe integers', () => {
		expect(denseIntegerRange('integer', run(1, 999))).toBeNull();
		expect(denseIntegerRange('integer', run(0, 1000).map((index) => index * 5))).toBeNull();
		expect(denseIntegerRange('uuid', run(1, 1000))).toBeNull();
		expect(denseIntegerRange('string', run(1, 1000).map(String))).toBeNull();
		expect(denseIntegerRange('integer', [...run(1, 999), 'x'])).toBeNull();
		expect(denseIntegerRange('bigInteger', [...run(1, 999).map(String), '9007199254740993'])).toBeNull();
		expect(denseIntegerRange('integer', [...run(1, 999), 1.5])).toBeNull();
	});

	it('sends ascending integer keys as runs of consecutive keys, when the runs are at most a quarter as many', () => {
		expect(consecutiveRuns(run(1, 10_000))).toEqual([[1, 10_000]]);
		expect(consecutiveRuns([...run(1, 500), ...run(600, 500)])).toEqual([[1, 500], [600, 1099]]);
		expect(consecutiveRuns([7])).toEqual([[7, 7]]);
		// Every other key: as many runs as keys, named instead.
		expect(consecutiveRuns(run(0, 100).map((index) => index * 2))).toBeNull();
		// Not ascending, repeated, text, fractions, past the safe integers, none.
		expect(consecutiveRuns([...run(1, 100), 50])).toBeNull();
		expect(consecutiveRuns([1, 1, 2, 3])).toBeNull();
		expect(consecutiveRuns(run(1, 100).map(String))).toBeNull();
		expect(consecutiveRuns([1, 2, 2.5])).toBeNull();
		expect(consecutiveRuns([2 ** 53, 2 ** 53 + 1])).toBeNull();
		expect(consecutiveRuns([])).toBeNull();
	});
});
