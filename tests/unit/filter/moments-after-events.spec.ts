/**
 * `momentAfterEvents` table-style (the property test tests/property/moments-after-events.spec.ts
 * checks its bounds against the moment query on data), and real time's name matching.
 */
import type { EventNode, FilterNode } from '../../../src/core/filter/filter-tree';
import { eventNameKey } from '../../../src/core/filter/event-names';
import { momentAfterEvents, timeDirection } from '../../../src/core/filter/moments';
import { chainAffectedBy, relationChains } from '../../../src/core/filter/relation-chains';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const DAY = 86_400_000;
const event = (e: Partial<EventNode> = {}): EventNode => ({
  kind: 'event', name: 'order', where: [], window: null, aggregate: 'COUNT', property: null, operator: 'GTE', value: 1, ...e,
});
const lastDays = (days: number) => ({ kind: 'lastDays', days }) as const;
const written = (names: string[], fromDaysAgo: number, toDaysAgo = fromDaysAgo) => ({
  names, from: new Date(NOW.getTime() - fromDaysAgo * DAY), to: new Date(NOW.getTime() - toDaysAgo * DAY),
});
const at = (ms: number) => ({ kind: 'bound', at: new Date(ms) });

test.each<[string, FilterNode, ReturnType<typeof written>, unknown]>([
  ['no time-relative condition reads the name', { kind: 'and', children: [event({ window: lastDays(30), name: 'visit' }), event({ value: 3 })] },
    written(['order'], 1), { kind: 'unchanged' }],
  ['a window of the name: the earliest event leaves first (+ 1 ms)', event({ window: lastDays(30) }),
    written(['order'], 2, 0), at(NOW.getTime() - 2 * DAY + 30 * DAY + 1)],
  ['names compare as the column does (case, accents, trailing spaces)', { kind: 'not', child: event({ name: 'Lögin ', window: lastDays(1) }) },
    written(['LOGIN'], 0), at(NOW.getTime() + DAY + 1)],
  ['the smallest bound of several conditions, through related', { kind: 'or', children: [
    event({ window: lastDays(30) }),
    { kind: 'related', relation: 'users', target: 'USER', quantifier: 'NONE', filter: event({ window: lastDays(7) }) },
  ] }, written(['order'], 1), at(NOW.getTime() - DAY + 7 * DAY + 1)],
  ['LAST_OCCURRED_AT within days, events in the past', event({ aggregate: 'LAST_OCCURRED_AT', operator: 'WITHIN_LAST_DAYS', value: 3 }),
    written(['order'], 5, 1), at(NOW.getTime() - 5 * DAY + 3 * DAY + 1)],
  ['LAST_OCCURRED_AT with an event in the future: recompute', event({ aggregate: 'FIRST_OCCURRED_AT', operator: 'MORE_THAN_DAYS_AGO', value: 3 }),
    written(['order'], 1, -1), { kind: 'recompute' }],
  ['a relative DATE condition on a property of the events: recompute', event({ where: [{ property: 'at', type: 'DATE', operator: 'WITHIN_LAST_DAYS', value: 2 }] }),
    written(['order'], 0), { kind: 'recompute' }],
  ['attributes, tags, lists and segments never read events', { kind: 'and', children: [
    { kind: 'attribute', field: { kind: 'standard', name: 'lastSeenAt' }, operator: 'WITHIN_LAST_DAYS', value: 7 },
    { kind: 'tag', tag: 'vip', has: true },
  ] } as FilterNode, written(['order'], 0), { kind: 'unchanged' }],
])('%s', (_name, node, w, expected) => {
  expect(momentAfterEvents(node, w, NOW)).toEqual(expected);
});

test('real time matches written event names to the filter as the database compares them', () => {
  const [chain] = relationChains(event({ name: 'Page View' }), 'USER');
  expect(chainAffectedBy(chain, { cause: 'event', eventNames: ['page view'] })).toBe(true);
  expect(chainAffectedBy(chain, { cause: 'event', eventNames: ['PAGE VIEW  '] })).toBe(true);
  expect(chainAffectedBy(chain, { cause: 'event', eventNames: ['page_view'] })).toBe(false);
  expect(eventNameKey('Löggin')).toBe(eventNameKey('LOGGIN'));
});

describe('timeDirection: which way time alone can move a result', () => {
  const seen = (days: number, operator: 'WITHIN_LAST_DAYS' | 'MORE_THAN_DAYS_AGO'): FilterNode =>
    ({ kind: 'attribute', field: { kind: 'standard', name: 'lastSeenAt', type: 'DATE' }, operator, value: days });
  const tag: FilterNode = { kind: 'tag', tag: 'vip', has: true };
  test.each<[string, FilterNode, string]>([
    ['a tag', tag, 'steady'],
    ['COUNT over all time', event({ value: 3 }), 'steady'],
    ['has an event in a window', event({ window: lastDays(7) }), 'falls'],
    ['COUNT ≥ 5 in a window', event({ window: lastDays(30), value: 5 }), 'falls'],
    ['COUNT < 5 in a window', event({ window: lastDays(30), operator: 'LT', value: 5 }), 'rises'],
    ['no event in a window (COUNT = 0)', event({ window: lastDays(30), operator: 'EQ', value: 0 }), 'rises'],
    ['COUNT = 2 in a window', event({ window: lastDays(30), operator: 'EQ', value: 2 }), 'both'],
    ['SUM in a window', event({ window: lastDays(30), aggregate: 'SUM', property: 'total', operator: 'GTE', value: 5 }), 'both'],
    ['last time WITHIN_LAST_DAYS (a future time enters, then leaves)', event({ aggregate: 'LAST_OCCURRED_AT', operator: 'WITHIN_LAST_DAYS', value: 3 }), 'both'],
    ['first time MORE_THAN_DAYS_AGO', event({ aggregate: 'FIRST_OCCURRED_AT', operator: 'MORE_THAN_DAYS_AGO', value: 3 }), 'rises'],
    ['a relative DATE property condition', event({ window: lastDays(7), where: [{ property: 'at', type: 'DATE', operator: 'MORE_THAN_DAYS_AGO', value: 2 }] }), 'both'],
    ['seen more than 30 days ago', seen(30, 'MORE_THAN_DAYS_AGO'), 'rises'],
    ['seen within 7 days', seen(7, 'WITHIN_LAST_DAYS'), 'both'],
    ['not of a falling one', { kind: 'not', child: event({ window: lastDays(7) }) }, 'rises'],
    ['and / or keep a common direction, beside steady ones', { kind: 'and', children: [tag, { kind: 'or', children: [event({ window: lastDays(7) }), event({ window: lastDays(1), name: 'x' })] }] }, 'falls'],
    ['opposite directions', { kind: 'or', children: [event({ window: lastDays(7) }), seen(30, 'MORE_THAN_DAYS_AGO')] }, 'both'],
    ['related ANY keeps it, NONE swaps it', { kind: 'and', children: [
      { kind: 'related', relation: 'users', target: 'USER', quantifier: 'ANY', filter: seen(30, 'MORE_THAN_DAYS_AGO') },
      { kind: 'related', relation: 'users', target: 'USER', quantifier: 'NONE', filter: event({ window: lastDays(30) }) },
    ] }, 'rises'],
  ])('%s', (_name, node, expected) => {
    expect(timeDirection(node)).toBe(expected);
  });
});
