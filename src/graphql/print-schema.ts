/** The emitted SDL (schema/schema.graphql): written by `npm run schema`, checked in CI. */
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { createSchema } from './schema';

export const SCHEMA_FILE = path.join('schema', 'schema.graphql');

const HEADER = '# Emitted by `npm run schema` from the type-graphql classes in src/graphql. Do not edit.\n\n';

export async function emittedSdl(): Promise<string> {
  return HEADER + printSchema(lexicographicSortSchema(await createSchema())) + '\n';
}

/** Writes the SDL; with `check`, returns false instead when the committed file differs. */
export async function writeOrCheckSchema(check: boolean, file = SCHEMA_FILE): Promise<boolean> {
  const sdl = await emittedSdl();
  if (check) return fs.existsSync(file) && fs.readFileSync(file, 'utf8') === sdl;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, sdl);
  return true;
}
