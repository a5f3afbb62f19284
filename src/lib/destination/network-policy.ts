import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { invalidOptions, MigrationError } from '../errors.js';

/**
 * Which hosts the source may send the destination token to, decided by the source's administrator
 * with Directus's own setting and one of ours:
 * - `IMPORT_IP_DENY_LIST` (Directus's, the same semantics and default as its request operation and
 *   file import): addresses, CIDR subnets and `start-end` ranges; `0.0.0.0` stands for every address
 *   of this machine's own network interfaces (loopback included). A list Directus cannot read denies
 *   everything, as Directus does.
 * - `MIGRATION_DESTINATION_ALLOW_LIST` (ours, optional): host names, `host:port` or URLs; when set,
 *   no other destination is reachable.
 * Checked before the first request and again on every connection the client opens, so a host name
 * that resolves elsewhere later (DNS rebinding) is refused too.
 */
export interface NetworkPolicy {
	denyList: string[];
	allowList: string[];
}

export const DENY_LIST_ENV = 'IMPORT_IP_DENY_LIST';
export const ALLOW_LIST_ENV = 'MIGRATION_DESTINATION_ALLOW_LIST';
/** Directus's default for IMPORT_IP_DENY_LIST. */
export const DIRECTUS_DEFAULT_DENY_LIST = ['0.0.0.0', '169.254.169.254'];

type Env = Record<string, unknown>;

/** A comma-separated setting or an array (Directus parses some settings into arrays), trimmed, no blanks. */
export function listSetting(value: unknown): string[] {
	const parts = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
	return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function setting(env: Env, name: string): unknown {
	return env[name] ?? process.env[name];
}

export function networkPolicyFrom(env: Env): NetworkPolicy {
	const deny = setting(env, DENY_LIST_ENV);
	return {
		denyList: deny === undefined || deny === null ? DIRECTUS_DEFAULT_DENY_LIST : listSetting(deny),
		allowList: listSetting(setting(env, ALLOW_LIST_ENV)),
	};
}

type Interfaces = ReturnType<typeof networkInterfaces>;

/** `::ffff:10.0.0.1` → `10.0.0.1`; other addresses as they are, without IPv6 brackets. */
export function plainAddress(address: string): string {
	const unbracketed = address.replace(/^\[(.*)\]$/, '$1');
	const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(unbracketed);
	return mapped ? mapped[1]! : unbracketed;
}

function familyOf(address: string): 'ipv4' | 'ipv6' {
	return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

function blockListOf(entries: string[]): BlockList {
	const list = new BlockList();
	for (const entry of entries) {
		if (entry.includes('-')) {
			const [start = '', end = ''] = entry.split('-').map((part) => plainAddress(part.trim()));
			list.addRange(start, end, familyOf(start));
		} else if (entry.includes('/')) {
			const [network = '', prefix = ''] = entry.split('/');
			const address = plainAddress(network.trim());
			if (!/^\d+$/.test(prefix.trim())) throw new Error(`bad prefix in ${entry}`);
			list.addSubnet(address, Number(prefix), familyOf(address));
		} else {
			const address = plainAddress(entry);
			if (isIP(address) === 0) throw new Error(`not an address: ${entry}`);
			list.addAddress(address, familyOf(address));
		}
	}
	return list;
}

/** Whether `IMPORT_IP_DENY_LIST` denies `address`, with Directus's semantics (see NetworkPolicy). */
export function isDeniedAddress(address: string, denyList: string[], interfaces: Interfaces = networkInterfaces()): boolean {
	if (denyList.length === 0) return false;
	const ip = plainAddress(address);
	if (isIP(ip) === 0) return true;
	try {
		if (blockListOf(denyList).check(ip, familyOf(ip))) return true;
	} catch {
		return true;
	}
	if (!denyList.includes('0.0.0.0')) return false;
	for (const info of Object.values(interfaces).flat()) {
		if (!info) continue;
		if (info.internal && info.cidr) {
			if (blockListOf([info.cidr]).check(ip, familyOf(ip))) return true;
		} else if (plainAddress(info.address) === ip) {
			return true;
		}
	}
	return false;
}

interface AllowEntry {
	protocol?: string;
	hostname: string;
	port?: string;
}

function allowEntry(entry: string): AllowEntry | null {
	const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `none://${entry}`;
	try {
		const url = new URL(withScheme);
		const protocol = url.protocol === 'none:' ? undefined : url.protocol;
		return { protocol, hostname: url.hostname.toLowerCase(), port: url.port || undefined };
	} catch {
		return null;
	}
}

/** Whether `MIGRATION_DESTINATION_ALLOW_LIST` (when set) names this destination. `*.example.com` matches subdomains. */
export function isAllowedDestination(url: URL, allowList: string[]): boolean {
	if (allowList.length === 0) return true;
	const hostname = url.hostname.toLowerCase();
	const port = url.port || (url.protocol === 'https:' ? '443' : '80');
	return allowList.some((text) => {
		const entry = allowEntry(text);
		if (!entry) return false;
		if (entry.protocol && entry.protocol !== url.protocol) return false;
		if (entry.port && entry.port !== port) return false;
		if (entry.hostname.startsWith('*.')) return hostname.endsWith(entry.hostname.slice(1));
		return entry.hostname === hostname;
	});
}

export type Resolve = (hostname: string) => Promise<string[]>;

const resolveAll: Resolve = (hostname) =>
	new Promise((resolve, reject) =>
		dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses.map((entry) => entry.address)))),
	);

/**
 * Refuses, before any request, a destination the policy does not allow: not on the allow-list, or
 * whose address (a literal, or every address its name resolves to) is denied. A name that does not
 * resolve is left to the request, which fails as unreachable (and is checked again on connection).
 */
export async function assertDestinationAllowed(url: URL, policy: NetworkPolicy, resolve: Resolve = resolveAll): Promise<void> {
	if (!isAllowedDestination(url, policy.allowList)) {
		throw invalidOptions([
			{ option: 'destinationUrl', problem: `${url.host} is not on ${ALLOW_LIST_ENV}, the source's list of allowed destinations` },
		]);
	}
	const host = plainAddress(url.hostname);
	let addresses: string[];
	if (isIP(host) !== 0) {
		addresses = [host];
	} else {
		try {
			addresses = await resolve(host);
		} catch {
			return;
		}
	}
	const denied = addresses.find((address) => isDeniedAddress(address, policy.denyList));
	if (denied !== undefined) throw deniedDestination(url.host, denied);
}

function deniedDestination(host: string, address: string): MigrationError {
	const shown = host === address ? host : `${host} (${address})`;
	return invalidOptions([
		{ option: 'destinationUrl', problem: `${shown} is an address the source's ${DENY_LIST_ENV} denies` },
	]);
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for the client's connections: resolves as Node does, then refuses the connection when
 * any resolved address is denied. Literal addresses never reach a lookup; they are checked up front.
 */
export function guardedLookup(policy: NetworkPolicy) {
	return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
		dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
			if (error) return callback(error, options.all ? [] : '', undefined);
			const denied = addresses.find((entry) => isDeniedAddress(entry.address, policy.denyList));
			if (denied) {
				const refusal = Object.assign(new Error(`${hostname} resolves to ${denied.address}, which ${DENY_LIST_ENV} denies`), {
					code: 'EDENIEDADDRESS',
				});
				return callback(refusal, options.all ? [] : '', undefined);
			}
			if (options.all) return callback(null, addresses);
			const first = addresses[0]!;
			callback(null, first.address, first.family);
		});
	};
}
