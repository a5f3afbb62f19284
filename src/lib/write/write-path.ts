import type { DestinationClient } from '../destination/client.js';
import { MigrationError } from '../errors.js';
import { flowBoolean, flowEnum } from '../options/flow-values.js';
import { isMissingRoute } from '../destination/failures.js';
import { RECEIVER_ID, RECEIVER_MEDIA_TYPE, type FileBatchBounds, type OpenAnswer, type ReceiverInfo } from '../receiver/protocol.js';
import { bundleVersion, majorOf } from '../receiver/version.js';
import type { Warning } from '../report.js';

/**
 * How items reach the destination: through its public REST API, or through the receiver (this bundle
 * installed on the destination too). Both are transports of the same write engine (DestinationItems):
 * the batches, the diff and the failure rule are the same; only the request differs.
 */
export type WritePath =
	| { kind: 'rest' }
	| {
			kind: 'receiver';
			/** Activity and revision rows per item on the destination (Directus's REST API always writes them). */
			trackActivity: boolean;
			/** items.* hooks and Flows on the destination. */
			emitEvents: boolean;
			/** The destination's database vendor, as its receiver says (null: a receiver that does not say). */
			database: string | null;
			/** The bounds of the receiver's file batches (null: a receiver without them; files go one by one). */
			fileBatches: FileBatchBounds | null;
	  };

export const REST_PATH: WritePath = { kind: 'rest' };

/** The options that choose the write path (content and verify operations). */
export const writePathShape = {
	writePath: flowEnum(['auto', 'receiver', 'rest'] as const, 'auto'),
	trackActivity: flowBoolean(false),
	emitEvents: flowBoolean(false),
};

export interface WritePathOptions {
	writePath: 'auto' | 'receiver' | 'rest';
	trackActivity: boolean;
	emitEvents: boolean;
}

/** The receiver on the destination, or null when it has none (a destination without the bundle: 404). */
export async function detectReceiver(client: DestinationClient): Promise<ReceiverInfo | null> {
	try {
		const info = await client.send<ReceiverInfo | null>({ method: 'GET', path: `/${RECEIVER_ID}/` });
		if (!info || info.receiver !== RECEIVER_ID || typeof info.version !== 'string') return null;
		return {
			receiver: RECEIVER_ID,
			version: info.version,
			...(typeof info.database === 'string' ? { database: info.database } : {}),
			...(info.fileBatches ? { fileBatches: info.fileBatches } : {}),
		};
	} catch (error) {
		if (error instanceof MigrationError && error.code === 'NOT_FOUND') return null;
		throw error;
	}
}

/**
 * The receiver's `open` answer (its version, the lease, and what `asked` names: the destination's
 * fields, the sync marker preset of that name); null when the destination has no receiver with that
 * route (none at all, or one of an earlier version: then detectReceiver).
 */
export async function openReceiver(client: DestinationClient, asked: { fields: boolean; marker: string | undefined }): Promise<OpenAnswer | null> {
	try {
		const answer = await client.send<OpenAnswer | null>({
			method: 'POST',
			path: `/${RECEIVER_ID}/open`,
			headers: { 'Content-Type': RECEIVER_MEDIA_TYPE },
			body: () => JSON.stringify({ fields: asked.fields, ...(asked.marker === undefined ? {} : { marker: asked.marker }) }),
			lostAnswer: 'repeat',
			needsLease: false,
			leaseInAnswer: true,
		});
		return answer && answer.receiver === RECEIVER_ID && typeof answer.version === 'string' ? answer : null;
	} catch (error) {
		if (isMissingRoute(error)) return null;
		throw error;
	}
}

/** The receiver's file batch bounds when it says them as numbers, else null (files go one by one). */
function fileBatchesOf(receiver: ReceiverInfo | null): FileBatchBounds | null {
	const bounds = receiver?.fileBatches;
	if (!bounds) return null;
	const { files, bytes, fileBytes } = bounds;
	return [files, bytes, fileBytes].every((value) => Number.isInteger(value) && value > 0) ? { files, bytes, fileBytes } : null;
}

export interface WritePathChoice {
	path: WritePath;
	warnings: Warning[];
}

/**
 * Which path a run takes (pure): `auto` takes the receiver when the destination has one of this
 * bundle's major version, else REST (a different major: REST with a warning); `receiver` insists
 * (RECEIVER_REQUIRED without a compatible one); `rest` never uses it.
 */
export function chooseWritePath(options: WritePathOptions, receiver: ReceiverInfo | null, ownVersion = bundleVersion()): WritePathChoice {
	if (options.writePath === 'rest') return { path: REST_PATH, warnings: [] };
	const viaReceiver: WritePath = { kind: 'receiver', trackActivity: options.trackActivity, emitEvents: options.emitEvents, database: receiver?.database ?? null, fileBatches: fileBatchesOf(receiver) };
	if (receiver && majorOf(receiver.version) === majorOf(ownVersion)) return { path: viaReceiver, warnings: [] };
	if (options.writePath === 'receiver') {
		throw new MigrationError(
			'RECEIVER_REQUIRED',
			receiver
				? `writePath "receiver": the destination's receiver is version ${receiver.version}, this bundle ${ownVersion} (a different major version). Install the same version on both sides.`
				: 'writePath "receiver": the destination has no migration receiver. Install this bundle on the destination too, or use writePath "auto" or "rest".',
			{ details: { receiver, version: ownVersion } },
		);
	}
	if (!receiver) return { path: REST_PATH, warnings: [] };
	return {
		path: REST_PATH,
		warnings: [
			{
				code: 'RECEIVER_VERSION_MISMATCH',
				message: `The destination's receiver is version ${receiver.version}, this bundle ${ownVersion}: different major versions, so this run writes through the REST API. Install the same version on both sides to use the receiver.`,
			},
		],
	};
}
