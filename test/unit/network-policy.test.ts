import { describe, expect, it } from 'vitest';
import { isDeniedAddress, listSetting, networkPolicyFrom } from '../../src/lib/destination/network-policy.js';

const interfaces = {
	lo: [
		{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' },
		{ address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', mac: '00:00:00:00:00:00', internal: true, cidr: '::1/128', scopeid: 0 },
	],
	eth0: [{ address: '10.1.2.3', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '10.1.2.3/24' }],
} as const;
const denied = (address: string, list: string[]) => isDeniedAddress(address, list, interfaces as never);

describe("IMPORT_IP_DENY_LIST, with Directus's semantics", () => {
	it('denies listed addresses, CIDR subnets and start-end ranges', () => {
		const list = ['169.254.169.254', '192.168.0.0/16', '10.0.0.5-10.0.0.9', 'fd00::/8'];
		expect(denied('169.254.169.254', list)).toBe(true);
		expect(denied('192.168.44.1', list)).toBe(true);
		expect(denied('10.0.0.7', list)).toBe(true);
		expect(denied('10.0.0.10', list)).toBe(false);
		expect(denied('fd12::1', list)).toBe(true);
		expect(denied('203.0.113.1', list)).toBe(false);
	});

	it('reads an IPv4 address mapped into IPv6 as the IPv4 address', () => {
		expect(denied('::ffff:169.254.169.254', ['169.254.169.254'])).toBe(true);
	});

	it("0.0.0.0 stands for this machine's interfaces: loopback subnets, and the exact address of the others", () => {
		expect(denied('127.0.0.1', ['0.0.0.0'])).toBe(true);
		expect(denied('127.0.0.3', ['0.0.0.0'])).toBe(true);
		expect(denied('::1', ['0.0.0.0'])).toBe(true);
		expect(denied('10.1.2.3', ['0.0.0.0'])).toBe(true);
		expect(denied('10.1.2.4', ['0.0.0.0'])).toBe(false);
	});

	it('denies everything when the list cannot be read, as Directus does', () => {
		expect(denied('203.0.113.1', ['not-an-address'])).toBe(true);
	});

	it('an empty list denies nothing', () => {
		expect(denied('127.0.0.1', [])).toBe(false);
	});

	it("defaults to Directus's own default when the variable is not set, and reads lists or arrays", () => {
		expect(networkPolicyFrom({}).denyList).toEqual(['0.0.0.0', '169.254.169.254']);
		expect(networkPolicyFrom({ IMPORT_IP_DENY_LIST: ['169.254.169.254'] }).denyList).toEqual(['169.254.169.254']);
		expect(networkPolicyFrom({ IMPORT_IP_DENY_LIST: '' }).denyList).toEqual([]);
		expect(listSetting(' a.example.com , ,b ')).toEqual(['a.example.com', 'b']);
	});
});

describe('the lookup every connection makes', () => {
	it('refuses a connection to a name that resolves to a denied address', async () => {
		const { guardedLookup } = await import('../../src/lib/destination/network-policy.js');
		const lookup = guardedLookup({ denyList: ['127.0.0.0/8', '::1'], allowList: [] });
		const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('localhost', { all: true }, (failure) => resolve(failure)));
		expect(error?.code).toBe('EDENIEDADDRESS');
	});

	it('lets a connection to an allowed address through', async () => {
		const { guardedLookup } = await import('../../src/lib/destination/network-policy.js');
		const lookup = guardedLookup({ denyList: ['169.254.169.254'], allowList: [] });
		const address = await new Promise((resolve) => lookup('localhost', {}, (_failure, found) => resolve(found)));
		expect(String(address)).toMatch(/^(127\.0\.0\.1|::1)$/);
	});
});
