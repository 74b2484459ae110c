/**
 * The typed tree of a generated (valid) filter input, validated against a reference data set's
 * workspace: its custom attribute types and lists. A rejection is a bug of the generator or of
 * validation, reported with the input.
 */
import type { FilterNode } from '../../src/core/filter/filter-tree';
import { validateFilter } from '../../src/core/filter/validate-filter';
import type { ObjectType } from '../../src/core/object-types';
import { attributeTypesOf, DataSet, listTypesOf } from '../reference/dataset';
import type { FilterInput } from '../reference/evaluator';

export function validateGenerated(ds: DataSet, workspaceId: string, type: ObjectType, filter: FilterInput): FilterNode {
  try {
    return validateFilter(filter, {
      objectType: type,
      attributeTypes: (t: ObjectType) => attributeTypesOf(ds, workspaceId, t),
      listTypes: listTypesOf(ds, workspaceId),
      segmentTypes: new Map<string, ObjectType>(),
    }, 'filter');
  } catch (error) {
    throw new Error(`validateFilter rejected a generated (valid) input: ${(error as Error).message}\nobjectType=${type} filter=${JSON.stringify(filter)}`);
  }
}
