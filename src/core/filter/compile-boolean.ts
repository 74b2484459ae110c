/** `and`, `or` and `not` nodes. Children are TRUE/FALSE, so NOT is an exact negation. */
import { AndNode, NotNode, OrNode, SqlFragment } from './filter-tree';
import { negate } from './compile-condition';
import { join, sql } from './sql';
import { Scope } from './scope';

export function compileAnd(node: AndNode, scope: Scope): SqlFragment {
  return sql`(${join(node.children.map((c) => scope.compile(c, scope)), ' AND ')})`;
}

export function compileOr(node: OrNode, scope: Scope): SqlFragment {
  return sql`(${join(node.children.map((c) => scope.compile(c, scope)), ' OR ')})`;
}

export function compileNot(node: NotNode, scope: Scope): SqlFragment {
  return negate(scope.compile(node.child, scope));
}
