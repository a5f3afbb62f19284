import type { DestinationClient } from '../destination/client.js';
import { MigrationError } from '../errors.js';
import type { MigrationContext } from '../operation.js';
import { PASSWORD_HASH, RECEIVER_ID, RECEIVER_MEDIA_TYPE } from '../receiver/protocol.js';
import { chooseWritePath, detectReceiver } from '../write/write-path.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * `includePasswords` sends password hashes: only to a receiver (RECEIVER_REQUIRED without one) and
 * only over HTTPS or to this machine (loopback). Checked before anything is written.
 */
export async function assertPasswordsMayTravel(client: DestinationClient): Promise<void> {
	const url = new URL(client.url);
	if (url.protocol !== 'https:' && !LOOPBACK_HOSTS.has(url.hostname) && !url.hostname.startsWith('127.')) {
		throw new MigrationError(
			'INVALID_OPTIONS',
			`includePasswords: password hashes travel only over HTTPS or to a loopback address; the destination is ${url.protocol}//${url.host}.`,
			{ details: { problems: [{ option: 'includePasswords', problem: 'needs an https:// destination (or a loopback one)' }] } },
		);
	}
	// Throws RECEIVER_REQUIRED without a compatible receiver.
	chooseWritePath({ writePath: 'receiver', trackActivity: false, emitEvents: false }, await detectReceiver(client));
}

export interface PasswordTally {
	/** Users whose stored hash was sent (or would be, in a dry run). */
	copied: number;
	/** Users with a password on the source that the destination does not have (not created: refused or out of scope). */
	skipped: number;
}

/**
 * Copies the stored password hashes of the source's users to the same users on the destination,
 * 500 at a time in key order, through the receiver. Tokens, 2FA secrets and auth data never move.
 * The hashes go into request bodies only: never into a result, a log line or an error.
 */
export async function copyPasswordHashes(context: MigrationContext, client: DestinationClient, dryRun: boolean): Promise<PasswordTally> {
	const tally: PasswordTally = { copied: 0, skipped: 0 };
	const knex = context.database;
	let after: string | null = null;
	for (;;) {
		const query = knex.select('id', 'password').from('directus_users').whereNotNull('password').orderBy('id').limit(500);
		if (after !== null) query.where('id', '>', after);
		const rows = (await query) as { id: string; password: string }[];
		if (rows.length === 0) return tally;
		after = String(rows[rows.length - 1]!.id);
		const users = rows.filter((row) => PASSWORD_HASH.test(String(row.password))).map((row) => ({ id: String(row.id), password: String(row.password) }));
		tally.skipped += rows.length - users.length;
		if (users.length === 0) continue;
		if (dryRun) {
			tally.copied += users.length;
			continue;
		}
		const result = await client.send<{ written: number; unknownUsers: number }>({
			method: 'POST',
			path: `/${RECEIVER_ID}/passwords`,
			headers: { 'Content-Type': RECEIVER_MEDIA_TYPE },
			body: () => JSON.stringify({ users }),
			// The same hashes on the same users: writing them twice leaves what writing them once does.
			lostAnswer: 'repeat',
		});
		tally.copied += result.written;
		tally.skipped += result.unknownUsers;
	}
}
