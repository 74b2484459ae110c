/**
 * Invalid inputs for every mutation of the schema (and the id-taking query arguments), for the
 * fuzz test. Each spec holds one defect; the rest of the input is valid and hostile (SQL and
 * JSON-path metacharacters in its strings), and batches mix valid items with the bad one, so a
 * refusal that came after a partial write would show in the table checksums.
 */
import fc from 'fast-check';
import { CATALOG } from '../../src/core/catalog';
import { ObjectType, OBJECT_TYPES } from '../../src/core/object-types';
import {
  CaseSpec, deepArray, en, ForeignId, hostile, INF, Level, named, NEG_INF, overlong, unknownInputKey,
} from './fuzz-cases';
import { Fixture, op, validFilter } from './fuzz-filters';

interface Extra {
  readonly as?: 'agent';
  readonly variablesOnly?: boolean;
  /** A selection set other than the operation's usual one (e.g. with field arguments). */
  readonly selection?: string;
}

const spec = (label: string, field: string, values: Record<string, unknown>, level: Level, extra: Extra = {}): CaseSpec => ({
  label: `${field}: ${label}`, op: op(field, values, extra.selection), level, as: extra.as, variablesOnly: extra.variablesOnly,
});

export const UPSERT: Record<ObjectType, string> = {
  USER: 'upsertUsers', COMPANY: 'upsertCompanies', PRODUCT: 'upsertProducts', DEAL: 'upsertDeals', ACTIVITY: 'upsertActivities', TICKET: 'upsertTickets',
};

/** GraphQL types of the upsert inputs' scalar fields that are not String (the rest of the catalog's STRING fields are). */
const INT_FIELDS = new Set(['employees', 'stock']);
const ID_FIELDS = new Set(['ownerId', 'assigneeId']);
const DATE_FIELDS: Record<ObjectType, string[]> = {
  USER: ['lastSeenAt', 'createdAt'], COMPANY: ['createdAt'], PRODUCT: ['createdAt'], DEAL: ['expectedCloseAt', 'closedAt', 'createdAt'],
  ACTIVITY: ['dueAt', 'completedAt', 'createdAt'], TICKET: ['resolvedAt', 'createdAt'],
};

const writable = (t: ObjectType) => CATALOG[t].fields.filter((f) => f.writable && f.name !== 'externalId' && f.name !== 'createdAt');
const stringFields = (t: ObjectType) => writable(t).filter((f) => f.type === 'STRING' && !ID_FIELDS.has(f.name)).map((f) => f.name);
const requiredFields = (t: ObjectType) => CATALOG[t].fields.filter((f) => f.required && f.defaultValue === undefined).map((f) => f.name);
const requiredAny = (t: ObjectType) => CATALOG[t].fields.filter((f) => f.required).map((f) => f.name);

/** A valid item of `t` that would create an object with hostile strings (if the batch were accepted). */
function validItem(t: ObjectType): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(named('fz-'), fc.subarray(stringFields(t), { maxLength: 3 }), fc.array(hostile, { minLength: 3, maxLength: 3 })).map(([ext, fields, values]) => {
    const item: Record<string, unknown> = { externalId: ext };
    fields.forEach((f, i) => { item[f] = values[i]; });
    for (const f of requiredFields(t)) item[f] = `x${values[0]}`;
    return item;
  });
}

/** A defective item of `t`: the item, what is wrong and who refuses it. */
function badItem(fx: Fixture, t: ObjectType): fc.Arbitrary<{ item: Record<string, unknown>; label: string; level: Level }> {
  const base = validItem(t);
  const bad = (label: string, level: Level, patch: fc.Arbitrary<Record<string, unknown>>) =>
    fc.tuple(base, patch).map(([b, p]) => ({ item: { ...b, ...p }, label, level }));
  const strings = stringFields(t);
  const numbers = writable(t).filter((f) => f.type === 'NUMBER').map((f) => f.name);
  const refs = CATALOG[t].references;
  const declared = fx.attributes[t];
  const choices = [
    bad('unknown input field', 'coercion', fc.tuple(unknownInputKey, hostile).map(([k, v]) => ({ [k]: v }))),
    bad('string field given a non-string', 'coercion', fc.tuple(fc.constantFrom(...strings), fc.oneof(fc.integer(), fc.boolean(), fc.constant({ a: 1 }), hostile.map((h) => [h]))).map(([f, v]) => ({ [f]: v }))),
    bad('overlong string', 'bad', fc.tuple(fc.constantFrom(...strings), overlong(1000)).map(([f, v]) => ({ [f]: v }))),
    bad('overlong externalId', 'bad', overlong(255).map((v) => ({ externalId: v }))),
    bad('blank externalId', 'bad', fc.constantFrom('', '   ', '\n').map((v) => ({ externalId: v }))),
    bad('date field not a DateTime', 'coercion', fc.tuple(fc.constantFrom(...DATE_FIELDS[t]), fc.oneof(hostile, fc.constantFrom('2026-02-30', 'yesterday', '0999-12-31', '10000-01-01T00:00:00Z', '2026-01-01T24:00:00Z', ''), fc.constant(0))).map(([f, v]) => ({ [f]: v }))),
    bad('attributes not an object', 'bad', fc.oneof(fc.constant([]), hostile, fc.integer(), fc.boolean(), fc.constant([{ a: 1 }])).map((attributes) => ({ attributes }))),
    bad('attribute key not a key', 'bad', fc.tuple(fc.oneof(hostile, fc.constantFrom('', '1st', 'a-b', 'a.b', 'k'.repeat(65), '$.x', 'a b')), fc.integer()).map(([k, v]) => ({ attributes: { [k]: v } }))),
    bad('attribute value not a scalar', 'bad', fc.oneof(fc.constant({ a: 1 }), fc.constant([1]), fc.constant([]), fc.constant(deepArray(100_000))).map((v) => ({ attributes: { fine: v } }))),
    bad('attribute value not finite', 'bad', fc.constantFrom(INF, NEG_INF).map((v) => ({ attributes: { fine: v } }))),
    bad('overlong attribute value', 'bad', overlong(1000).map((v) => ({ attributes: { fresh_text: v } }))),
    bad('attribute of the wrong type', 'bad', fc.tuple(fc.constantFrom(...declared), hostile, fc.integer()).map(([a, h, n]) => ({ attributes: { [a.key]: a.type === 'STRING' ? n : h } }))),
    bad('unknown id', 'bad', fc.oneof(hostile, fc.constantFrom(fx.missing, '0', '-1', '1e3', ' 1', '01', '18446744073709551616')).map((id) => ({ id }))),
    bad('id of another workspace', 'bad', fc.constant({ id: new ForeignId(fx.foreign.objects[t], fx.missing) })),
  ];
  if (requiredAny(t).length) {
    choices.push(
      bad('required field blank', 'bad', fc.tuple(fc.constantFrom(...requiredAny(t)), fc.constantFrom('', '   ', '\t\n')).map(([f, v]) => ({ [f]: v }))),
      bad('required field cleared', 'bad', fc.constantFrom(...requiredAny(t)).map((f) => ({ [f]: null }))),
    );
  }
  if (requiredFields(t).length) {
    choices.push(fc.tuple(named('fz-new-'), hostile).map(([ext, h]) => ({ item: { externalId: ext, [stringFields(t).find((f) => !requiredFields(t).includes(f)) ?? 'externalId']: h }, label: 'required field missing on create', level: 'bad' as Level })));
  }
  if (numbers.length) {
    choices.push(
      bad('Float not finite', 'bad', fc.tuple(fc.constantFrom(...numbers.filter((f) => !INT_FIELDS.has(f))), fc.constantFrom(INF, NEG_INF)).map(([f, v]) => ({ [f]: v }))),
      bad('number not a number', 'coercion', fc.tuple(fc.constantFrom(...numbers), fc.oneof(hostile, fc.constantFrom('12', 'NaN', ''), fc.boolean())).map(([f, v]) => ({ [f]: v }))),
    );
    const ints = numbers.filter((f) => INT_FIELDS.has(f));
    if (ints.length) choices.push(bad('Int out of range or fractional', 'coercion', fc.tuple(fc.constantFrom(...ints), fc.constantFrom(2147483648, -2147483649, 1.5, 1e20, INF)).map(([f, v]) => ({ [f]: v }))));
  }
  if (t === 'USER') {
    choices.push(
      bad('marketingConsent not a boolean', 'coercion', fc.oneof(hostile, fc.constantFrom('yes', 'true', 1, 0)).map((v) => ({ marketingConsent: v }))),
      bad('marketingConsent cleared', 'bad', fc.constant({ marketingConsent: null })),
    );
  }
  for (const ref of refs) {
    choices.push(
      bad(`both ${ref.idKey} and ${ref.externalIdKey}`, 'bad', fc.tuple(fc.constantFrom(...fx.objects[ref.target]), named('ext-')).map(([id, ext]) => ({ [ref.idKey]: id, [ref.externalIdKey]: ext }))),
      bad(`unknown ${ref.idKey}`, 'bad', fc.oneof(hostile, fc.constantFrom(fx.missing, '0', '-7')).map((id) => ({ [ref.idKey]: id }))),
      bad(`${ref.idKey} of another workspace`, 'bad', fc.constant({ [ref.idKey]: new ForeignId(fx.foreign.objects[ref.target], fx.missing) })),
      bad(`unknown ${ref.externalIdKey}`, 'bad', named('nope-').map((ext) => ({ [ref.externalIdKey]: ext }))),
    );
  }
  return fc.oneof(...choices);
}

/** Upserts of `t`: a batch of valid hostile items around one bad item, or a batch too large. */
export function upsertSpecs(fx: Fixture, t: ObjectType): fc.Arbitrary<CaseSpec> {
  const field = UPSERT[t];
  return fc.oneof(
    { weight: 12, arbitrary: fc.tuple(fc.array(validItem(t), { maxLength: 2 }), badItem(fx, t), fc.array(validItem(t), { maxLength: 1 }))
      .map(([pre, b, post]) => spec(b.label, field, { input: [...pre, b.item, ...post] }, b.level)) },
    { weight: 1, arbitrary: fc.constantFrom(
      spec('1,001 objects', field, { input: Array.from({ length: 1001 }, (_, i) => ({ externalId: `batch-${i}`, ...Object.fromEntries(requiredFields(t).map((f) => [f, 'x'])) })) }, 'bad'),
      spec('a null item', field, { input: [{ externalId: 'fine' }, null] }, 'coercion'),
      spec('input not a list of objects', field, { input: 'users' }, 'coercion'),
    ) },
  );
}

function eventDefects(fx: Fixture): fc.Arbitrary<{ item: Record<string, unknown>; label: string; level: Level }> {
  const base = fc.tuple(named('fz-u-'), named('e'), hostile, hostile).map(([u, name, k, v]) => ({ userExternalId: u, name, properties: { [k]: v, n: 1 } }));
  const bad = (label: string, level: Level, patch: fc.Arbitrary<Record<string, unknown>>, drop: string[] = []) =>
    fc.tuple(base, patch).map(([b, p]) => {
      const item: Record<string, unknown> = { ...b, ...p };
      for (const k of drop) delete item[k];
      return { item, label, level };
    });
  return fc.oneof(
    bad('no user', 'bad', fc.constant({}), ['userExternalId']),
    bad('unknown userId', 'bad', fc.oneof(hostile, fc.constantFrom(fx.missing, '0', '-1')).map((userId) => ({ userId })), ['userExternalId']),
    bad('userId of another workspace', 'bad', fc.constant({ userId: new ForeignId(fx.foreign.objects.USER, fx.missing) }), ['userExternalId']),
    bad('unknown productId', 'bad', fc.oneof(hostile, fc.constantFrom(fx.missing, '0')).map((productId) => ({ productId }))),
    bad('productId of another workspace', 'bad', fc.constant({ productId: new ForeignId(fx.foreign.objects.PRODUCT, fx.missing) })),
    bad('unknown productExternalId', 'bad', named('nope-').map((productExternalId) => ({ productExternalId }))),
    bad('blank name', 'bad', fc.constantFrom('', '  ', '\n').map((name) => ({ name }))),
    bad('overlong name', 'bad', overlong(255).map((name) => ({ name }))),
    bad('name missing', 'coercion', fc.constant({}), ['name']),
    bad('name not a string', 'coercion', fc.oneof(fc.integer(), fc.boolean()).map((name) => ({ name }))),
    bad('properties not an object', 'bad', fc.oneof(fc.constant([]), hostile, fc.integer(), fc.boolean(), fc.constant([{ a: 1 }])).map((properties) => ({ properties }))),
    bad('properties over 32 KB', 'bad', fc.constantFrom('a', '🦄').map((ch) => ({ properties: { big: ch.repeat(33_000) } }))),
    bad('properties nested 100,000 deep', 'bad', fc.constant({ properties: { deep: deepArray(100_000) } })),
    bad('blank or overlong messageId', 'bad', fc.oneof(fc.constant(''), overlong(255)).map((messageId) => ({ messageId }))),
    bad('overlong userExternalId', 'bad', overlong(255).map((userExternalId) => ({ userExternalId }))),
    bad('overlong productExternalId', 'bad', overlong(255).map((productExternalId) => ({ productExternalId }))),
    bad('occurredAt not a DateTime', 'coercion', fc.oneof(hostile, fc.constantFrom('2026-02-30T00:00:00Z', 'now', '')).map((occurredAt) => ({ occurredAt }))),
    bad('unknown input field', 'coercion', fc.tuple(unknownInputKey, hostile).map(([k, v]) => ({ [k]: v }))),
  );
}

export function trackEventsSpecs(fx: Fixture): fc.Arbitrary<CaseSpec> {
  const valid = fc.tuple(named('fz-u-'), named('e'), hostile).map(([u, name, m]) => ({ userExternalId: u, name, messageId: `m${m}` }));
  return fc.oneof(
    { weight: 40, arbitrary: fc.tuple(fc.array(valid, { maxLength: 2 }), eventDefects(fx), fc.array(valid, { maxLength: 1 }))
      .map(([pre, b, post]) => spec(b.label, 'trackEvents', { input: [...pre, b.item, ...post] }, b.level)) },
    { weight: 1, arbitrary: fc.constant(spec('10,001 events', 'trackEvents', { input: Array.from({ length: 10_001 }, () => ({ userExternalId: 'batch', name: 'e' })) }, 'bad', { variablesOnly: true })) },
  );
}

export function defineAttributeSpecs(fx: Fixture): fc.Arbitrary<CaseSpec> {
  const types = ['STRING', 'NUMBER', 'BOOLEAN', 'DATE'];
  const s = (label: string, input: Record<string, unknown>, level: Level) => spec(label, 'defineAttribute', { input }, level);
  return fc.oneof(
    fc.tuple(fc.oneof(hostile, fc.constantFrom('', '1abc', 'a-b', 'attributes.score', 'k'.repeat(65), 'a.b', ' score')), fc.constantFrom(...OBJECT_TYPES), fc.constantFrom(...types))
      .map(([key, t, type]) => s('key not a key', { objectType: en(t), key, type: en(type) }, 'bad')),
    fc.constantFrom(...OBJECT_TYPES).chain((t) => fc.constantFrom(...fx.attributes[t]).chain((a) => fc.constantFrom(...types.filter((x) => x !== a.type)).map((type) => s(`re-typing ${t}.${a.key}`, { objectType: en(t), key: a.key, type: en(type), label: 'x' }, 'bad')))),
    fc.tuple(fc.constantFrom(...OBJECT_TYPES), overlong(255)).map(([t, label]) => s('overlong label', { objectType: en(t), key: 'fz_new_key', type: en('STRING'), label }, 'bad')),
    fc.tuple(fc.oneof(hostile, fc.constantFrom('INT', 'string', 'JSON', '')), fc.constantFrom(...OBJECT_TYPES)).map(([type, t]) => s('unknown type', { objectType: en(t), key: 'fz_k', type: en(type) }, 'coercion')),
    fc.oneof(hostile, fc.constantFrom('USERS', 'ORDER', 'user')).map((t) => s('unknown object type', { objectType: en(t), key: 'fz_k', type: en('STRING') }, 'coercion')),
    fc.tuple(unknownInputKey, hostile).map(([k, v]) => s('unknown input field', { objectType: en('USER'), key: 'fz_k', type: en('STRING'), [k]: v }, 'coercion')),
  );
}

/** tagObjects / untagObjects: bad tags, bad ids, or ids of another workspace. */
export function tagSpecs(fx: Fixture, field: 'tagObjects' | 'untagObjects'): fc.Arbitrary<CaseSpec> {
  const goodTags = fc.array(named('t'), { minLength: 1, maxLength: 3 });
  return fc.constantFrom(...OBJECT_TYPES).chain((t) => {
    const goodIds = fc.subarray([...fx.objects[t]], { minLength: 1 });
    const s = (label: string, values: Record<string, unknown>, level: Level) => spec(`${t} ${label}`, field, { objectType: en(t), ...values }, level);
    return fc.oneof(
      goodIds.map((ids) => s('no tags', { ids, tags: [] }, 'bad')),
      fc.tuple(goodIds, goodTags, fc.oneof(fc.constantFrom('', '   ', '\n\t'), overlong(255))).map(([ids, tags, tag]) => s('blank or overlong tag', { ids, tags: [...tags, tag] }, 'bad')),
      goodIds.map((ids) => s('101 tags', { ids, tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }, 'bad')),
      fc.tuple(goodIds, fc.oneof(fc.integer(), fc.constant(null))).map(([ids, tag]) => s('tag not a string', { ids, tags: ['ok', tag] }, 'coercion')),
      goodTags.map((tags) => s('no ids', { ids: [], tags }, 'bad')),
      goodTags.map((tags) => s('1,001 ids', { ids: Array.from({ length: 1001 }, (_, i) => String(i + 1)), tags }, 'bad')),
      fc.tuple(goodIds, goodTags, fc.oneof(hostile, fc.constantFrom(fx.missing, '0', '-1', '1.0'))).map(([ids, tags, bad]) => s('an unknown id among known ones', { ids: [...ids, bad], tags }, 'bad')),
      fc.tuple(goodIds, goodTags).map(([ids, tags]) => s('an id of another workspace', { ids: [...ids, new ForeignId(fx.foreign.objects[t], fx.missing)], tags }, 'bad')),
      fc.tuple(goodTags, fc.constantFrom(1.5, true)).map(([tags, id]) => s('id not an ID', { ids: [id], tags }, 'coercion')),
      fc.tuple(goodIds, goodTags, fc.oneof(hostile, fc.constantFrom('USERS', 'user'))).map(([ids, tags, type]) => ({ ...s('unknown object type', { ids, tags }, 'coercion'), op: op(field, { objectType: en(type), ids, tags }) })),
    );
  });
}

export function createListSpecs(): fc.Arbitrary<CaseSpec> {
  const s = (label: string, input: Record<string, unknown>, level: Level) => spec(label, 'createList', { input }, level);
  return fc.constantFrom(...OBJECT_TYPES).chain((t) => fc.oneof(
    fc.oneof(fc.constantFrom('', '   ', '\n'), overlong(255)).map((name) => s('blank or overlong name', { objectType: en(t), name }, 'bad')),
    fc.tuple(named('L'), overlong(10_000)).map(([name, description]) => s('overlong description', { objectType: en(t), name, description }, 'bad')),
    fc.constant(s('name missing', { objectType: en(t) }, 'coercion')),
    fc.tuple(named('L'), fc.oneof(hostile, fc.constantFrom('LIST', 'users'))).map(([name, type]) => s('unknown object type', { objectType: en(type), name }, 'coercion')),
    fc.tuple(named('L'), unknownInputKey, hostile).map(([name, k, v]) => s('unknown input field', { objectType: en(t), name, [k]: v }, 'coercion')),
  ));
}

/** addToList / removeFromList: unknown or foreign lists (NOT_FOUND), bad ids (BAD_USER_INPUT). */
export function listMemberSpecs(fx: Fixture, field: 'addToList' | 'removeFromList'): fc.Arbitrary<CaseSpec> {
  const users = fc.subarray([...fx.objects.USER], { minLength: 1 });
  const s = (label: string, listId: unknown, ids: unknown, level: Level) => spec(label, field, { listId, ids }, level);
  return fc.oneof(
    fc.tuple(fc.oneof(hostile, fc.constantFrom(fx.missing, '0', '-1')), users).map(([listId, ids]) => s('unknown list', listId, ids, 'notFound')),
    users.map((ids) => s('list of another workspace', new ForeignId(fx.foreign.list, fx.missing), ids, 'notFound')),
    fc.constant(s('no ids', fx.lists.USER, [], 'bad')),
    fc.constant(s('1,001 ids', fx.lists.USER, Array.from({ length: 1001 }, (_, i) => String(i + 1)), 'bad')),
    fc.tuple(users, fc.oneof(hostile, fc.constantFrom(fx.missing, '0'))).map(([ids, bad]) => s('an unknown id among known ones', fx.lists.USER, [...ids, bad], 'bad')),
    users.map((ids) => s('a user of another workspace', fx.lists.USER, [...ids, new ForeignId(fx.foreign.objects.USER, fx.missing)], 'bad')),
    fc.constantFrom(1.5, true, null).map((id) => s('id not an ID', fx.lists.USER, [id], 'coercion')),
  );
}

export function deleteListSpecs(fx: Fixture): fc.Arbitrary<CaseSpec> {
  return fc.oneof(
    fc.oneof(hostile, fc.constantFrom(fx.missing, '0', '')).map((id) => spec('unknown list', 'deleteList', { id }, 'notFound')),
    fc.constant(spec('list of another workspace', 'deleteList', { id: new ForeignId(fx.foreign.list, fx.missing) }, 'notFound')),
    fc.constant(spec('list read by a segment', 'deleteList', { id: fx.lists.USER }, 'bad')),
  );
}

/** createSegment with a valid filter and another defect (invalid filters have their own rounds). */
export function createSegmentSpecs(fx: Fixture): fc.Arbitrary<CaseSpec> {
  return fc.constantFrom(...OBJECT_TYPES).chain((t) => fc.tuple(validFilter(t), named('S')).chain(([filter, name]) => {
    const s = (label: string, input: Record<string, unknown>, level: Level, as?: 'agent') =>
      spec(`${t} ${label}`, 'createSegment', { input: { objectType: en(t), name, filter, ...input } }, level, { as });
    return fc.oneof(
      fc.oneof(fc.constantFrom('', '   ', '\n'), overlong(255)).map((n) => s('blank or overlong name', { name: n }, 'bad')),
      fc.constant(s('name missing', { name: undefined }, 'coercion')),
      overlong(10_000).map((description) => s('overlong description', { description }, 'bad')),
      fc.constantFrom(4, 10_081, 0, -5).map((m) => s(`syncIntervalMinutes ${m}`, { syncIntervalMinutes: m }, 'bad')),
      fc.constantFrom(2147483648, 1.5, '5', INF).map((m) => s('syncIntervalMinutes not an Int', { syncIntervalMinutes: m }, 'coercion')),
      fc.oneof(hostile, fc.constantFrom(fx.missing, fx.adminId, '0')).map((a) => s('hidden from an unknown agent or an admin', { hiddenFromAgentIds: [a] }, 'bad')),
      fc.constant(s('hidden from an agent of another workspace', { hiddenFromAgentIds: [new ForeignId(fx.foreign.agent, fx.missing)] }, 'bad')),
      fc.constant(s('hidden from its own creator', { hiddenFromAgentIds: [fx.agentId] }, 'bad', 'agent')),
      fc.constant(s('filter missing', { filter: undefined }, 'coercion')),
      fc.oneof(hostile, fc.constantFrom('yes', 1)).map((realtime) => s('realtime not a boolean', { realtime }, 'coercion')),
      fc.oneof(hostile, fc.constantFrom('USERS', 'SEGMENT')).map((type) => s('unknown object type', { objectType: en(type) }, 'coercion')),
      fc.tuple(unknownInputKey, hostile).map(([k, v]) => s('unknown input field', { [k]: v }, 'coercion')),
    );
  }));
}

/** updateSegment: unknown, foreign or hidden segments (NOT_FOUND) and bad changes (invalid filters and cycles have their own rounds). */
export function updateSegmentSpecs(fx: Fixture): fc.Arbitrary<CaseSpec> {
  const own = fc.constantFrom(...OBJECT_TYPES).map((t) => fx.segmentOf[t]);
  const s = (label: string, id: unknown, input: Record<string, unknown>, level: Level, as?: 'agent') => spec(label, 'updateSegment', { id, input }, level, { as });
  return fc.oneof(
    fc.tuple(fc.oneof(hostile, fc.constantFrom(fx.missing, '0', '-3')), named('S')).map(([id, name]) => s('unknown segment', id, { name }, 'notFound')),
    named('S').map((name) => s('segment of another workspace', new ForeignId(fx.foreign.segment, fx.missing), { name }, 'notFound')),
    named('S').map((name) => s('segment hidden from the agent', new ForeignId(fx.hiddenSegment, fx.missing), { name, paused: true }, 'notFound', 'agent')),
    fc.tuple(own, fc.oneof(fc.constantFrom('', '  '), overlong(255))).map(([id, name]) => s('blank or overlong name', id, { name, paused: true }, 'bad')),
    fc.tuple(own, overlong(10_000)).map(([id, description]) => s('overlong description', id, { description }, 'bad')),
    fc.tuple(own, fc.constantFrom(4, 10_081, 0, -1)).map(([id, m]) => s(`syncIntervalMinutes ${m}`, id, { syncIntervalMinutes: m, paused: false }, 'bad')),
    fc.tuple(own, fc.constantFrom(2147483648, 2.5, INF)).map(([id, m]) => s('syncIntervalMinutes not an Int', id, { syncIntervalMinutes: m }, 'coercion')),
    fc.tuple(own, fc.oneof(hostile, fc.constantFrom(fx.missing, fx.adminId))).map(([id, a]) => s('hidden from an unknown agent or an admin', id, { hiddenFromAgentIds: [fx.agentId, a] }, 'bad')),
    own.map((id) => s('hidden from an agent of another workspace', id, { hiddenFromAgentIds: [new ForeignId(fx.foreign.agent, fx.missing)] }, 'bad')),
    fc.tuple(own, unknownInputKey, hostile).map(([id, k, v]) => s('unknown input field', id, { [k]: v }, 'coercion')),
    fc.tuple(own, fc.constantFrom('USER', 'COMPANY')).map(([id, t]) => s('objectType is not changeable', id, { objectType: en(t) }, 'coercion')),
  );
}

/** deleteSegment / syncSegment: unknown, foreign or hidden segments; deleteSegment also one that another reads. */
export function segmentIdSpecs(fx: Fixture, field: 'deleteSegment' | 'syncSegment'): fc.Arbitrary<CaseSpec> {
  const choices: Array<fc.Arbitrary<CaseSpec>> = [
    fc.oneof(hostile, fc.constantFrom(fx.missing, '0', '-1', '', '1e2')).map((id) => spec('unknown segment', field, { id }, 'notFound')),
    fc.constant(spec('segment of another workspace', field, { id: new ForeignId(fx.foreign.segment, fx.missing) }, 'notFound')),
    fc.constant(spec('segment hidden from the agent', field, { id: new ForeignId(fx.hiddenSegment, fx.missing) }, 'notFound', { as: 'agent' })),
    fc.constantFrom(1.5, true).map((id) => spec('id not an ID', field, { id }, 'coercion')),
  ];
  if (field === 'deleteSegment') choices.push(fc.constantFrom(fx.chain[0], fx.chain[1]).map((id) => spec('segment read by another', field, { id }, 'bad')));
  return fc.oneof(...choices);
}

export function createAgentSpecs(): fc.Arbitrary<CaseSpec> {
  const s = (label: string, input: Record<string, unknown>, level: Level, as?: 'agent') => spec(label, 'createAgent', { input }, level, { as });
  const badEmail = fc.oneof(
    hostile.map((h) => h.replaceAll('@', '')),
    fc.constantFrom('a@b@c', '@x', 'x@', 'a b@c', 'a@b c', '', '   ', `${'a'.repeat(65)}@x`, `a@${'b'.repeat(256)}`),
  );
  return fc.oneof(
    fc.tuple(named('N'), fc.emailAddress()).map(([name, email]) => s('by an AGENT', { name, email }, 'forbidden', 'agent')),
    fc.tuple(named('N'), badEmail).map(([name, email]) => s('not an email', { name, email }, 'bad')),
    fc.tuple(fc.oneof(fc.constantFrom('', '   '), overlong(255)), fc.emailAddress()).map(([name, email]) => s('blank or overlong name', { name, email }, 'bad')),
    named('N').map((name) => s('email taken', { name, email: 'admin@example.com' }, 'bad')),
    fc.tuple(named('N'), fc.oneof(hostile, fc.constantFrom('ROOT', 'admin', 'OWNER'))).map(([name, role]) => s('unknown role', { name, email: 'new@example.com', role: en(role) }, 'coercion')),
    fc.tuple(named('N'), unknownInputKey, hostile).map(([name, k, v]) => s('unknown input field', { name, email: 'new@example.com', [k]: v }, 'coercion')),
  );
}

export function createWebhookSpecs(fx: Fixture): fc.Arbitrary<CaseSpec> {
  const url = hostile.map((h) => `http://127.0.0.1:9/hook?q=${h}`);
  const events = fc.subarray(['ENTERED', 'EXITED'], { minLength: 1 }).map((xs) => xs.map(en));
  const s = (label: string, input: Record<string, unknown>, level: Level, as?: 'agent') => spec(label, 'createWebhook', { input }, level, { as });
  const own = [fx.chain[0], fx.segmentOf.COMPANY];
  return fc.oneof(
    fc.tuple(fc.oneof(
      hostile.map((h) => h.replaceAll(':', '')),
      fc.constantFrom('', 'not a url', 'ftp://example.com/h', 'javascript:alert(1)', 'file:///etc/passwd', 'http://user:pw@example.com/', 'https://:pw@example.com/', 'mailto:a@b.c', `http://example.com/${'a'.repeat(2000)}`),
    ), events).map(([u, ev]) => s('bad url', { url: u, events: ev, segmentIds: own }, 'bad')),
    url.map((u) => s('no events', { url: u, events: [], segmentIds: own }, 'bad')),
    fc.tuple(url, fc.oneof(hostile, fc.constantFrom('CHANGED', 'entered'))).map(([u, e]) => s('unknown event', { url: u, events: [en(e)], segmentIds: own }, 'coercion')),
    fc.tuple(url, events).map(([u, ev]) => s('no segments', { url: u, events: ev, segmentIds: [] }, 'bad')),
    fc.tuple(url, events).map(([u, ev]) => s('101 segments', { url: u, events: ev, segmentIds: Array.from({ length: 101 }, () => own[0]) }, 'bad')),
    fc.tuple(url, events, fc.oneof(hostile, fc.constantFrom(fx.missing, '0'))).map(([u, ev, id]) => s('an unknown segment', { url: u, events: ev, segmentIds: [...own, id] }, 'bad')),
    fc.tuple(url, events).map(([u, ev]) => s('a segment of another workspace', { url: u, events: ev, segmentIds: [own[0], new ForeignId(fx.foreign.segment, fx.missing)] }, 'bad')),
    fc.tuple(url, events).map(([u, ev]) => s('a segment hidden from the agent', { url: u, events: ev, segmentIds: [new ForeignId(fx.hiddenSegment, fx.missing)] }, 'bad', 'agent')),
    fc.tuple(url, events, unknownInputKey, hostile).map(([u, ev, k, v]) => s('unknown input field', { url: u, events: ev, segmentIds: own, [k]: v }, 'coercion')),
  );
}

export function deleteWebhookSpecs(fx: Fixture): fc.Arbitrary<CaseSpec> {
  return fc.oneof(
    fc.oneof(hostile, fc.constantFrom(fx.missing, '0', '', '-1')).map((id) => spec('unknown webhook', 'deleteWebhook', { id }, 'notFound')),
    fc.constant(spec('webhook of another workspace', 'deleteWebhook', { id: new ForeignId(fx.foreign.webhook, fx.missing) }, 'notFound')),
  );
}

export function deleteObjectsSpecs(fx: Fixture): fc.Arbitrary<CaseSpec> {
  return fc.constantFrom(...OBJECT_TYPES).chain((t) => fc.oneof(
    fc.constant(spec(`${t} 1,001 ids`, 'deleteObjects', { objectType: en(t), ids: Array.from({ length: 1001 }, (_, i) => String(i + 1)) }, 'bad')),
    fc.constantFrom(1.5, true, null, { id: 1 }).map((id) => spec(`${t} id not an ID`, 'deleteObjects', { objectType: en(t), ids: [fx.objects[t][0], id] }, 'coercion')),
    fc.oneof(hostile, fc.constantFrom('USERS', 'user', '')).map((type) => spec('unknown object type', 'deleteObjects', { objectType: en(type), ids: [fx.objects[t][0]] }, 'coercion')),
  ));
}

const cursor = (parts: unknown): string => Buffer.from(JSON.stringify(parts)).toString('base64url');
/** Cursors this API never returns: garbage, and well-formed JSON with parts of the wrong kind. */
const badCursor = fc.oneof(
  hostile,
  fc.constantFrom('abc', '!!!', 'W10', cursor({}), cursor(null), cursor([null]), cursor(['a', 'b', 'c'])),
  fc.constantFrom<unknown[]>(['abc', '1'], [1e300, '1'], [-1e300, '1'], [Number.MAX_SAFE_INTEGER, '1'], [1700000000000, "1' OR '1'='1"], [1700000000000, 'x'], [1.5, '2'], [1700000000000, '-1'], ["1' OR '1'='1"], [7], ['x'])
    .map(cursor),
);

/** Query arguments: page sizes, cursors, and ids of other workspaces in the readers of segments and webhooks. */
export function queryArgumentSpecs(fx: Fixture): fc.Arbitrary<CaseSpec> {
  const seg = fx.chain[0];
  const foreignSeg = new ForeignId(fx.foreign.segment, fx.missing);
  const nested = (label: string, selection: string) => spec(label, 'segment', { id: seg }, 'bad', { selection });
  return fc.oneof(
    fc.constantFrom(1001, -1).map((first) => spec(`first ${first}`, 'objects', { objectType: en('USER'), first }, 'bad')),
    badCursor.map((after) => spec('a cursor never returned', 'objects', { objectType: en('USER'), after, first: 5 }, 'bad')),
    fc.constantFrom(101, -1).map((sampleSize) => spec(`sampleSize ${sampleSize}`, 'previewSegment', { objectType: en('USER'), filter: { tag: { tag: 'vip' } }, sampleSize }, 'bad')),
    fc.constant(spec('segment of another workspace', 'previewSegmentChange', { id: foreignSeg, filter: { tag: { tag: 'vip' } } }, 'notFound')),
    fc.constant(spec('segment of another workspace', 'explainMembership', { segmentId: foreignSeg, objectId: fx.objects.USER[0] }, 'notFound')),
    fc.constant(spec('segment hidden from the agent', 'explainMembership', { segmentId: new ForeignId(fx.hiddenSegment, fx.missing), objectId: fx.objects.USER[0] }, 'notFound', { as: 'agent' })),
    fc.oneof(fc.constant<unknown>(new ForeignId(fx.foreign.objects.USER, fx.missing)), hostile).map((objectId) => spec('object unknown or of another workspace', 'explainMembership', { segmentId: seg, objectId }, 'notFound')),
    fc.constant(spec('segment of another workspace', 'membershipHistory', { segmentId: foreignSeg }, 'notFound')),
    fc.constantFrom(1001, -1).map((first) => spec(`first ${first}`, 'membershipHistory', { segmentId: seg, first }, 'bad')),
    badCursor.map((after) => spec('a cursor never returned', 'membershipHistory', { segmentId: seg, after }, 'bad')),
    fc.constant(spec('webhook of another workspace', 'webhookDeliveries', { webhookId: new ForeignId(fx.foreign.webhook, fx.missing) }, 'notFound')),
    badCursor.map((after) => spec('a cursor never returned', 'webhookDeliveries', { webhookId: fx.webhook, after }, 'bad')),
    fc.constantFrom(1001, -1).map((n) => nested(`members(first: ${n})`, `{ members(first: ${n}) { totalCount } }`)),
    badCursor.map((after) => nested('members after a cursor never returned', `{ members(after: ${JSON.stringify(after)}) { totalCount } }`)),
    fc.constantFrom(1001, -1).map((n) => nested(`syncRuns(last: ${n})`, `{ syncRuns(last: ${n}) { id } }`)),
    fc.constant(nested('membersAt before the history', '{ membersAt(at: "2000-01-01T00:00:00Z") { totalCount } }')),
  );
}

