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

export interface BrowserSession {
	browser: Browser;
	context: BrowserContext;
	page: Page;
	/** Console errors and uncaught exceptions that came from our app bundle, since the last `takeBundleErrors`. */
	takeBundleErrors(): string[];
	close(): Promise<void>;
}

/** A headless Chromium with a fresh profile (Playwright makes a temporary one), quiet (no background traffic), one page. */
export async function openBrowser(viewport = { width: 1600, height: 1000 }): Promise<BrowserSession> {
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
		if (message.type() !== 'error') return;
		const text = message.text();
		if (message.location().url.includes(EXTENSION_SOURCES) || text.includes(EXTENSION_SOURCES)) errors.push(`console.error: ${text}`);
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
