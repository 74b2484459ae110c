/**
 * Example operations that open as GraphiQL's first tabs, written against
 * ../shared/api/contract.graphql. GraphiQL uses them only while no tab state is stored in
 * the browser; the page's "Reset tabs" button clears that state to bring them back.
 */

/** One example tab: the operation and, as JSON text, its variables. */
export interface ExampleTab {
  query: string;
  variables?: string;
}

const json = (value: unknown): string => JSON.stringify(value, null, 2);

const listSegments = `# Every segment of the workspace with its cached count and sync state.
# Narrow it with segments(objectType: USER).
query ListSegments {
  segments {
    id
    name
    objectType
    count
    realtime
    paused
    syncStatus
    lastSyncedAt
    nextSyncAt
  }
}
`;

/** The seed's retention segment, as the product describes it. */
const retentionFilter = {
  and: [
    // bought more than once
    { event: { name: 'order_completed', aggregate: 'COUNT', operator: 'GT', value: 1 } },
    // no visit for 40 days
    { attribute: { field: 'lastSeenAt', operator: 'MORE_THAN_DAYS_AGO', value: 40 } },
    // total order value over 800
    { event: { name: 'order_completed', aggregate: 'SUM', property: 'total', operator: 'GT', value: 800 } },
    // marketing consent
    { attribute: { field: 'marketingConsent', operator: 'IS_TRUE' } },
  ],
};

const createRetentionSegment = `# The retention segment: repeat buyers (more than one order_completed) who have not
# been seen for 40 days, spent more than 800 in total, and gave marketing consent.
mutation CreateRetentionSegment($input: CreateSegmentInput!) {
  createSegment(input: $input) {
    id
    name
    count
    syncStatus
    filter
  }
}
`;

const previewFilter = `# How many users a filter matches right now, and a few of them; nothing is stored.
query PreviewFilter($objectType: ObjectType!, $filter: FilterInput!) {
  previewSegment(objectType: $objectType, filter: $filter, sampleSize: 5) {
    count
    sample {
      id
      externalId
      ... on User {
        email
        lastSeenAt
        marketingConsent
      }
    }
  }
}
`;

const liveCounts = `# Live counts over graphql-ws on the same path: one message per count change of a
# segment you can see. Stop it with the run button.
subscription LiveCounts($objectType: ObjectType) {
  segmentCountChanged(objectType: $objectType) {
    segmentId
    objectType
    count
    previousCount
    trigger
    at
  }
}
`;

const trackEvent = `# Records an order for a user (matched by externalId); realtime segments re-evaluate.
mutation TrackOrder($input: [EventInput!]!) {
  trackEvents(input: $input) {
    accepted
    duplicates
  }
}
`;

/** The example tabs, in the order they open. */
export const EXAMPLE_TABS: readonly ExampleTab[] = [
  // No variables on the first tab: GraphiQL 5.4 fills the first tab's variables editor from
  // `initialVariables` only, not from defaultTabs[0].variables.
  { query: listSegments },
  {
    query: createRetentionSegment,
    variables: json({
      input: {
        objectType: 'USER',
        name: 'Retention: repeat buyers gone quiet',
        description: 'Bought more than once, no visit for 40 days, spent over 800, marketing consent.',
        filter: retentionFilter,
        realtime: true,
      },
    }),
  },
  {
    query: previewFilter,
    variables: json({
      objectType: 'USER',
      filter: { event: { name: 'order_completed', aggregate: 'COUNT', operator: 'GT', value: 1 } },
    }),
  },
  { query: liveCounts, variables: json({ objectType: 'USER' }) },
  {
    query: trackEvent,
    variables: json({
      input: [
        {
          userExternalId: 'user-1',
          name: 'order_completed',
          properties: { total: 120 },
          messageId: 'graphiql-example-order-1',
        },
      ],
    }),
  },
];
