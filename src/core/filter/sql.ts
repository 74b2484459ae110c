/**
 * A tiny SQL builder: fragments are text with `?` placeholders plus their parameters, and the
 * only way to put a value into a fragment is `param`. `raw` is for text the code itself owns
 * (catalog identifiers, keywords), never for anything a client sent.
 */
import { IdSet, SqlFragment } from './filter-tree';

/** A fragment of SQL text owned by the code (an identifier from the catalog, a keyword). */
export const raw = (text: string): SqlFragment => ({ sql: text, params: [] });

/** One `?` placeholder bound to `value`. */
export const param = (value: unknown): SqlFragment => ({ sql: '?', params: [value] });

/** `?, ?, ?` for a list of values (IN lists). */
export const paramList = (values: readonly unknown[]): SqlFragment => join(values.map(param), ', ');

/** Concatenates fragments with a separator (owned text). */
export function join(parts: readonly SqlFragment[], separator: string): SqlFragment {
  return { sql: parts.map((p) => p.sql).join(separator), params: parts.flatMap((p) => p.params) };
}

/**
 * Template tag: literal text is owned SQL, every `${…}` must itself be a fragment (so a value
 * can only enter as `param(value)`).
 */
export function sql(strings: TemplateStringsArray, ...parts: readonly SqlFragment[]): SqlFragment {
  let text = strings[0];
  const params: unknown[] = [];
  parts.forEach((part, i) => {
    text += part.sql + strings[i + 1];
    params.push(...part.params);
  });
  return { sql: text, params };
}

export const TRUE = raw('TRUE');
export const FALSE = raw('FALSE');

/**
 * `<alias>.id IN (<select>)`, marked as an id set (SqlFragment.idSet): only for a `select` that is
 * uncorrelated and yields each id at most once, in the column named `column`; see
 * IdSet.ofExistingObjects for the last argument.
 */
export function idSetMembership(alias: string, select: SqlFragment, column: string, ofExistingObjects = false): SqlFragment {
  const idSet: IdSet = ofExistingObjects ? { select, column, ofExistingObjects } : { select, column };
  return { ...sql`${raw(alias)}.id IN (${select})`, idSet };
}
