/**
 * Validation: a GraphQL `FilterInput` (a plain object as graphql-js delivers it, or the same
 * shape read back from JSON) → the typed filter tree of `filter-tree.ts`. Throws
 * BAD_USER_INPUT on the first problem, at the path of the offending input object
 * (`filter.and.1.event.where.0`), saying what is allowed there.
 */
import { CATALOG, CUSTOM_FIELD_PREFIX, relationOf, standardField } from '../catalog';
import { badInput } from '../errors';
import { assertNever, FieldType, ObjectType } from '../object-types';
import {
  AttributeNode, FieldRef, FilterNode, ListNode, RelatedNode, SegmentNode, TagNode,
} from './filter-tree';
import { checkCondition, checkOperator } from './validate-condition';
import { validateEvent } from './validate-event';
import {
  checkBoolean, checkId, checkKey, checkString, FILTER_LIMITS, inputObject, InputObject, isGiven, show,
} from './validate-values';

export interface ValidationContext {
  /** Object type the filter is for. */
  readonly objectType: ObjectType;
  /** Declared custom attributes (key → type) of a type of the workspace; related filters need the target's. */
  attributeTypes(type: ObjectType): ReadonlyMap<string, FieldType>;
  /** The workspace's static lists: id → object type. */
  readonly listTypes: ReadonlyMap<string, ObjectType>;
  /** The workspace's segments: id → object type. */
  readonly segmentTypes: ReadonlyMap<string, ObjectType>;
}

const NODE_KINDS = ['and', 'or', 'not', 'attribute', 'event', 'tag', 'list', 'segment', 'related'] as const;
type NodeKind = (typeof NODE_KINDS)[number];

interface Walk {
  readonly ctx: ValidationContext;
  /** Leaf conditions seen so far (shared by the whole tree). */
  conditions: number;
}

interface At {
  readonly objectType: ObjectType;
  readonly path: string;
  readonly depth: number;
}

/**
 * The validated tree of `input` for `ctx.objectType`.
 * @throws DomainError BAD_USER_INPUT naming the path of the first bad node and what is allowed.
 */
export function validateFilter(input: unknown, ctx: ValidationContext, path = 'filter'): FilterNode {
  return validateNode(input, { ctx, conditions: 0 }, { objectType: ctx.objectType, path, depth: 1 });
}

function validateNode(input: unknown, walk: Walk, at: At): FilterNode {
  const { path } = at;
  if (at.depth > FILTER_LIMITS.maxDepth) throw badInput(path, `filters nest at most ${FILTER_LIMITS.maxDepth} levels deep`);
  const node = inputObject(input, path, 'a filter node', NODE_KINDS);
  const kinds = NODE_KINDS.filter((k) => isGiven(node[k]));
  if (kinds.length !== 1) {
    throw badInput(path, `a filter node sets exactly one of ${NODE_KINDS.join(', ')}; ${kinds.length ? `this one sets ${kinds.join(', ')}` : 'this one sets none'}`);
  }
  const kind = kinds[0];
  if (kind !== 'and' && kind !== 'or' && kind !== 'not' && kind !== 'related') countCondition(walk, path);
  return validateKind(kind, node, walk, at);
}

function countCondition(walk: Walk, path: string): void {
  walk.conditions += 1;
  if (walk.conditions > FILTER_LIMITS.maxConditions) throw badInput(path, `a filter holds at most ${FILTER_LIMITS.maxConditions} conditions`);
}

function validateKind(kind: NodeKind, node: InputObject, walk: Walk, at: At): FilterNode {
  const value = node[kind];
  const path = `${at.path}.${kind}`;
  const child = (input: unknown, childPath: string, objectType = at.objectType): FilterNode =>
    validateNode(input, walk, { objectType, path: childPath, depth: at.depth + 1 });
  switch (kind) {
    case 'and': case 'or': {
      if (!Array.isArray(value) || value.length === 0) throw badInput(path, `${kind} takes a non-empty array of filter nodes, got ${show(value)}`);
      return { kind, children: value.map((c, i) => child(c, `${path}.${i}`)) };
    }
    case 'not': return { kind, child: child(value, path) };
    case 'attribute': return validateAttribute(value, walk.ctx, at.objectType, path);
    case 'event': return validateEvent(value, at.objectType, path);
    case 'tag': return validateTag(value, path);
    case 'list': return validateList(value, walk.ctx, at.objectType, path);
    case 'segment': return validateSegment(value, walk.ctx, at.objectType, path);
    case 'related': return validateRelated(value, at.objectType, path, (input, target) => child(input, `${path}.filter`, target));
    default: return assertNever(kind, 'filter node kind');
  }
}

function validateAttribute(input: unknown, ctx: ValidationContext, objectType: ObjectType, path: string): AttributeNode {
  const a = inputObject(input, path, 'attribute', ['field', 'operator', 'value']);
  const field = resolveField(checkString(a.field, path, 'field'), ctx, objectType, path);
  const operator = checkOperator(a.operator, path);
  const name = field.kind === 'standard' ? field.name : `${CUSTOM_FIELD_PREFIX}${field.key}`;
  const condition = checkCondition(operator, a.value, field.type, path, `field '${name}' of type ${field.type}`);
  return { kind: 'attribute', field, ...condition };
}

function resolveField(name: string, ctx: ValidationContext, objectType: ObjectType, path: string): FieldRef {
  const unknownField = (detail: string): Error => badInput(path,
    `unknown field ${show(name)} of ${objectType}; use a standard field or ${CUSTOM_FIELD_PREFIX}<key> (${detail})`);
  if (name.startsWith(CUSTOM_FIELD_PREFIX)) {
    const key = checkKey(name.slice(CUSTOM_FIELD_PREFIX.length), path, 'attribute key');
    const type = ctx.attributeTypes(objectType).get(key);
    if (!type) throw unknownField(`no attribute '${key}' is defined for ${objectType}`);
    return { kind: 'custom', key, type };
  }
  const standard = standardField(objectType, name);
  if (!standard) throw unknownField(`standard fields: ${CATALOG[objectType].fields.map((f) => f.name).join(', ')}`);
  return { kind: 'standard', name: standard.name, type: standard.type };
}

function validateTag(input: unknown, path: string): TagNode {
  const t = inputObject(input, path, 'tag', ['tag', 'has']);
  const tag = checkString(t.tag, path, 'tag').trim();
  if (tag === '') throw badInput(path, 'tag must not be empty');
  return { kind: 'tag', tag, has: checkBoolean(t.has, path, 'has', true) };
}

function validateList(input: unknown, ctx: ValidationContext, objectType: ObjectType, path: string): ListNode {
  const l = inputObject(input, path, 'list', ['listId', 'isMember']);
  const listId = checkId(l.listId, path, 'listId');
  const type = ctx.listTypes.get(listId);
  if (!type) throw badInput(path, `unknown list ${show(listId)}`);
  if (type !== objectType) throw badInput(path, `list ${show(listId)} holds ${type} objects; this filter is for ${objectType}`);
  return { kind: 'list', listId, isMember: checkBoolean(l.isMember, path, 'isMember', true) };
}

function validateSegment(input: unknown, ctx: ValidationContext, objectType: ObjectType, path: string): SegmentNode {
  const s = inputObject(input, path, 'segment', ['segmentId', 'isMember']);
  const segmentId = checkId(s.segmentId, path, 'segmentId');
  const type = ctx.segmentTypes.get(segmentId);
  if (!type) throw badInput(path, `unknown segment ${show(segmentId)}`);
  if (type !== objectType) throw badInput(path, `segment ${show(segmentId)} is of ${type} objects; this filter is for ${objectType}`);
  return { kind: 'segment', segmentId, isMember: checkBoolean(s.isMember, path, 'isMember', true) };
}

function validateRelated(
  input: unknown, objectType: ObjectType, path: string, nested: (input: unknown, target: ObjectType) => FilterNode,
): RelatedNode {
  const r = inputObject(input, path, 'related', ['relation', 'quantifier', 'filter']);
  const relationName = checkString(r.relation, path, 'relation');
  const relation = relationOf(objectType, relationName);
  if (!relation) {
    const names = CATALOG[objectType].relations.map((x) => x.relation);
    throw badInput(path, `unknown relation ${show(relationName)} of ${objectType}; ${names.length ? `relations: ${names.join(', ')}` : `${objectType} has no relations`}`);
  }
  const quantifier = isGiven(r.quantifier) ? r.quantifier : 'ANY';
  if (quantifier !== 'ANY' && quantifier !== 'NONE') throw badInput(path, `quantifier must be ANY or NONE, got ${show(quantifier)}`);
  if (!isGiven(r.filter)) throw badInput(path, 'related needs a filter for the related objects');
  return { kind: 'related', relation: relation.relation, target: relation.target, quantifier, filter: nested(r.filter, relation.target) };
}
