/** `attribute` nodes: a standard column of the row, or a custom attribute through its typed row in attribute_values. */
import { standardField } from '../catalog';
import { assertNever } from '../object-types';
import { AttributeNode, FieldRef, SqlFragment } from './filter-tree';
import { compileCondition } from './compile-condition';
import { attributeValueOperand, columnOperand, Operand } from './operand';
import { Scope } from './scope';

export function compileAttribute(node: AttributeNode, scope: Scope): SqlFragment {
  return compileCondition(attributeOperand(node.field, scope), node, scope.now);
}

function attributeOperand(field: FieldRef, scope: Scope): Operand {
  switch (field.kind) {
    case 'standard': {
      const def = standardField(scope.objectType, field.name);
      if (!def) throw new Error(`filter tree: ${scope.objectType} has no field ${field.name}`);
      return columnOperand(scope.alias, def);
    }
    case 'custom': return attributeValueOperand(scope, field.key, field.type);
    default: return assertNever(field, 'field reference');
  }
}
