/**
 * `momentAfterEvents` table-style (the property test tests/property/moments-after-events.spec.ts
 * checks its bounds against the moment query on data), and real time's name matching.
 */
import type { EventNode, FilterNode } from '../../../src/core/filter/filter-tree';
import { eventNameKey } from '../../../src/core/filter/event-names';
import { momentAfterEvents } from '../../../src/core/filter/moments';
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
