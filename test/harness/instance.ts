import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { withLock } from './lock.ts';
import { CACHE_DIR, DIRECTUS_VERSION, ensureDirectusInstalled, nodeBinary } from './paths.ts';
import * as mariadb from './mariadb.ts';
import { databaseExists, dropDatabase, dropDatabasesOfDeadRuns, POSTGRES, psql } from './postgres.ts';

export interface Credentials {
	email: string;
	password: string;
	token: string;
}

export type Vendor = 'sqlite' | 'postgres' | 'mariadb';

/** The database the end-to-end suite runs on: E2E_DB_VENDOR=postgres or mariadb, else SQLite. */
export const DEFAULT_VENDOR: Vendor = vendorFromEnv(process.env['E2E_DB_VENDOR']);

function vendorFromEnv(name: string | undefined): Vendor {
	if (name === 'postgres' || name === 'mariadb') return name;
	return 'sqlite';
}

/** The vendor name Directus reports for a database (its snapshot's `vendor`): MariaDB is `mysql`. */
export function directusVendor(vendor: Vendor): string {
	return vendor === 'mariadb' ? 'mysql' : vendor;
}

const TEMPLATE_FORMAT = 2;
const running = new Set<ChildProcess>();

/** Every Directus this process started is stopped when it exits, whatever way it exits. */
process.once('exit', () => {
	for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined || child.exitCode !== null) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		/* already gone */
	}
}

export async function freePort(): Promise<number> {
	return new Promise((resolvePort, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolvePort(port));
		});
	});
}

function baseEnv(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
		if (process.env[name]) env[name] = process.env[name]!;
	}
	return { ...env, TELEMETRY: 'false', LOG_STYLE: 'raw', NODE_ENV: 'production' };
}

function newCredentials(name: string): Credentials {
	return {
		email: `admin@${name}.example.com`,
		password: `pw-${randomBytes(6).toString('hex')}`,
		token: `tok${randomBytes(16).toString('hex')}`,
	};
}

function bootstrap(database: Record<string, string>, credentials: Credentials, version: string): Promise<void> {
	return runToEnd(nodeBinary(), [ensureDirectusInstalled(version), 'bootstrap'], {
		...baseEnv(),
		...database,
		KEY: randomBytes(16).toString('hex'),
		SECRET: randomBytes(16).toString('hex'),
		ADMIN_EMAIL: credentials.email,
		ADMIN_PASSWORD: credentials.password,
		ADMIN_TOKEN: credentials.token,
		LOG_LEVEL: 'warn',
	});
}

function postgresEnv(database: string): Record<string, string> {
	return { DB_CLIENT: 'pg', DB_HOST: POSTGRES.host, DB_PORT: String(POSTGRES.port), DB_DATABASE: database, DB_USER: POSTGRES.user, DB_PASSWORD: '' };
}

function mariadbEnv(database: string): Record<string, string> {
	return {
		DB_CLIENT: 'mysql',
		DB_HOST: mariadb.MARIADB.host,
		DB_PORT: String(mariadb.MARIADB.port),
		DB_DATABASE: database,
		DB_USER: mariadb.MARIADB.user,
		DB_PASSWORD: '',
	};
}

/** The database name for a template: one per Directus version, name and template format. */
function templateDatabase(name: string, version: string): string {
	return `dmo_tpl_${version.replace(/\W/g, '_')}_${name}_v${TEMPLATE_FORMAT}`;
}

/**
 * A bootstrapped database, made once per name, vendor and Directus version and cached: instances
 * start from a copy. Each name is bootstrapped on its own, so two instances never share an admin id.
 */
export async function databaseTemplate(
	name: string,
	vendor: Vendor = DEFAULT_VENDOR,
	version: string = DIRECTUS_VERSION,
): Promise<{ template: string; credentials: Credentials }> {
	const dir = join(CACHE_DIR, 'templates');
	mkdirSync(dir, { recursive: true });
	const label = `directus-${version}-${vendor}-${name}-v${TEMPLATE_FORMAT}`;
	const credentialsFile = join(dir, `${label}.json`);
	return withLock(join(dir, `${label}.lock`), async () => {
		if (vendor === 'sqlite') {
			const file = join(dir, `${label}.db`);
			if (!existsSync(file) || !existsSync(credentialsFile)) {
				const credentials = newCredentials(name);
				const partial = `${file}.partial`;
				await bootstrap({ DB_CLIENT: 'sqlite3', DB_FILENAME: partial }, credentials, version);
				writeFileSync(credentialsFile, JSON.stringify(credentials));
				renameSync(partial, file);
			}
			return { template: file, credentials: JSON.parse(readFileSync(credentialsFile, 'utf8')) as Credentials };
		}
		const database = templateDatabase(name, version);
		if (vendor === 'mariadb') {
			if (!mariadb.databaseExists(database) || !existsSync(credentialsFile)) {
				const credentials = newCredentials(name);
				mariadb.dropDatabase(database);
				mariadb.createDatabase(database);
				await bootstrap(mariadbEnv(database), credentials, version);
				writeFileSync(credentialsFile, JSON.stringify(credentials));
			}
			return { template: database, credentials: JSON.parse(readFileSync(credentialsFile, 'utf8')) as Credentials };
		}
		if (!databaseExists(database) || !existsSync(credentialsFile)) {
			const credentials = newCredentials(name);
			dropDatabase(database);
			psql(`create database "${database}"`);
			// Geometry fields need PostGIS in the database (scripts/install-postgres.sh installs it); without
			// it, Directus refuses them and the fidelity test says so.
			try {
				psql('create extension if not exists postgis', database);
			} catch {
				/* PostGIS is not installed */
			}
			await bootstrap(postgresEnv(database), credentials, version);
			writeFileSync(credentialsFile, JSON.stringify(credentials));
		}
		return { template: database, credentials: JSON.parse(readFileSync(credentialsFile, 'utf8')) as Credentials };
	});
}

/** A fresh database for one instance, copied from its template; its environment for Directus. */
async function instanceDatabase(
	name: string,
	vendor: Vendor,
	dir: string,
	version: string,
): Promise<{ env: Record<string, string>; database: string; credentials: Credentials }> {
	const { template, credentials } = await databaseTemplate(name, vendor, version);
	if (vendor === 'sqlite') {
		const file = join(dir, 'data.db');
		copyFileSync(template, file);
		return { env: { DB_CLIENT: 'sqlite3', DB_FILENAME: file }, database: file, credentials };
	}
	const database = `dmo_run_${process.pid}_${randomBytes(3).toString('hex')}_${name}`;
	if (vendor === 'mariadb') {
		mariadb.dropDatabasesOfDeadRuns();
		mariadb.copyDatabase(template, database);
		return { env: mariadbEnv(database), database, credentials };
	}
	dropDatabasesOfDeadRuns();
	psql(`create database "${database}" template "${template}"`);
	return { env: postgresEnv(database), database, credentials };
}

function runToEnd(command: string, args: string[], env: Record<string, string>): Promise<void> {
	return new Promise((resolveRun, reject) => {
		const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		child.stdout.on('data', (chunk) => (output += chunk));
		child.stderr.on('data', (chunk) => (output += chunk));
		child.on('error', reject);
		child.on('exit', (code) =>
			code === 0 ? resolveRun() : reject(new Error(`${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`)),
		);
	});
}

export interface InstanceOptions {
	name: string;
	/** A folder holding extension folders (EXTENSIONS_PATH). */
	extensionsPath?: string;
	/** Extra environment for the server (e.g. the destination URL and token for a source). */
	env?: Record<string, string>;
	workDir: string;
	/** A port chosen beforehand (so a pair can start both servers at once); default: a free one. */
	port?: number;
	vendor?: Vendor;
	/** The Directus version (default: this run's, DIRECTUS_VERSION). */
	directusVersion?: string;
	/** Extra arguments for Node before Directus's CLI (e.g. `--inspect=127.0.0.1:9230` for the bench's heap probe). */
	nodeArgs?: string[];
	/** Another replica of `replicaOf`: the same database (never dropped by this one), the same admin. */
	replicaOf?: DirectusInstance;
}

export class DirectusInstance {
	readonly name: string;
	readonly url: string;
	readonly port: number;
	readonly credentials: Credentials;
	readonly dir: string;
	readonly logFile: string;
	readonly vendor: Vendor;
	/** The Directus version this instance runs. */
	readonly version: string;
	/** The SQLite file, or the PostgreSQL or MariaDB database name. */
	readonly database: string;
	private readonly env: Record<string, string>;
	private readonly nodeArgs: string[];
	private readonly ownsDatabase: boolean;
	private child: ChildProcess | null = null;

	private constructor(fields: {
		name: string;
		url: string;
		port: number;
		credentials: Credentials;
		dir: string;
		env: Record<string, string>;
		vendor: Vendor;
		database: string;
		nodeArgs?: string[];
		version: string;
		ownsDatabase?: boolean;
	}) {
		this.version = fields.version;
		this.nodeArgs = fields.nodeArgs ?? [];
		this.ownsDatabase = fields.ownsDatabase ?? true;
		this.vendor = fields.vendor;
		this.database = fields.database;
		this.name = fields.name;
		this.url = fields.url;
		this.port = fields.port;
		this.credentials = fields.credentials;
		this.dir = fields.dir;
		this.env = fields.env;
		this.logFile = join(fields.dir, 'server.log');
	}

	/** The DB_* variables this server runs with (for a replica on the same database). */
	databaseEnv(): Record<string, string> {
		return Object.fromEntries(Object.entries(this.env).filter(([name]) => name.startsWith('DB_')));
	}

	get token(): string {
		return this.credentials.token;
	}

	/** Peak resident memory of the server process so far (VmHWM), in bytes; null when not running. */
	peakMemoryBytes(): number | null {
		if (!this.child?.pid) return null;
		const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
		const match = /VmHWM:\s+(\d+) kB/.exec(status);
		return match ? Number(match[1]) * 1024 : null;
	}

	/** Resident memory of the server process now (VmRSS), in bytes; null when not running. */
	residentMemoryBytes(): number | null {
		if (!this.child?.pid) return null;
		const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
		const match = /VmRSS:\s+(\d+) kB/.exec(status);
		return match ? Number(match[1]) * 1024 : null;
	}

	static async start(options: InstanceOptions): Promise<DirectusInstance> {
		const vendor = options.vendor ?? DEFAULT_VENDOR;
		const dir = join(options.workDir, options.name);
		mkdirSync(join(dir, 'uploads'), { recursive: true });
		// Directus looks for package extensions in the package.json of its working folder.
		writeFileSync(join(dir, 'package.json'), '{ "name": "directus-test-instance", "private": true }\n');
		const version = options.directusVersion ?? options.replicaOf?.version ?? DIRECTUS_VERSION;
		const database = options.replicaOf
			? { env: options.replicaOf.databaseEnv(), database: options.replicaOf.database, credentials: options.replicaOf.credentials }
			: await instanceDatabase(options.name, vendor, dir, version);
		const port = options.port ?? (await freePort());
		const url = `http://127.0.0.1:${port}`;
		const env: Record<string, string> = {
			...baseEnv(),
			HOST: '127.0.0.1',
			PORT: String(port),
			PUBLIC_URL: url,
			...database.env,
			KEY: randomBytes(16).toString('hex'),
			SECRET: randomBytes(16).toString('hex'),
			LOG_LEVEL: 'info',
			CACHE_ENABLED: 'false',
			RATE_LIMITER_ENABLED: 'false',
			// Two servers and the tests share two cores: Directus's load shedding (503 "Under pressure") would trip.
			PRESSURE_LIMITER_ENABLED: 'false',
			STORAGE_LOCATIONS: 'local',
			STORAGE_LOCAL_ROOT: join(dir, 'uploads'),
			EXTENSIONS_PATH: options.extensionsPath ?? join(dir, 'extensions'),
			EXTENSIONS_MUST_LOAD: 'true',
			EXTENSIONS_AUTO_RELOAD: 'false',
			WEBSOCKETS_ENABLED: 'false',
			...options.env,
		};
		mkdirSync(env['EXTENSIONS_PATH']!, { recursive: true });
		const instance = new DirectusInstance({
			name: options.name,
			url,
			port,
			credentials: database.credentials,
			dir,
			env,
			vendor,
			database: database.database,
			nodeArgs: options.nodeArgs,
			version,
			ownsDatabase: !options.replicaOf,
		});
		await instance.startProcess();
		return instance;
	}

	/** Starts (or restarts) the server process and waits until it answers. */
	async startProcess(): Promise<void> {
		const log = createWriteStream(this.logFile, { flags: 'a' });
		const child = spawn(nodeBinary(), [...this.nodeArgs, ensureDirectusInstalled(this.version), 'start'], {
			cwd: this.dir,
			env: this.env,
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		child.stdout!.pipe(log);
		child.stderr!.pipe(log);
		running.add(child);
		child.on('exit', () => running.delete(child));
		this.child = child;
		await this.waitUntilReady(child);
	}

	private async waitUntilReady(child: ChildProcess): Promise<void> {
		const deadline = Date.now() + 90_000;
		while (Date.now() < deadline) {
			if (child.exitCode !== null) {
				throw new Error(`Directus "${this.name}" exited with ${child.exitCode}; see ${this.logFile}:\n${this.tailLog()}`);
			}
			try {
				const response = await fetch(`${this.url}/server/ping`, { signal: AbortSignal.timeout(2000) });
				if (response.ok) return;
			} catch {
				/* not up yet */
			}
			await new Promise((resolveWait) => setTimeout(resolveWait, 250));
		}
		throw new Error(`Directus "${this.name}" did not answer within 90 s; see ${this.logFile}:\n${this.tailLog()}`);
	}

	tailLog(chars = 4000): string {
		return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').slice(-chars) : '';
	}

	readLog(): string {
		return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
	}

	/** Stops the server and removes its PostgreSQL or MariaDB database (a SQLite file goes with the work folder). */
	async dispose(): Promise<void> {
		await this.stop();
		if (this.vendor === 'postgres' && this.ownsDatabase) dropDatabase(this.database);
		if (this.vendor === 'mariadb' && this.ownsDatabase) mariadb.dropDatabase(this.database);
	}

	/** Stops the server (the whole process group) and waits for it to exit. */
	async stop(): Promise<void> {
		const child = this.child;
		this.child = null;
		if (!child || child.exitCode !== null) return;
		const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
		killGroup(child, 'SIGTERM');
		const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
		await exited;
		clearTimeout(timer);
	}

	/** Kills the server at once (SIGKILL to its process group), as a crash or an evicted container would: nothing runs to its end. */
	async crash(): Promise<void> {
		const child = this.child;
		this.child = null;
		if (!child || child.exitCode !== null) return;
		const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
		killGroup(child, 'SIGKILL');
		await exited;
	}

	/** A REST call as the admin; returns `data`, throws with Directus's error text on a non-2xx answer. */
	async api<T = any>(method: string, path: string, body?: unknown, token = this.token): Promise<T> {
		const response = await fetch(`${this.url}${path}`, {
			method,
			headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (!response.ok) throw new ApiError(method, path, response.status, text);
		if (!text) return null as T;
		const json = JSON.parse(text) as { data?: T };
		return (json.data ?? json) as T;
	}
}

export class ApiError extends Error {
	readonly status: number;
	readonly body: string;

	constructor(method: string, path: string, status: number, body: string) {
		super(`${method} ${path} → ${status}: ${body.slice(0, 500)}`);
		this.status = status;
		this.body = body;
	}
}
