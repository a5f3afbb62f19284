import type { Readable } from 'node:stream';
import type { MigrationContext } from '../operation.js';

/** The folder of the source's file library that holds run journals and artifacts. */
export const MIGRATIONS_FOLDER = 'Migrations';

/** MIGRATION_STORAGE_LOCATION, else the first of STORAGE_LOCATIONS (Directus's default: local). */
export function migrationStorage(env: Record<string, unknown>): string {
	const named = env['MIGRATION_STORAGE_LOCATION'];
	if (typeof named === 'string' && named.trim() !== '') return named.trim();
	const locations = env['STORAGE_LOCATIONS'];
	const list = Array.isArray(locations) ? locations.map(String) : String(locations ?? 'local').split(',');
	return list.map((entry) => entry.trim()).find(Boolean) ?? 'local';
}

/** The id of the root folder "Migrations" in the source's library; null before its first use. */
export async function findMigrationsFolder(database: MigrationContext['database']): Promise<string | null> {
	const found = await database('directus_folders').where({ name: MIGRATIONS_FOLDER }).whereNull('parent').first('id');
	return found ? String(found.id) : null;
}

/** The id of the root folder "Migrations" in the source's library, created the first time. */
async function migrationsFolder(context: MigrationContext): Promise<string> {
	const found = await findMigrationsFolder(context.database);
	if (found) return found;
	const schema = await context.getSchema({ database: context.database });
	const folders = new context.services.FoldersService({ knex: context.database, schema, accountability: null });
	return String(await folders.createOne({ name: MIGRATIONS_FOLDER, parent: null }));
}

/** Saves a file into the Migrations folder of the source's library; returns its id. */
export async function saveToLibrary(context: MigrationContext, file: { name: string; title: string; type: string; stream: Readable; folder?: string }): Promise<string> {
	const folder = file.folder ?? (await migrationsFolder(context));
	const schema = await context.getSchema({ database: context.database });
	const files = new context.services.FilesService({ knex: context.database, schema, accountability: null });
	const id = await files.uploadOne(file.stream, {
		storage: migrationStorage(context.env),
		folder,
		filename_download: file.name,
		title: file.title,
		type: file.type,
	});
	return String(id);
}

/** The text of a file of the source's library (a journal or an artifact). */
export async function readFromLibrary(context: MigrationContext, id: string): Promise<Readable> {
	const schema = await context.getSchema({ database: context.database });
	const assets = new context.services.AssetsService({ knex: context.database, schema, accountability: null });
	return (await assets.getAsset(id)).stream as Readable;
}

export async function removeFromLibrary(context: MigrationContext, ids: string[]): Promise<void> {
	if (ids.length === 0) return;
	const schema = await context.getSchema({ database: context.database });
	const files = new context.services.FilesService({ knex: context.database, schema, accountability: null });
	await files.deleteMany(ids);
}

/** A new folder inside the Migrations folder (e.g. a run's kept bytes); returns its id. */
export async function createLibraryFolder(context: MigrationContext, name: string): Promise<string> {
	const parent = await migrationsFolder(context);
	const schema = await context.getSchema({ database: context.database });
	const folders = new context.services.FoldersService({ knex: context.database, schema, accountability: null });
	return String(await folders.createOne({ name, parent }));
}

/** Removes a folder of the Migrations folder and the files in it (their bytes too), a hundred at a time. */
export async function removeLibraryFolder(context: MigrationContext, folder: string): Promise<void> {
	for (;;) {
		const rows = (await context.database('directus_files').where({ folder }).limit(100).select('id')) as { id: string }[];
		if (rows.length === 0) break;
		await removeFromLibrary(context, rows.map((row) => String(row.id)));
	}
	const schema = await context.getSchema({ database: context.database });
	const folders = new context.services.FoldersService({ knex: context.database, schema, accountability: null });
	await folders.deleteOne(folder);
}
