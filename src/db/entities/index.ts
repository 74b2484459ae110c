import { AgentEntity } from './agent.entity';
import { AttributeDefinitionEntity } from './attribute-definition.entity';
import { StaticListEntity } from './static-list.entity';
import { WorkspaceEntity } from './workspace.entity';

export { AgentEntity, AttributeDefinitionEntity, StaticListEntity, WorkspaceEntity };

/**
 * The entities TypeORM maps. The six object tables and events are written by catalog-driven,
 * set-based SQL instead (batch upserts of 1,000 rows in one statement), see object-store.ts.
 */
export const ENTITIES = [WorkspaceEntity, AgentEntity, StaticListEntity, AttributeDefinitionEntity];
