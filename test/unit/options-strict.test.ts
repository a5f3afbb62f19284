import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { parseOptions } from '../../src/lib/options/parse.js';
import checkApp from '../../src/operations/check/app.js';
import { checkOptions } from '../../src/operations/check/options.js';
import extractApp from '../../src/operations/extract/app.js';
import { extractOptions } from '../../src/operations/extract/options.js';
import migrateTablesApp from '../../src/operations/migrate-tables/app.js';
import { migrateTablesOptions } from '../../src/operations/migrate-tables/options.js';
import schemaSyncApp from '../../src/operations/schema-sync/app.js';
import { schemaSyncOptions } from '../../src/operations/schema-sync/options.js';
import systemApp from '../../src/operations/system/app.js';
import { systemOptions } from '../../src/operations/system/options.js';
import transferFilesApp from '../../src/operations/transfer-files/app.js';
import { transferFilesOptions } from '../../src/operations/transfer-files/options.js';
import rollbackApp from '../../src/operations/rollback/app.js';
import { rollbackOptions } from '../../src/operations/rollback/options.js';
import upsertItemsApp from '../../src/operations/upsert-items/app.js';
import { upsertItemsOptions } from '../../src/operations/upsert-items/options.js';

const operations: [string, { options: unknown }, z.ZodObject][] = [
	['check', checkApp, checkOptions],
	['extract', extractApp, extractOptions],
	['migrate-tables', migrateTablesApp, migrateTablesOptions],
	['rollback', rollbackApp, rollbackOptions],
	['schema-sync', schemaSyncApp, schemaSyncOptions],
	['system', systemApp, systemOptions],
	['transfer-files', transferFilesApp, transferFilesOptions],
	['upsert-items', upsertItemsApp, upsertItemsOptions],
];

function panelFields(app: { options: unknown }): string[] {
	const options = typeof app.options === 'function' ? (app.options as (values: object) => unknown)({}) : app.options;
	return (options as { field: string; meta?: { special?: string[] } }[]).filter((field) => !field.meta?.special?.includes('no-data')).map((field) => field.field);
}

describe('option names', () => {
	it.each(operations)('%s: every field its panel saves is an option it accepts', (_name, app, schema) => {
		const values = Object.fromEntries(panelFields(app).map((field) => [field, null]));
		expect(() => parseOptions(schema, { ...values, destinationUrl: 'http://x' })).not.toThrow();
	});

	it('an unknown option name is refused with INVALID_OPTIONS naming it', () => {
		expect(() => parseOptions(migrateTablesOptions, { colections: ['a'] })).toThrowError(
			expect.objectContaining({
				code: 'INVALID_OPTIONS',
				details: { problems: [{ option: 'colections', problem: 'is not an option of this operation (misspelt?)' }] },
			}),
		);
	});
});
