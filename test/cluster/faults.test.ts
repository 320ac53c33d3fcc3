/**
 * Faults with real processes: two Natter nodes (`node --import tsx src/main.ts`)
 * on one fresh PostgreSQL database and a dedicated redis-server.
 * - kill -9 one node while clients stream and post: clients reconnect to the
 *   other node with their Last-Event-ID, posters retry there with the same
 *   client_id, and every stream ends with every message exactly once, in order.
 * - Redis stopped for 10 s while posts continue on both nodes: posting never
 *   fails, /readyz says 503 meanwhile, and every stream catches up, in order,
 *   exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api, newUser } from '../helpers/api.ts';
import { createDatabase, startNode, startPostgres, startRedis, terminateBackends, waitReady, type NodeProcess, type PostgresServer, type RedisServer, type TestDatabase } from '../helpers/cluster.ts';
import { openEvents, untilReady, type RawStream } from '../helpers/sse.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

/**
 * A client that behaves like EventSource across a cluster: when its stream
 * drops it reconnects, trying each node in turn, with the last id it saw.
 * It keeps every `message` event of every connection.
 */
class ClusterClient {
  readonly seqs: number[] = [];
  reconnects = 0;
  private current: RawStream | null = null;
  private lastId: string | undefined;
  private stopped = false;

  constructor(private readonly token: string, private readonly room: string, private urls: string[]) {}

  async connect(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      const url = this.urls[attempt % this.urls.length]!;
      try {
        const s = await openEvents(url, this.token, { lastEventId: this.lastId, ready: false });
        if (s.status !== 200) throw new Error(`status ${s.status}`);
        this.attach(s);
        await untilReady(s);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Prefer these nodes from now on (the first is tried first). */
  useNodes(urls: string[]): void {
    this.urls = urls;
  }

  close(): void {
    this.stopped = true;
    this.current?.close();
  }

  private attach(s: RawStream): void {
    this.current = s;
    let seen = 0;
    const take = (): void => {
      for (; seen < s.events.length; seen++) {
        const e = s.events[seen]!;
        if (e.hasId) this.lastId = e.id;
        if (e.event !== 'message') continue;
        const m = JSON.parse(e.data).message as { room: string; seq: number };
        if (m.room === this.room) this.seqs.push(m.seq);
      }
    };
    s.socket.on('data', () => queueMicrotask(take));
    s.socket.once('close', () => {
      take();
      if (this.stopped) return;
      this.reconnects++;
      void this.connect();
    });
  }
}

/** POST a message, retrying on any node until one answers 200/201; the client_id makes retries safe. */
async function postSurely(token: string, urls: () => string[], room: string, text: string, maxAttempts = 200): Promise<number> {
  const clientId = uniq('cid');
  for (let attempt = 0; ; attempt++) {
    const list = urls();
    const api = new Api(list[attempt % list.length]!, token);
    try {
      const r = await api.post(`/api/v1/rooms/${room}/messages`, { text, client_id: clientId });
      if (r.status === 201 || r.status === 200) return r.body.message.seq as number;
    } catch { /* node down: try the next */ }
    if (attempt > maxAttempts) throw new Error(`could not post ${text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('cluster faults (real processes)', () => {
  let db: TestDatabase;
  let redis: RedisServer;
  const nodes: NodeProcess[] = [];
  const clients: ClusterClient[] = [];

  before(async () => {
    db = await createDatabase();
    redis = await startRedis();
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all(nodes.map((n) => n.kill()));
    await redis?.stop();
    await db?.drop();
  });

  const startPair = async (): Promise<[NodeProcess, NodeProcess]> => {
    const [a, b] = await Promise.all([startNode(db.url, redis.url), startNode(db.url, redis.url)]);
    nodes.push(a, b);
    await Promise.all([waitReady(a.url, 200), waitReady(b.url, 200)]);
    return [a, b];
  };
  const setup = async (a: NodeProcess, b: NodeProcess) => {
    const owner = await newUser(a.url, 'own');
    const room = uniq('room');
    assert.equal((await owner.api.post('/api/v1/rooms', { name: room, visibility: 'public' })).status, 201);
    const members = await Promise.all([newUser(a.url, 'p'), newUser(b.url, 'q'), newUser(b.url, 'r')]);
    for (const m of members) assert.equal((await m.api.post(`/api/v1/rooms/${room}/join`)).status, 200);
    return { owner, room, members };
  };

  it('kill -9 of one node: its clients reconnect to the other and miss nothing', async () => {
    const [a, b] = await startPair();
    const { owner, room, members } = await setup(a, b);
    // Two clients start on A (the node that dies), one on B.
    const cs = [
      new ClusterClient(members[0]!.token, room, [a.url, b.url]),
      new ClusterClient(members[1]!.token, room, [a.url, b.url]),
      new ClusterClient(members[2]!.token, room, [b.url, a.url]),
    ];
    clients.push(...cs);
    await Promise.all(cs.map((c) => c.connect()));
    let live = [a.url, b.url];
    const n = 60;
    const posted: number[] = [];
    const posting = (async () => {
      for (let i = 0; i < n; i++) {
        const poster = [owner, ...members][i % 4]!;
        posted.push(await postSurely(poster.token, () => (i % 2 ? [...live].reverse() : live), room, `k${i}`));
      }
    })();
    await waitFor(() => posted.length >= n / 3, 'a third of the posts');
    await a.kill();
    live = [b.url];
    for (const c of cs) c.useNodes([b.url]);
    await posting;
    assert.deepEqual([...posted].sort((x, y) => x - y), range(n));
    for (const c of cs) await waitFor(() => c.seqs.length >= n, `a client to have ${n} messages`, 20_000);
    for (const c of cs) assert.deepEqual(c.seqs, range(n));
    assert.ok(cs[0]!.reconnects >= 1 && cs[1]!.reconnects >= 1, 'the clients on A had to reconnect');
    assert.equal(cs[2]!.reconnects, 0);
    await b.stop();
  });

  it('Redis down for 10 s while posts continue: nothing lost, nothing duplicated, in order', async () => {
    const [a, b] = await startPair();
    const { owner, room, members } = await setup(a, b);
    const cs = [
      new ClusterClient(members[0]!.token, room, [a.url]),
      new ClusterClient(members[1]!.token, room, [b.url]),
      new ClusterClient(members[2]!.token, room, [b.url]),
    ];
    clients.push(...cs);
    await Promise.all(cs.map((c) => c.connect()));
    const posters = [owner, ...members];
    const urls = [a.url, b.url];
    const failures: string[] = [];
    let count = 0;
    let stop = false;
    const posting = (async () => {
      for (; !stop; count++) {
        // One attempt per post, on alternating nodes: while Redis is down, posting must still succeed.
        const r = await new Api(urls[count % 2]!, posters[count % 4]!.token).post(`/api/v1/rooms/${room}/messages`, { text: `o${count}` });
        if (r.status !== 201) failures.push(`${r.status} ${JSON.stringify(r.body)}`);
        await new Promise((res) => setTimeout(res, 25));
      }
    })();
    await waitFor(() => count >= 10, '10 posts before the outage');
    await redis.stop();
    await Promise.all([waitReady(a.url, 503), waitReady(b.url, 503)]);
    // During the outage a post on A still reaches B's streams (the feed polls the store).
    const before = count;
    await waitFor(() => cs[1]!.seqs.length > before + 2, 'B streams keep receiving during the outage');
    await new Promise((res) => setTimeout(res, 10_000)); // the outage itself: 10 s, as the scenario says
    await redis.start();
    await Promise.all([waitReady(a.url, 200), waitReady(b.url, 200)]);
    const restartedAt = count;
    await waitFor(() => count >= restartedAt + 10, '10 posts after the restart');
    stop = true;
    await posting;
    assert.deepEqual(failures, []);
    for (const c of cs) await waitFor(() => c.seqs.length >= count, `a client to have all ${count} messages`, 20_000);
    for (const c of cs) assert.deepEqual(c.seqs, range(count));
    for (const c of cs) assert.equal(c.reconnects, 0, 'no stream needed to reconnect');
    await Promise.all([a.stop(), b.stop()]);
  });
});

describe('database connection faults (real process)', () => {
  let db: TestDatabase;
  let redis: RedisServer;
  let node: NodeProcess | undefined;
  before(async () => {
    db = await createDatabase();
    redis = await startRedis();
  });
  after(async () => {
    await node?.kill();
    await redis?.stop();
    await db?.drop();
  });

  it('PostgreSQL drops every connection: the node logs it, keeps running, and the next requests succeed', async () => {
    node = await startNode(db.url, redis.url);
    await waitReady(node.url, 200);
    const user = await newUser(node.url, 'pg');
    const stream = await openEvents(node.url, user.token);
    assert.equal((await user.api.post('/api/v1/rooms/general/messages', { text: 'before' })).status, 201);
    // What a database restart or failover does to established connections.
    const killed = await terminateBackends(db);
    assert.ok(killed > 0, 'the node had connections to terminate');
    const r = await user.api.post('/api/v1/rooms/general/messages', { text: 'after' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await waitReady(node.url, 200);
    await stream.waitFor((ev) => dataOfTexts(ev).includes('after'), 'the post after the fault on the stream');
    assert.deepEqual(dataOfTexts(stream.events), ['before', 'after']);
    stream.close();
    // Whichever notices first says so: the pool (an idle connection's error), or a query that got a dead
    // connection and was retried (a read or a connect).
    assert.match(node.output(), /postgres: idle connection lost|postgres: (connect|read|snapshot) failed, retrying/);
  });
});

const dataOfTexts = (ev: RawStream['events']): string[] =>
  ev.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data).message.text as string);


describe('PostgreSQL restart (real processes, a dedicated PostgreSQL server)', () => {
  let pgServer: PostgresServer | null = null;
  let redis: RedisServer;
  const nodes: NodeProcess[] = [];
  const clients: ClusterClient[] = [];
  before(async () => {
    pgServer = await startPostgres();
    redis = await startRedis();
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all(nodes.map((n) => n.kill()));
    await redis?.stop();
    await pgServer?.destroy();
  });

  it('the database goes away for 3 s while posts continue: nodes stay up, 503 meanwhile, then every post lands once and every stream catches up in order', async (t) => {
    if (!pgServer) return t.skip('cannot run a dedicated PostgreSQL here (initdb missing or not permitted)');
    const pgs = pgServer;
    const [a, b] = await Promise.all([startNode(pgs.url, redis.url), startNode(pgs.url, redis.url)]);
    nodes.push(a, b);
    await Promise.all([waitReady(a.url, 200), waitReady(b.url, 200)]);
    const owner = await newUser(a.url, 'own');
    const room = uniq('room');
    assert.equal((await owner.api.post('/api/v1/rooms', { name: room, visibility: 'public' })).status, 201);
    const members = await Promise.all([newUser(a.url, 'p'), newUser(b.url, 'q')]);
    for (const m of members) assert.equal((await m.api.post(`/api/v1/rooms/${room}/join`)).status, 200);
    const cs = [new ClusterClient(members[0]!.token, room, [a.url]), new ClusterClient(members[1]!.token, room, [b.url])];
    clients.push(...cs);
    await Promise.all(cs.map((c) => c.connect()));

    const posted: number[] = [];
    let stop = false;
    const urls = [a.url, b.url];
    const posting = (async () => {
      for (let i = 0; !stop; i++) {
        // Retried until stored: while the database is down every attempt fails, and an attempt whose
        // answer was lost may have committed, so the retry reuses the client_id.
        posted.push(await postSurely([owner, ...members][i % 3]!.token, () => (i % 2 ? [b.url, a.url] : urls), room, `d${i}`, 2000));
      }
    })();
    await waitFor(() => posted.length >= 10, '10 posts before the outage');
    await pgs.stop();
    await Promise.all([waitReady(a.url, 503), waitReady(b.url, 503)]);
    await new Promise((res) => setTimeout(res, 3000)); // the outage: 3 s of failing requests
    await pgs.start();
    await Promise.all([waitReady(a.url, 200), waitReady(b.url, 200)]);
    const restartedAt = posted.length;
    await waitFor(() => posted.length >= restartedAt + 10, '10 posts after the restart', 20_000);
    stop = true;
    await posting;
    const n = posted.length;
    assert.deepEqual([...posted].sort((x, y) => x - y), range(n));
    for (const c of cs) await waitFor(() => c.seqs.length >= n, `a client to have all ${n} messages`, 20_000);
    for (const c of cs) assert.deepEqual(c.seqs, range(n));
    for (const c of cs) assert.equal(c.reconnects, 0, 'streams stay open through a database outage');
    for (const node of [a, b]) assert.match(node.output(), /postgres: .*retrying|idle connection lost/);
    await Promise.all([a.stop(), b.stop()]);
  });
});
