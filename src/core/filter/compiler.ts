/**
 * The filter compiler: a validated filter tree + the catalog + `now` → SQL text with `?`
 * placeholders and its parameters. Pure: no database access. Identifiers come only from the
 * catalog; every value a client sent (names, tags, ids, JSON keys as paths, thresholds) is a
 * parameter, so no input can change the shape of the statement.
 */
import { CATALOG } from '../catalog';
import { assertNever, ObjectType } from '../object-types';
import { FilterNode, SqlFragment } from './filter-tree';
import { compileAttribute } from './compile-attribute';
import { compileAnd, compileNot, compileOr } from './compile-boolean';
import { compileEvent } from './compile-event';
import { compileList, compileSegment, compileTag } from './compile-membership';
import { compileRelated } from './compile-related';
import { compileWholeTable } from './compile-statement';
import { FALSE, join, param, raw, sql } from './sql';
import { GENERATED_ALIAS, Scope } from './scope';

export interface CompileOptions {
  readonly workspaceId: string;
  /** Object type the filter is for (the tree was validated for it). */
  readonly objectType: ObjectType;
  /** The moment of evaluation: WITHIN_LAST_DAYS, MORE_THAN_DAYS_AGO and `lastDays` count back from it. */
  readonly now: Date;
  /** Alias of the object's row in the surrounding statement; default `o`. Must not look like `e1`, `r2`, … */
  readonly alias?: string;
  /**
   * `set` for evaluations over the whole table (pages, previews, syncs), `correlated` (default)
   * for a few rows; both mean the same. See Scope.form.
   */
  readonly form?: 'set' | 'correlated';
}

export interface MatchingIdsOptions extends CompileOptions {
  /** When given, only these ids are considered (real-time re-evaluation of a few objects). */
  readonly restrictToIds?: readonly string[];
}

/**
 * A boolean SQL expression over the object's row (aliased `o` unless `alias` says otherwise)
 * that is TRUE exactly when the object matches `node`, and FALSE otherwise (never NULL).
 * Throws a plain Error for a tree that validation would not have produced.
 */
export function compilePredicate(node: FilterNode, options: CompileOptions): SqlFragment {
  return compileNode(node, scopeOf(options));
}

/** The scope of a whole statement: its generated aliases are unique in it. */
function scopeOf(options: CompileOptions): Scope {
  const alias = options.alias ?? 'o';
  if (!/^[a-z_][a-z0-9_]*$/.test(alias) || GENERATED_ALIAS.test(alias)) throw new Error(`invalid row alias ${alias}`);
  let counter = 0;
  return {
    workspaceId: options.workspaceId,
    objectType: options.objectType,
    alias,
    now: options.now,
    form: options.form ?? 'correlated',
    nextAlias: (prefix) => `${prefix}${++counter}`,
    compile: compileNode,
  };
}

/**
 * `SELECT o.id FROM <table> o WHERE o.workspace_id = ? AND (<predicate>) AND o.id IN (<restrictToIds>)`
 * for a few ids; over the whole table `SELECT o.id FROM (<id set>) d1 … STRAIGHT_JOIN <table> o …`
 * when the filter's top-level conjunction has id sets (compile-statement.ts). The same rows either way.
 */
export function compileMatchingIdsQuery(node: FilterNode, options: MatchingIdsOptions): SqlFragment {
  return sql`SELECT o.id ${fromWhere(node, options)}`;
}

/** `SELECT COUNT(*) AS n FROM <table> o WHERE …` (same WHERE as `compileMatchingIdsQuery`). */
export function compileCountQuery(node: FilterNode, options: MatchingIdsOptions): SqlFragment {
  return sql`SELECT COUNT(*) AS n ${fromWhere(node, options)}`;
}

/**
 * A 64-bit hash of an id column: two CRC32s side by side. A set's fingerprint is its size, the
 * sum of its ids and the XOR of their hashes; XOR makes it cheap to keep up to date (adding and
 * removing an id are the same operation).
 */
export const idHashSql = (column: string): string => `(CRC32(CONCAT(${column}, 'a')) | (CRC32(CONCAT(${column}, 'b')) << 32))`;

/**
 * `SELECT COUNT(*) AS n, <sum of ids> AS s, <XOR of id hashes> AS h FROM <table> o WHERE …` (same
 * WHERE as `compileMatchingIdsQuery`; s and h as decimal text): a sync compares it with the
 * fingerprint of the cached results and skips its staging and anti-joins when they are equal.
 */
export function compileFingerprintQuery(node: FilterNode, options: MatchingIdsOptions): SqlFragment {
  return sql`SELECT COUNT(*) AS n, CAST(COALESCE(SUM(o.id), 0) AS CHAR) AS s, CAST(COALESCE(BIT_XOR(${raw(idHashSql('o.id'))}), 0) AS CHAR) AS h ${fromWhere(node, options)}`;
}

function fromWhere(node: FilterNode, options: MatchingIdsOptions): SqlFragment {
  const ids = options.restrictToIds;
  // A few ids: look up each one's rows; the whole table: semi-/anti-joins (unless the caller chose).
  const scope = scopeOf({ ...options, alias: 'o', form: options.form ?? (ids === undefined ? 'set' : 'correlated') });
  const table = CATALOG[options.objectType].table;
  // The whole table: the filter's id sets first, the object's row after them (compile-statement.ts).
  if (ids === undefined && scope.form === 'set') return compileWholeTable(node, scope, table);
  const restrict = ids === undefined ? [] : [ids.length ? sql`o.id IN (${join(ids.map(param), ', ')})` : FALSE];
  return join([sql`FROM ${raw(table)} o WHERE o.workspace_id = ${param(options.workspaceId)}`, compileNode(node, scope), ...restrict], ' AND ');
}

function compileNode(node: FilterNode, scope: Scope): SqlFragment {
  switch (node.kind) {
    case 'and': return compileAnd(node, scope);
    case 'or': return compileOr(node, scope);
    case 'not': return compileNot(node, scope);
    case 'attribute': return compileAttribute(node, scope);
    case 'event': return compileEvent(node, scope);
    case 'tag': return compileTag(node, scope);
    case 'list': return compileList(node, scope);
    case 'segment': return compileSegment(node, scope);
    case 'related': return compileRelated(node, scope);
    default: return assertNever(node, 'filter node');
  }
}
