/**
 * Bytes of line text one page of a log may carry, on top of its line count. Lines are up to
 * 64 KiB (the LineSplitter cap), so a count alone lets a page of 5,000 lines weigh 320 MB. A page
 * always holds at least one line, so a reader paging by seq always moves on.
 */
const MiB = 1024 * 1024;

/** One answer of `GET /executions/:id/logs`; the OpenAPI description and the README state it. */
export const logsPageMaxBytes = 4 * MiB;

/**
 * One read of a stream (SSE catch-up, the live tail, `logs.txt`): what each follower or download
 * holds in memory at a time.
 */
export const streamPageMaxBytes = 1 * MiB;

/** Lines per read of a stream; the byte budget above usually ends a page of long lines first. */
export const streamPageMaxLines = 2000;
