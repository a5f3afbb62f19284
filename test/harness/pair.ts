import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseTemplate, DEFAULT_VENDOR, DirectusInstance, freePort, type Vendor } from './instance.ts';
import { PROJECT_ROOT } from './paths.ts';

export const EXTENSION_FOLDER = 'directus-extension-migration-operations';
/** The source's IMPORT_IP_DENY_LIST in the harness: Directus's default less 0.0.0.0 (this machine). */
export const LOCAL_DESTINATION_DENY_LIST = '169.254.169.254';

let packed: string | null = null;

/**
 * The bundle as a user gets it: `npm pack` of this project (what npm and the Marketplace ship), made
 * once per test process. A file missing from package.json's `files` is missing here too.
 */
export function packedBundle(): string {
	if (packed) return packed;
	const dist = join(PROJECT_ROOT, 'dist');
	if (!existsSync(join(dist, 'api.js')) || !existsSync(join(dist, 'app.js'))) {
		throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
	}
	const dir = mkdtempSync(join(tmpdir(), 'directus-migration-pack-'));
	process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
	const output = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
		cwd: PROJECT_ROOT,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'ignore'],
	});
	const { filename } = (JSON.parse(output) as { filename: string }[])[0]!;
	packed = join(dir, filename);
	return packed;
}

/** An EXTENSIONS_PATH holding the bundle unpacked from its npm tarball, as a user installs it. */
export function stageExtension(workDir: string, folder = 'extensions', version?: string): string {
	const extensionsPath = join(workDir, folder);
	const target = join(extensionsPath, EXTENSION_FOLDER);
	mkdirSync(target, { recursive: true });
	execFileSync('tar', ['-xzf', packedBundle(), '-C', target, '--strip-components=1']);
	if (version) {
		// Another release of the bundle, as far as its version says (what the receiver reports).
		const manifest = join(target, 'package.json');
		writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), version }, null, 2));
	}
	return extensionsPath;
}

export interface Pair {
	source: DirectusInstance;
	destination: DirectusInstance;
	workDir: string;
	stop(): Promise<void>;
}

/**
 * A source Directus with the bundle loaded and a destination Directus (with the bundle too, for its receiver, unless told otherwise), both fresh copies of their own
 * bootstrapped databases. The source's environment names the destination (MIGRATION_DESTINATION_URL),
 * holds its token (MIGRATION_DESTINATION_TOKEN) and lets it reach this machine (IMPORT_IP_DENY_LIST), as
 * a user would set them up.
 */
export async function startPair(
	options: {
		keepWorkDir?: boolean;
		sourceEnv?: Record<string, string>;
		destinationEnv?: Record<string, string>;
		vendor?: Vendor;
		destinationVendor?: Vendor;
		/** Directus versions per side (default: this run's). */
		sourceVersion?: string;
		destinationVersion?: string;
		/** Extra Node arguments for the source's server process. */
		sourceNodeArgs?: string[];
		/** Extra Node arguments for the destination's server process (the bench's heap probe: `--inspect=…`). */
		destinationNodeArgs?: string[];
		/**
		 * The bundle on the destination too (its receiver), as the README asks: `true` (default), `false`
		 * (a destination without the bundle: everything goes over REST), or another version of it.
		 */
		destinationBundle?: boolean | { version: string };
	} = {},
): Promise<Pair> {
	const vendor = options.vendor ?? DEFAULT_VENDOR;
	const destinationVendor = options.destinationVendor ?? vendor;
	const workDir = mkdtempSync(join(tmpdir(), 'directus-migration-'));
	const extensionsPath = stageExtension(workDir);
	const bundle = options.destinationBundle ?? true;
	const destinationExtensions = bundle === false ? undefined : stageExtension(workDir, 'destination-extensions', bundle === true ? undefined : bundle.version);
	const destinationPort = await freePort();
	const { credentials } = await databaseTemplate('destination', destinationVendor, options.destinationVersion);
	const starting = await Promise.allSettled([
		DirectusInstance.start({
			name: 'source',
			workDir,
			vendor,
			extensionsPath,
			env: {
				MIGRATION_DESTINATION_URL: `http://127.0.0.1:${destinationPort}`,
				MIGRATION_DESTINATION_TOKEN: credentials.token,
				// Directus's default deny list holds 0.0.0.0, which denies this machine's own addresses:
				// a destination on the same machine needs it narrowed, as a user running both locally does.
				IMPORT_IP_DENY_LIST: LOCAL_DESTINATION_DENY_LIST,
				...options.sourceEnv,
			},
			nodeArgs: options.sourceNodeArgs,
			directusVersion: options.sourceVersion,
		}),
		DirectusInstance.start({
			name: 'destination',
			workDir,
			port: destinationPort,
			vendor: destinationVendor,
			extensionsPath: destinationExtensions,
			env: options.destinationEnv,
			nodeArgs: options.destinationNodeArgs,
			directusVersion: options.destinationVersion,
		}),
	]);
	const [source, destination] = starting.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
	if (!source || !destination) {
		await Promise.all([source?.dispose(), destination?.dispose()]);
		throw starting.map((result) => (result.status === 'rejected' ? result.reason : null)).find(Boolean);
	}
	const started = { source, destination };
	return {
		...started,
		workDir,
		async stop() {
			await Promise.all([started.source.dispose(), started.destination.dispose()]);
			if (!options.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
		},
	};
}
