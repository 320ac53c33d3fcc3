/**
 * GET /api/v1/events/check (issue 16 item 3): a diagnostic event stream with the head of `/api/v1/events`, a
 * short burst of timed `check` events and a `done` (after an idle stretch past the heartbeat with `idle=1`).
 * Clients judge the path with the client library's path-check.ts (packages/client), whose wire format this is. No session is needed (it is what `natter doctor URL` asks
 * first); it counts against the per-address sign-in budget.
 */
import { Type } from 'typebox';
import { CHECK_BURST, type CheckDone, type CheckEvent } from '@natter/client/path-check';
import { encodeComment, encodeData, encodeEvent, encodeRetry } from '../../core/sse-frame.ts';
import type { RouteDeps } from '../app.ts';
import { errors } from '../schemas.ts';
import { SocketSink } from '../socket-sink.ts';
import { detachFromHttp } from '../socket-takeover.ts';

export async function checkRoutes({ app, services, authLimit }: RouteDeps): Promise<void> {
  const { heartbeatMs, retryMs } = services.config;
  const open = new Set<SocketSink>();
  app.addHook('onClose', async () => {
    for (const s of open) s.end(true);
  });

  app.get('/api/v1/events/check', {
    schema: {
      tags: ['events'],
      description: `Path check: ${CHECK_BURST.count} \`check\` events ${CHECK_BURST.intervalMs} ms apart, then \`done\`; with idle=1 the stream `
        + 'first stays idle (heartbeat comments only) for 1.5 heartbeats. No session needed; counts against NATTER_AUTH_RATE.',
      querystring: Type.Object({ idle: Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1')])) }),
      response: { 200: Type.String({ description: 'text/event-stream' }), ...errors(429) },
      security: [],
    },
    preHandler: authLimit,
  }, async (req, reply) => {
    const idleMs = req.query.idle === '1' ? Math.round(heartbeatMs * 1.5) : 0;
    reply.hijack();
    const sink = new SocketSink(detachFromHttp(req.raw, reply.raw));
    open.add(sink);
    const timers: NodeJS.Timeout[] = [];
    const at = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms));
    const write = (text: string) => sink.write(Buffer.from(text));
    req.raw.socket.once('close', () => {
      for (const t of timers) clearTimeout(t);
      open.delete(sink);
    });
    write(encodeRetry(retryMs));
    for (let n = 0; n < CHECK_BURST.count; n++) {
      at(n * CHECK_BURST.intervalMs, () => {
        const e: CheckEvent = { n, of: CHECK_BURST.count, interval_ms: CHECK_BURST.intervalMs, sent_at: Date.now() };
        write(encodeEvent('check', encodeData(e)));
      });
    }
    const burstEnd = (CHECK_BURST.count - 1) * CHECK_BURST.intervalMs;
    for (let t = heartbeatMs; t < idleMs; t += heartbeatMs) at(burstEnd + t, () => write(encodeComment('ping')));
    at(burstEnd + idleMs, () => {
      const done: CheckDone = { sent_at: Date.now(), heartbeat_ms: heartbeatMs, idle_ms: idleMs };
      write(encodeEvent('done', encodeData(done)));
      open.delete(sink);
      sink.end(false);
    });
  });
}
