import type { RunRecord } from '../runs/store.js';

/**
 * What undoing a migration-system run cannot give back, said before (dry run) and after: passwords
 * the run copied (a journal never holds a password hash, so the previous one is not known) and
 * registry extensions it installed (an install is not a row; uninstall them in the marketplace).
 * Counts only, from the run's report: never a value.
 */
export function systemRollbackWarnings(target: RunRecord): { code: string; message: string }[] {
	if (target.operation !== 'migration-system') return [];
	const report = target.report ?? {};
	const warnings: { code: string; message: string }[] = [];
	const passwords = Number((report['passwords'] as { copied?: number } | null | undefined)?.copied ?? 0);
	if (passwords > 0) {
		warnings.push({
			code: 'DATA_NOT_RESTORED',
			message: `Run ${target.id} copied ${passwords} user password(s): password changes cannot be undone (the journal never holds a password). Users the run updated keep the password it gave them; users it created are deleted.`,
		});
	}
	const extensions = Number((report['scopes'] as Record<string, { created?: number }> | undefined)?.['extensions']?.created ?? 0);
	if (extensions > 0) {
		warnings.push({
			code: 'EXTENSIONS_NOT_UNINSTALLED',
			message: `Run ${target.id} installed ${extensions} registry extension(s): a rollback does not uninstall them; uninstall them in the destination's marketplace.`,
		});
	}
	return warnings;
}
