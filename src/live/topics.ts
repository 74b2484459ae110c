/** Pub/sub topics of the subscriptions. */
export const TOPIC_COUNT = 'SEGMENT_COUNT';
export const TOPIC_MEMBERSHIP = 'SEGMENT_MEMBERSHIP';
