// Response serialisers, compiled once per distinct schema in a process. Fastify's default compiles
// one per route and status at every start (fast-json-stringify, with an Ajv instance of its own for
// each union): about 1 s of CPU per app here, paid again by each coordinator a test or a devnet
// starts in the same process. The schemas are plain JSON (TypeBox's symbols do not reach the
// serialiser), so their JSON text is the key; the error answers every route shares compile once.

import type { FastifySerializerCompiler } from 'fastify';
import fastJsonStringify from 'fast-json-stringify';

const compiled = new Map<string, (data: unknown) => string>();

export const serializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) => {
  const key = JSON.stringify(schema);
  let serialize = compiled.get(key);
  if (!serialize) {
    serialize = fastJsonStringify(schema as Parameters<typeof fastJsonStringify>[0]);
    compiled.set(key, serialize);
  }
  return serialize;
};
