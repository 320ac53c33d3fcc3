// A Natter outgoing-webhook receiver (API v1.1 §6) in plain Node, no dependencies:
//   WEBHOOK_SECRET=whsec_… PORT=8787 node docs/webhook-receiver.mjs
// It checks the Standard Webhooks signature, refuses timestamps more than 5 minutes off, answers 2xx only
// for what it has handled (Natter then moves on; anything else is sent again), and drops redeliveries by
// `webhook-id` (delivery is at least once). Keep the seen ids in your database to survive restarts.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const key = Buffer.from(process.env.WEBHOOK_SECRET.replace(/^whsec_/, ''), 'base64');
const seen = new Set();

function verified(id, timestamp, signature, body) {
  if (!id || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return String(signature).split(' ').some((s) => {
    const given = Buffer.from(s.slice(3), 'base64');
    return s.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sig } = req.headers;
    if (!verified(id, ts, sig, body)) return res.writeHead(401).end();
    if (!seen.has(id)) {
      seen.add(id);
      const { event } = JSON.parse(body);
      console.log(JSON.stringify({ id, type: event.type, data: event.data })); // handle the event here
    }
    res.writeHead(204).end();
  });
});
server.listen(Number(process.env.PORT ?? 8787), '127.0.0.1', () => console.error(`listening on port ${server.address().port}`));
