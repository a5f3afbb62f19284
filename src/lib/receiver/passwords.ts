import type { Knex } from 'knex';

/**
 * The destination side of `includePasswords`: writes stored password hashes (exactly the password
 * column of directus_users, nothing else) for users the destination already has, in one transaction.
 * Users it lacks are skipped and counted; no hash is ever echoed back.
 */
export async function writePasswordHashes(database: Knex, users: { id: string; password: string }[]): Promise<{ written: number; unknownUsers: number }> {
	return database.transaction(async (trx) => {
		const present = new Set((await trx.select('id').from('directus_users').whereIn('id', users.map((user) => user.id))).map((row: { id: string }) => String(row.id)));
		let written = 0;
		for (const user of users) {
			if (!present.has(user.id)) continue;
			await trx('directus_users').update({ password: user.password }).where({ id: user.id });
			written++;
		}
		return { written, unknownUsers: users.length - written };
	});
}
