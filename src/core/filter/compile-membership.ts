/** `tag`, `list` and `segment` nodes: membership rows of the object, found through their keys. */
import { OBJECT_TYPE_CODE } from '../object-types';
import { ListNode, SegmentNode, SqlFragment, TagNode } from './filter-tree';
import { negate } from './compile-condition';
import { idSetMembership, param, raw, sql } from './sql';
import { Scope } from './scope';

/** EXISTS on the primary key (workspace_id, object_type, object_id, tag); tags compare by collation. */
export function compileTag(node: TagNode, scope: Scope): SqlFragment {
  const t = raw(scope.nextAlias('t'));
  const o = raw(scope.alias);
  const rows = sql`FROM object_tags ${t} WHERE ${t}.workspace_id = ${param(scope.workspaceId)} AND ${t}.object_type = ${param(OBJECT_TYPE_CODE[scope.objectType])}`;
  // An id set: the primary key (…, object_id, tag) holds each object once per tag (as tags compare).
  const member = scope.form === 'set'
    ? idSetMembership(scope.alias, sql`SELECT ${t}.object_id ${rows} AND ${t}.tag = ${param(node.tag)}`, 'object_id', true)
    : sql`EXISTS (SELECT 1 ${rows} AND ${t}.object_id = ${o}.id AND ${t}.tag = ${param(node.tag)})`;
  return node.has ? member : negate(member);
}

/**
 * EXISTS on list_members' primary key (list_id, object_id), or over a whole table the id set of
 * that key; validation checked the list's workspace and type.
 */
export function compileList(node: ListNode, scope: Scope): SqlFragment {
  const l = raw(scope.nextAlias('l'));
  const member = scope.form === 'set'
    ? idSetMembership(scope.alias, sql`SELECT ${l}.object_id FROM list_members ${l} WHERE ${l}.list_id = ${param(node.listId)}`, 'object_id', true)
    : sql`EXISTS (SELECT 1 FROM list_members ${l} WHERE ${l}.list_id = ${param(node.listId)} AND ${l}.object_id = ${raw(scope.alias)}.id)`;
  return node.isMember ? member : negate(member);
}

/** EXISTS in the other segment's cached results (segment_members, primary key segment_id, object_id), or their id set. */
export function compileSegment(node: SegmentNode, scope: Scope): SqlFragment {
  const s = raw(scope.nextAlias('s'));
  const member = scope.form === 'set'
    ? idSetMembership(scope.alias, sql`SELECT ${s}.object_id FROM segment_members ${s} WHERE ${s}.segment_id = ${param(node.segmentId)}`, 'object_id')
    : sql`EXISTS (SELECT 1 FROM segment_members ${s} WHERE ${s}.segment_id = ${param(node.segmentId)} AND ${s}.object_id = ${raw(scope.alias)}.id)`;
  return node.isMember ? member : negate(member);
}
