/** Plain functions from service results to GraphQL classes. */
import type { ObjectRecord } from '../db/object-store';
import type { AgentEntity } from '../db/entities';
import { OBJECT_CLASSES, CrmObject } from './types/objects';
import { Agent } from './types/misc';

export function toGraphQLObject(rec: ObjectRecord): CrmObject {
  const obj: CrmObject = new OBJECT_CLASSES[rec.type]();
  Object.assign(obj, rec.values, {
    id: rec.id,
    objectType: rec.type,
    externalId: rec.externalId,
    attributes: rec.attributes,
    createdAt: rec.createdAt,
    updatedAt: rec.updatedAt,
    refs: rec.refs,
  });
  return obj;
}

export function toGraphQLAgent(a: AgentEntity): Agent {
  return Object.assign(new Agent(), { id: String(a.id), name: a.name, email: a.email, role: a.role });
}
