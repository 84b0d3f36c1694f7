// @aitbc/server-edge: what the coordinator and the chain node share at their HTTP edge (Node and
// Fastify only, so that @aitbc/protocol stays free of both): body reading, timeouts and every
// failure below the handlers as the seed envelope (http-edge.ts); CORS and the web app (web-edge.ts).
export * from './http-edge.ts';
export * from './web-edge.ts';
