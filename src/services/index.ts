/** Wires the use cases to one data source; the adapters (GraphQL, jobs, CLI) receive this. */
import { DataSource } from 'typeorm';
import { AttributeService } from './attribute.service';
import { AuthService } from './auth.service';
import { ChangeFeed } from './change-feed';
import { EventService } from './event.service';
import { FilterService } from './filter.service';
import { ListService } from './list.service';
import { ObjectQueryService } from './object-query.service';
import { ObjectService } from './object.service';
import { TagService } from './tag.service';
import { WorkspaceService } from './workspace.service';

export interface Services {
  readonly dataSource: DataSource;
  readonly changes: ChangeFeed;
  readonly auth: AuthService;
  readonly workspaces: WorkspaceService;
  readonly attributes: AttributeService;
  readonly objects: ObjectService;
  readonly objectQueries: ObjectQueryService;
  readonly events: EventService;
  readonly tags: TagService;
  readonly lists: ListService;
  readonly filters: FilterService;
}

export function createServices(ds: DataSource): Services {
  const changes = new ChangeFeed();
  const attributes = new AttributeService(ds);
  const lists = new ListService(ds, changes);
  return {
    dataSource: ds,
    changes,
    auth: new AuthService(ds),
    workspaces: new WorkspaceService(ds),
    attributes,
    objects: new ObjectService(ds, attributes, changes),
    objectQueries: new ObjectQueryService(ds, attributes),
    events: new EventService(ds, changes),
    tags: new TagService(ds, changes),
    lists,
    filters: new FilterService(ds, attributes, lists),
  };
}
