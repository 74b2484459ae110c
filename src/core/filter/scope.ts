/** What every node compiler gets: where it is (object type, row alias) and how to go deeper. */
import { ObjectType } from '../object-types';
import { FilterNode, SqlFragment } from './filter-tree';

export interface Scope {
  readonly workspaceId: string;
  /** Object type of the row the node is evaluated for. */
  readonly objectType: ObjectType;
  /** SQL alias of that row. */
  readonly alias: string;
  readonly now: Date;
  /**
   * How membership and relation conditions are written. `set` (`o.id IN (SELECT …)`, the
   * semi-join / anti-join forms that MariaDB also optimises inside INSERT … SELECT) for whole-table
   * evaluations; `correlated` (`EXISTS (… = o.id)`, index lookups per row) for a few rows.
   */
  readonly form: 'set' | 'correlated';
  /** A fresh table alias `<prefix><n>`, unique within the whole statement. */
  readonly nextAlias: (prefix: 'd' | 'e' | 'r' | 't' | 'l' | 's' | 'v') => string;
  /** Compiles a nested node (and/or/not children, a related object's filter). */
  readonly compile: (node: FilterNode, scope: Scope) => SqlFragment;
}

/** Aliases the compiler generates; a caller's alias must not look like one of them. */
export const GENERATED_ALIAS = /^[dertlsv]\d+$/;
