/** v1.1 §4: the VAPID public key and your push subscriptions (registered in the authenticated scope). */
import { Type } from 'typebox';
import type { RouteDeps } from '../app.ts';
import { sessionOf } from '../session.ts';
import { errors } from '../schemas.ts';
import { PushKeyReply, SubscriptionReply, SubscriptionsReply } from '../replies.ts';

// Checked by core/push.ts so that every malformed subscription is 400 invalid_subscription (not invalid_request).
const SubscriptionBody = Type.Unknown({
  description: 'PushSubscription.toJSON(): {"endpoint": https URL of at most 2048 characters (http only for NATTER_FETCH_ALLOW), '
    + '"expirationTime"?, "keys": {"p256dh": base64url 65-byte uncompressed P-256 point, "auth": base64url 16 bytes}}',
});

export async function pushRoutes({ app, services }: RouteDeps): Promise<void> {
  const { push } = services;
  const tags = ['push'];

  app.get('/api/v1/push/key', {
    schema: {
      tags, description: 'The VAPID public key (base64url, uncompressed P-256), made at first start, the same on every node; 404 when NATTER_PUSH=0.',
      response: { 200: PushKeyReply, ...errors(404) },
    },
  }, async () => ({ public_key: push.publicKey() }));

  app.post('/api/v1/push/subscriptions', {
    schema: {
      tags, body: SubscriptionBody,
      description: '201 for a new endpoint; 200 and the same id when it is registered already (keys updated, now yours). It belongs to this '
        + 'session: logout and every other end of the session delete it. At most 20 per user: the oldest is dropped. 400 invalid_subscription.',
      response: { 200: SubscriptionReply, 201: SubscriptionReply, ...errors(404) },
    },
  }, async (req, reply) => {
    const { subscription, created } = await push.subscribe(sessionOf(req), req.body);
    return reply.status(created ? 201 : 200).send({ subscription });
  });

  app.get('/api/v1/push/subscriptions', {
    schema: { tags, description: 'Your subscriptions, oldest first.', response: { 200: SubscriptionsReply, ...errors() } },
  }, async (req) => ({ subscriptions: await push.list(req.user) }));

  app.delete('/api/v1/push/subscriptions/:id', {
    schema: { tags, params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), ...errors(404) } },
  }, async (req, reply) => {
    await push.remove(req.user, req.params.id);
    return reply.status(204).send(null);
  });
}
