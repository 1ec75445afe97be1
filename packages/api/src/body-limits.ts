/**
 * @module body-limits: how large a request body may be, by route: 256 KiB everywhere but the
 * project import, whose document holds a whole project (`AIPM_IMPORT_MAX_BYTES`, 32 MiB unless
 * set). Both the app (Hono's `bodyLimit`, which the Lambda relies on) and the Node server (which
 * reads bodies before the app, see node-server.ts) apply the same limits.
 */

/** The largest request body the API accepts, except on {@link IMPORT_PATH}. */
export const MAX_BODY_BYTES = 256 * 1024;

/** The route that takes a whole project's export. */
export const IMPORT_PATH = "/api/projects/import";

/** The largest body of {@link IMPORT_PATH} (decompressed, when it is sent gzipped) unless configured. */
export const DEFAULT_IMPORT_MAX_BYTES = 32 * 1024 * 1024;

/** The limit of a request's body: `importMaxBytes` on the import route, {@link MAX_BODY_BYTES} elsewhere. */
export function bodyLimitFor(path: string, importMaxBytes: number): number {
  return path === IMPORT_PATH ? importMaxBytes : MAX_BODY_BYTES;
}

/**
 * A size in words, as a problem's detail says it.
 *
 * @example describeBytes(262_144) // "256 KiB"
 */
export function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes.toLocaleString("en")} bytes`;
}

/** The detail of a 413: what the limit is, and for an import how to change it. */
export function tooLargeDetail(path: string, limit: number): string {
  return path === IMPORT_PATH
    ? `The request body is larger than ${describeBytes(limit)}, this deployment's limit for imports (AIPM_IMPORT_MAX_BYTES).`
    : `The request body is larger than ${describeBytes(limit)}.`;
}
