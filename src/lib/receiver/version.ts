import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * This bundle's version, read from the package.json beside its dist/ folder (the file Directus read to
 * load it), so the figure is the installed package's, on either side.
 */
export function bundleVersion(): string {
	if (cached !== undefined) return cached;
	try {
		const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
		cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
	} catch {
		cached = '0.0.0';
	}
	return cached;
}

export function majorOf(version: string): string {
	const [major = '0', minor = '0'] = version.split('.');
	// Before 1.0 a minor version may break: 0.2 and 0.3 count as different majors.
	return major === '0' ? `0.${minor}` : major;
}
