/**
 * GET /api/v1/events: the event stream. Errors that can be answered in JSON (401,
 * 429) are sent before the socket is taken over, which stops a browser's
 * EventSource from retrying; after that the stream belongs to core/stream.ts.
 */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { RouteDeps } from '../app.ts';
import type { Turns } from '../../core/turns.ts';
import { notFound } from '../../core/errors.ts';
import { errors } from '../schemas.ts';
import { sessionOf } from '../session.ts';
import { SocketSink } from '../socket-sink.ts';
import { detachFromHttp } from '../socket-takeover.ts';

const EVENTS_PATH = '/api/v1/events';

/** Requests holding an arrival turn, and the turns they hold. */
const arrivals = new WeakMap<FastifyRequest, Turns>();

/** Take an arrival turn for a stream request (the stream scope's first hook: server.ts). */
export async function arrivalTurn(req: FastifyRequest, turns: Turns): Promise<void> {
  await turns.take();
  arrivals.set(req, turns);
}

/** Give the request's arrival turn back, once: when its stream is registered, or with its answer (401, 429). */
export function endArrivalTurn(req: FastifyRequest): void {
  const turns = arrivals.get(req);
  arrivals.delete(req);
  turns?.give();
}

/** The event-stream route (registered in a scope of its own that authenticates and takes an arrival turn first: server.ts). */
export async function eventRoutes({ app, services }: RouteDeps): Promise<void> {
  app.get(EVENTS_PATH, {
    schema: {
      tags: ['events'],
      description: 'Server-Sent Events stream of every room the user belongs to (see API.md, "The event stream").',
      // No length limit here: any bad cursor, however long, must get `reset` on the stream, not a 400 that stops EventSource.
      querystring: Type.Object({
        last_event_id: Type.Optional(Type.String()),
        visible: Type.Optional(Type.String({ description: 'v1.1: `0` opens the stream as hidden (the page is in the background); anything else: visible' })),
      }),
      response: { 200: Type.String({ description: 'text/event-stream' }), ...errors(429) },
    },
  }, async (req, reply) => {
    let opening: Promise<unknown>;
    try {
      const session = sessionOf(req);
      const slot = await services.streams.admit(session.user.id, req.ip);
      const header = req.headers['last-event-id'];
      const cursor = typeof header === 'string' ? header : req.query.last_event_id;
      reply.hijack();
      const sink = new SocketSink(detachFromHttp(req.raw, reply.raw));
      const visible = req.query.visible !== '0' && req.query.visible !== 'false';
      opening = services.streams.open(session, req.ip, sink, cursor, slot, visible);
    } finally {
      endArrivalTurn(req); // the stream is registered (or refused): the next arrival may start
    }
    await opening.catch((err: unknown) => {
      services.metrics.storeErrors.inc();
      req.log.error({ err }, 'event stream failed while opening');
    });
  });

  app.post('/api/v1/events/visibility', {
    schema: {
      tags: ['events'],
      description: 'v1.1: the page showing stream `stream_id` (from `ready`) became visible or hidden. The stream may be open on any node. '
        + '404 when that stream is not yours or not open.',
      body: Type.Object({ stream_id: Type.String({ maxLength: 64 }), visible: Type.Boolean() }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...errors(404) },
    },
  }, async (req, reply) => {
    if (!(await services.relay.visibility(req.user.id, req.body.stream_id, req.body.visible))) throw notFound(`stream ${req.body.stream_id.slice(0, 64)}`);
    return reply.status(204).send(null);
  });
}
