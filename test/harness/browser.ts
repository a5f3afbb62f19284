import { accessSync, constants } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import type { DirectusInstance } from './instance.ts';

/**
 * Debian's Chromium (installed by scripts/install-chromium.sh), driven by playwright-core: Playwright
 * never downloads a browser here. CHROMIUM_PATH points elsewhere if needed.
 */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export function chromiumInstalled(): boolean {
	try {
		accessSync(CHROMIUM_PATH, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

/** Where the admin app loads an extension's app bundle from: errors from there are ours. */
const EXTENSION_SOURCES = '/extensions/sources/';

/**
 * Whether a console message is an error of our bundle: logged from it, with it in the stack, or one
 * the admin app caught in our code and reported as a warning tagged with the extension's id
 * (`[operation-overview-<id>-error]`, followed by the error and its stack).
 */
function fromOurBundle(message: ConsoleMessage, extensionIds: string[]): boolean {
	if (!['error', 'warning', 'assert'].includes(message.type())) return false;
	const text = message.text();
	return (
		message.location().url.includes(EXTENSION_SOURCES) ||
		text.includes(EXTENSION_SOURCES) ||
		extensionIds.some((id) => text.includes(`-${id}-error]`))
	);
}

export interface BrowserSession {
	browser: Browser;
	context: BrowserContext;
	page: Page;
	/** Errors of our app bundle the page logged (see `fromOurBundle`) or threw, since the last `takeBundleErrors`. */
	takeBundleErrors(): string[];
	close(): Promise<void>;
}

/**
 * A headless Chromium with a fresh profile (Playwright makes a temporary one), quiet (no background
 * traffic), one page, watching for errors of our bundle (`extensionIds`: our operations' ids).
 */
export async function openBrowser(extensionIds: string[], viewport = { width: 1600, height: 1000 }): Promise<BrowserSession> {
	const browser = await chromium.launch({
		executablePath: CHROMIUM_PATH,
		headless: true,
		timeout: 60_000,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--disable-quic',
			'--no-first-run',
		],
	});
	// Reduced motion: the login page's animated background is costly without a GPU.
	const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC', reducedMotion: 'reduce' });
	context.setDefaultTimeout(20_000);
	const page = await context.newPage();
	let errors: string[] = [];
	page.on('console', (message: ConsoleMessage) => {
		if (process.env['BROWSER_TEST_CONSOLE']) console.log(`[browser ${message.type()}] ${message.text()} (${message.location().url})`);
		if (fromOurBundle(message, extensionIds)) errors.push(`console.${message.type()}: ${message.text()}`);
	});
	page.on('pageerror', (error) => {
		if (process.env['BROWSER_TEST_CONSOLE']) console.log(`[browser uncaught] ${error.stack ?? error.message}`);
		if (`${error.stack ?? ''}\n${error.message}`.includes(EXTENSION_SOURCES)) errors.push(`uncaught: ${error.stack ?? error.message}`);
	});
	return {
		browser,
		context,
		page,
		takeBundleErrors() {
			const taken = errors;
			errors = [];
			return taken;
		},
		async close() {
			await browser.close();
		},
	};
}

/**
 * Marks the project as past its first-run questions (usage and owner), as any project in use is, so
 * that the admin app opens on the page asked for instead of a license dialog.
 */
export async function completeOnboarding(instance: DirectusInstance): Promise<void> {
	await instance.api('PATCH', '/settings', { project_usage: 'community', project_owner: instance.credentials.email });
}

/** Signs in through the admin app's login form, as a user does. */
export async function signIn(page: Page, instance: DirectusInstance): Promise<void> {
	await page.goto(`${instance.url}/admin/login`);
	await page.getByPlaceholder('Email').fill(instance.credentials.email);
	await page.getByPlaceholder('Password').fill(instance.credentials.password);
	await page.getByRole('button', { name: 'Sign In' }).click();
	await page.waitForURL((url) => url.pathname.startsWith('/admin/') && !url.pathname.startsWith('/admin/login'), { timeout: 30_000 });
}
