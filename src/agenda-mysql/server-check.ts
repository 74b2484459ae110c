/**
 * Checks made once at connect: the server can `SKIP LOCKED`, and dates travel as UTC.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';

/** A parsed `SELECT VERSION()`. */
export interface ServerVersion {
  readonly flavor: 'MariaDB' | 'MySQL';
  readonly major: number;
  readonly minor: number;
  /** The string the server reported. */
  readonly raw: string;
}

/** First versions with `SELECT … FOR UPDATE SKIP LOCKED`. */
const MINIMUM: Record<ServerVersion['flavor'], readonly [number, number]> = {
  MariaDB: [10, 6],
  MySQL: [8, 0],
};

/**
 * Parses a `VERSION()` string such as `10.11.6-MariaDB-1:10.11.6+maria~ubu2204` or `8.0.36`.
 *
 * @returns the flavor (MariaDB when the string says so, otherwise MySQL) and major.minor.
 * @throws Error when no `major.minor` can be found.
 */
export function parseServerVersion(raw: string): ServerVersion {
  const flavor = /mariadb/i.test(raw) ? 'MariaDB' : 'MySQL';
  // Old MariaDB replication prefixes look like MySQL 5.5.5; the real version follows.
  const text = flavor === 'MariaDB' ? raw.replace(/^5\.5\.5-/, '') : raw;
  const match = /^(\d+)\.(\d+)/.exec(text);
  if (!match) throw new Error(`cannot parse database server version ${JSON.stringify(raw)}`);
  return { flavor, major: Number(match[1]), minor: Number(match[2]), raw };
}

/**
 * @returns nothing when the server supports `SKIP LOCKED` (MariaDB >= 10.6, MySQL >= 8.0).
 * @throws Error naming the version found and the minimum required.
 */
export function assertSupportsSkipLocked(version: ServerVersion): void {
  const [major, minor] = MINIMUM[version.flavor];
  const ok = version.major > major || (version.major === major && version.minor >= minor);
  if (!ok) {
    throw new Error(
      `Agenda MySQL backend needs SELECT … FOR UPDATE SKIP LOCKED: found ${version.flavor} ` +
        `${version.raw}, need ${version.flavor} >= ${major}.${minor} (MariaDB >= 10.6 or MySQL >= 8.0)`,
    );
  }
}

const PROBE_MS = Date.UTC(2000, 0, 1, 0, 0, 0, 0);
const PROBE_TEXT = '2000-01-01 00:00:00.000';

/**
 * Checks the server version and that the pool converts dates as UTC in both directions.
 *
 * The check is on behaviour rather than on the pool's options object: a Date parameter must be
 * sent as UTC text and a DATETIME must come back as the same instant, which is what
 * `timezone: 'Z'` (and `dateStrings` off) gives.
 *
 * @returns the server version.
 * @throws Error for an unsupported server or a pool that does not use `timezone: 'Z'`.
 */
export async function checkServer(pool: Pool): Promise<ServerVersion> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT VERSION() AS version, CAST(? AS CHAR) AS sent, CAST(? AS DATETIME(3)) AS received',
    [new Date(PROBE_MS), PROBE_TEXT],
  );
  const row = rows[0] as { version: string; sent: string; received: unknown };
  const version = parseServerVersion(row.version);
  assertSupportsSkipLocked(version);
  const receivedOk = row.received instanceof Date && row.received.getTime() === PROBE_MS;
  if (row.sent !== PROBE_TEXT || !receivedOk) {
    throw new Error(
      "Agenda MySQL backend needs a mysql2 pool created with timezone: 'Z' (and dateStrings off): " +
        `a UTC date was sent as ${JSON.stringify(row.sent)} and ${PROBE_TEXT} UTC came back as ${String(row.received)}`,
    );
  }
  return version;
}
