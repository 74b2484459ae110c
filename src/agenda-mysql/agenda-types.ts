/**
 * The Agenda types this module implements, in one place. Agenda is ESM-only and this package
 * compiles to CommonJS, so the import must say it resolves as ESM; it is type-only and erased,
 * so nothing from Agenda is loaded at run time.
 */
export type {
  AgendaBackend,
  JobId,
  JobParameters,
  JobRepository,
  JobRepositoryOptions,
  JobState,
  JobsOverview,
  JobsQueryOptions,
  JobsResult,
  JobsSort,
  JobWithState,
  RemoveJobsOptions,
} from 'agenda' with { 'resolution-mode': 'import' };
