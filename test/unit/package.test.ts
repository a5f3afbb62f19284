import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../harness/paths.ts';
import { compatibilityTable, SUITE_MATRIX } from '../harness/suite-matrix.ts';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));
const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

describe('the npm package', () => {
	it('npm pack ships exactly package.json, dist/, README, LICENSE and CHANGELOG', () => {
		const output = execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], {
			cwd: PROJECT_ROOT,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'ignore'],
		});
		const files = (JSON.parse(output) as { files: { path: string }[] }[])[0]!.files.map((file) => file.path).sort();
		expect(files).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'dist/api.js', 'dist/app.js', 'package.json']);
	});

	it('has a LICENSE matching package.json and a CHANGELOG entry for its semver version', () => {
		expect(pkg.version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
		expect(pkg.license).toBe('MIT');
		expect(readFileSync(join(PROJECT_ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
		expect(readFileSync(join(PROJECT_ROOT, 'CHANGELOG.md'), 'utf8')).toContain(`## [${pkg.version}]`);
	});

	it('carries what the Directus Marketplace reads', () => {
		expect(pkg.keywords).toContain('directus-extension');
		expect(pkg.icon).toMatch(/^[a-z_]+$/);
		expect(pkg.description.length).toBeGreaterThan(20);
		expect(pkg['directus:extension']).toMatchObject({ type: 'bundle', path: { app: 'dist/app.js', api: 'dist/api.js' } });
	});
});

describe('what the package claims to run on', () => {
	it("the README's compatibility table is the matrix the end-to-end suite runs", () => {
		const section = /<!-- compatibility:start -->\n([\s\S]*?)\n<!-- compatibility:end -->/.exec(readme);
		expect(section, 'README needs the compatibility markers').not.toBeNull();
		expect(section![1]).toBe(compatibilityTable());
	});

	it('the host range starts at the oldest Directus the suite runs and spans no major it does not run', () => {
		const host: string = pkg['directus:extension'].host;
		const ranges = host.split('||').map((part) => part.trim());
		const tested = SUITE_MATRIX.map((row) => row.directus);
		for (const range of ranges) {
			const match = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
			expect(match, `${range} is a caret range`).not.toBeNull();
			expect(tested, `${range} starts at a version the suite runs`).toContain(`${match![1]}.${match![2]}.${match![3]}`);
		}
	});
});
