/**
 * `event_numbers`: the numeric event properties, outside the `properties` JSON that stays the
 * record. One row per event and top-level key whose value is a JSON number, with the event's
 * workspace, owner(s), name and time copied beside the number, so that SUM/AVG/MIN/MAX of a
 * property over S is a range of a covering index instead of parsing every event's JSON
 * (BENCHMARKS.md, "Filters", 2).
 *
 * The typing rule is `jsonOperand(…, 'NUMBER')`'s (operand.ts): a JSON number counts, anything
 * else (a numeric string, null, true, an object or array, an absent key) has no row, so it is
 * missing for every numeric aggregate. Written once here for the writer (src/db/event-numbers.ts).
 */
import { SqlFragment } from './filter-tree';
import { jsonTypeAt, jsonValueAt } from './dialect';
import { sql } from './sql';

export const EVENT_NUMBERS_TABLE = 'event_numbers';

/**
 * Whether the JSON value at `path` of `doc` is a number (TRUE/FALSE), and that number as a DOUBLE
 * (read it only where `present` holds: a CAST of text warns, and strict mode makes that an error
 * in INSERT … SELECT).
 */
export function jsonNumberAt(doc: SqlFragment, path: SqlFragment): { readonly present: SqlFragment; readonly value: SqlFragment } {
  return {
    present: sql`${jsonTypeAt(doc, path)} IN ('INTEGER', 'DOUBLE')`,
    value: sql`CAST(${jsonValueAt(doc, path)} AS DOUBLE)`,
  };
}
