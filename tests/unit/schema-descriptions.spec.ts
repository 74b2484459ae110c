/** The docs explorer is only as good as the schema's descriptions: every public type, field and argument has one. */
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, isUnionType } from 'graphql';
import { createSchema } from '../../src/graphql/schema';

test('every type, field, argument and input field of the schema has a description', async () => {
  const schema = await createSchema();
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
    if (!type.description) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (!field.description) missing.push(`${type.name}.${field.name}`);
    } else if (!isEnumType(type) && !isScalarType(type) && !isUnionType(type)) {
      missing.push(`${(type as { name: string }).name} (unexpected kind)`);
    }
  }
  expect(missing).toEqual([]);
});
