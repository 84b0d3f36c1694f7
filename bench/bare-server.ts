// The ceiling for `npm run bench`: a bare Fastify route that parses a JSON body and answers JSON,
// nothing else (no auth, no validation, no database), in its own process like the coordinator.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/echo', async (request) => ({ ok: true, got: (request.body as { n?: number } | undefined)?.n ?? null }));
await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
process.stderr.write(`listening on http://127.0.0.1:${(app.server.address() as { port: number }).port}\n`);
