import { useApi } from '@directus/extensions-sdk';
import { defineComponent, h, onBeforeUnmount, onMounted, ref, type VNode } from 'vue';
import type { RunProgress, RunRecord } from '../../lib/runs/store.js';

/** Progress of a running run as a share (0–1): rows in the items phase, files in the files phase. */
function share(progress: RunProgress | null): number | null {
	if (!progress) return null;
	const unit = progress.phase === 'files' ? progress.files : progress.rows;
	return unit.total > 0 ? Math.min(1, unit.done / unit.total) : null;
}

function duration(seconds: number): string {
	if (seconds < 60) return `${Math.round(seconds)} s`;
	const minutes = Math.floor(seconds / 60);
	return minutes < 60 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function when(iso: string): string {
	return new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** A run whose progress was not written for a minute is no longer worked on (its process went away). */
const STALE_MS = 60_000;

const OUTCOME_COLORS: Record<string, string> = {
	succeeded: 'var(--theme--success, #2ecda7)',
	failed: 'var(--theme--danger, #e35169)',
	interrupted: 'var(--theme--warning, #ffa439)',
	running: 'var(--theme--primary, #6644ff)',
};

function runningRow(run: RunRecord): VNode {
	const progress = run.progress;
	const part = share(progress);
	const stale = progress && Date.now() - Date.parse(progress.updatedAt) > STALE_MS;
	const unit = progress?.phase === 'files' ? progress.files : progress?.rows;
	const facts = [
		progress ? `phase ${progress.phase}` : 'starting',
		progress?.collection ? progress.collection : null,
		unit && unit.total > 0 ? `${unit.done} / ${unit.total} ${progress?.phase === 'files' ? 'files' : 'rows'}` : null,
		progress?.rate ? `${progress.rate}/s` : null,
		progress?.etaSeconds !== null && progress?.etaSeconds !== undefined ? `${duration(progress.etaSeconds)} left` : null,
		progress && progress.warnings > 0 ? `${progress.warnings} warnings` : null,
		progress && progress.failures > 0 ? `${progress.failures} failures` : null,
		stale ? 'no news for a minute' : null,
	].filter(Boolean);
	return h('li', { class: 'run running', 'data-run': run.id }, [
		h('div', { class: 'title' }, [h('strong', `#${run.id} ${run.operation.replace(/^migration-/, '')}`), ` → ${run.destination.host}`, h('span', { class: 'muted' }, ` since ${when(run.startedAt)}`)]),
		h('div', { class: 'bar', role: 'progressbar', 'aria-valuenow': part === null ? undefined : Math.round(part * 100) }, [
			h('div', { class: 'fill', style: { width: `${Math.round((part ?? 0) * 100)}%` } }),
		]),
		h('div', { class: 'facts' }, facts.join(' · ')),
	]);
}

function historyRow(run: RunRecord): VNode {
	const seconds = run.endedAt ? (Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000 : 0;
	const code = run.outcome === 'failed' && run.report && typeof run.report['code'] === 'string' ? ` (${run.report['code']})` : '';
	return h('li', { class: 'run', 'data-run': run.id }, [
		h('span', { class: 'dot', style: { background: OUTCOME_COLORS[run.outcome] ?? 'gray' } }),
		h('strong', `#${run.id} ${run.operation.replace(/^migration-/, '')}`),
		` → ${run.destination.host} `,
		h('span', { class: 'outcome' }, `${run.outcome}${code}`),
		run.rolledBackBy !== null ? h('span', { class: 'muted' }, ' · rolled back') : null,
		h('span', { class: 'muted' }, ` · ${when(run.startedAt)} · ${duration(seconds)}`),
	]);
}

/** The "Migration runs" panel: a bar per running run, then the recent history; polls /migration-runs. */
export default defineComponent({
	props: {
		limit: { type: Number, default: 10 },
		refreshSeconds: { type: Number, default: 3 },
	},
	setup(props) {
		const api = useApi();
		const runs = ref<RunRecord[]>([]);
		const error = ref<string | null>(null);
		let timer: ReturnType<typeof setInterval> | undefined;
		const load = async () => {
			try {
				const response = await api.get('/migration-runs', { params: { limit: props.limit || 10 } });
				runs.value = response.data.data as RunRecord[];
				error.value = null;
			} catch (failure) {
				error.value = (failure as { response?: { status?: number } }).response?.status === 403 ? 'Only administrators can see migration runs.' : 'The runs could not be read.';
			}
		};
		onMounted(() => {
			void load();
			timer = setInterval(load, Math.max(1, props.refreshSeconds || 3) * 1000);
		});
		onBeforeUnmount(() => clearInterval(timer));
		return () => {
			const running = runs.value.filter((run) => run.outcome === 'running');
			const finished = runs.value.filter((run) => run.outcome !== 'running');
			return h('div', { class: 'migration-runs-panel' }, [
				h('style', PANEL_CSS),
				error.value ? h('p', { class: 'muted' }, error.value) : null,
				h('h3', 'Running'),
				running.length === 0 ? h('p', { class: 'muted' }, 'No migration is running.') : h('ul', running.map(runningRow)),
				h('h3', 'Recent runs'),
				finished.length === 0 ? h('p', { class: 'muted' }, 'No run on record yet.') : h('ul', finished.map(historyRow)),
			]);
		};
	},
});

const PANEL_CSS = `
.migration-runs-panel { padding: 12px 16px; height: 100%; overflow: auto; font-size: 14px; }
.migration-runs-panel h3 { font-weight: 600; margin: 4px 0 8px; }
.migration-runs-panel ul { list-style: none; padding: 0; margin: 0 0 12px; }
.migration-runs-panel li.run { padding: 6px 0; border-bottom: 1px solid var(--theme--border-color-subdued, #eee); }
.migration-runs-panel .muted { color: var(--theme--foreground-subdued, #888); }
.migration-runs-panel .bar { height: 10px; border-radius: 5px; background: var(--theme--background-normal, #eee); margin: 6px 0 4px; overflow: hidden; }
.migration-runs-panel .fill { height: 100%; background: var(--theme--primary, #6644ff); transition: width 0.5s; }
.migration-runs-panel .facts { color: var(--theme--foreground-subdued, #888); font-size: 13px; }
.migration-runs-panel .dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 8px; }
.migration-runs-panel .outcome { font-weight: 600; }
`;
