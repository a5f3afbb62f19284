import { DIRECTUS_11_VERSION, MAIN_DIRECTUS_VERSION } from './paths.ts';

/**
 * What the end-to-end suite runs: Directus versions × database vendors. The README's compatibility
 * table and the package's `host` range are checked against it (test/unit/package.test.ts), so
 * neither can claim what the suite does not run.
 */
export const SUITE_MATRIX: { directus: string; vendors: string[] }[] = [
	{ directus: DIRECTUS_11_VERSION, vendors: ['SQLite'] },
	{ directus: MAIN_DIRECTUS_VERSION, vendors: ['SQLite', 'PostgreSQL', 'MariaDB'] },
];

/** The README table rendered from the matrix. */
export function compatibilityTable(): string {
	const vendors = [...new Set(SUITE_MATRIX.flatMap((row) => row.vendors))];
	const lines = [`| Directus | ${vendors.join(' | ')} |`, `|---|${vendors.map(() => '---|').join('')}`];
	for (const row of SUITE_MATRIX) {
		lines.push(`| ${row.directus} | ${vendors.map((vendor) => (row.vendors.includes(vendor) ? 'tested' : '—')).join(' | ')} |`);
	}
	return lines.join('\n');
}
