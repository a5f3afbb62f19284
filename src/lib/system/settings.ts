import type { IdMapping } from './admin-identity.js';
import { sameValue } from './diff-rows.js';
import type { Reference, Row } from './kinds.js';

/**
 * Project settings that stay as the destination has them, and why. Everything else: the source wins.
 */
export const SETTINGS_KEPT_ON_DESTINATION: Readonly<Record<string, string>> = {
	id: 'the settings row itself',
	project_url: 'URL-specific: the address of this instance',
	visual_editor_urls: 'URL-specific: the front-end addresses this instance previews',
	project_id: "the instance's own identity (used by its license)",
	license_key: 'secret, and the license of this instance',
	license_token: 'secret, and the license of this instance',
	project_owner: "the instance's own registration",
	project_usage: "the instance's own registration",
	org_name: "the instance's own registration",
	product_updates: "the instance's own registration",
	project_status: "the instance's own registration",
	ai_openai_api_key: 'secret (stored encrypted with the instance key): set it on the destination',
	ai_anthropic_api_key: 'secret (stored encrypted with the instance key): set it on the destination',
	ai_google_api_key: 'secret (stored encrypted with the instance key): set it on the destination',
	ai_openai_compatible_api_key: 'secret (stored encrypted with the instance key): set it on the destination',
	ai_openai_compatible_headers: 'may hold credentials: set it on the destination',
};

/** Settings that point at rows: copied only when the row is on the destination (or migrated with it). */
export const SETTINGS_REFERENCES: Readonly<Record<string, Reference>> = {
	public_registration_role: { collection: 'directus_roles', need: 'optional' },
	storage_default_folder: { collection: 'directus_folders', need: 'optional' },
	project_logo: { collection: 'directus_files', need: 'optional' },
	public_foreground: { collection: 'directus_files', need: 'optional' },
	public_background: { collection: 'directus_files', need: 'optional' },
	public_favicon: { collection: 'directus_files', need: 'optional' },
};

export interface SettingsPlan {
	/** Only the fields whose source value differs from the destination's. */
	changes: Row;
	/** Fields present on the source that are not migrated (fields equal on both sides are not listed). */
	kept: { field: string; reason: string }[];
}

/**
 * What the destination's settings need. `missing` holds reference fields whose target is not on the
 * destination: they are kept as the destination has them. Pure.
 */
export function planSettings(source: Row, destination: Row, mapping: IdMapping, missing: Set<string> = new Set()): SettingsPlan {
	const plan: SettingsPlan = { changes: {}, kept: [] };
	for (const [field, raw] of Object.entries(source)) {
		if (!(field in destination)) continue;
		const reference = SETTINGS_REFERENCES[field];
		const value = reference && raw !== null && raw !== undefined ? mapping.map(reference.collection, raw as string) : raw;
		if (sameValue(value, destination[field])) continue;
		const keptBecause =
			SETTINGS_KEPT_ON_DESTINATION[field] ?? (missing.has(field) ? `points at a ${reference?.collection} row the destination does not have` : null);
		if (keptBecause) plan.kept.push({ field, reason: keptBecause });
		else plan.changes[field] = value ?? null;
	}
	return plan;
}
