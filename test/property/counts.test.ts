/**
 * Property test (fast-check) of issue 11 item 6, straight against the Store (no HTTP), on SQLite and
 * PostgreSQL: for random sequences of posts (with @mentions of members, @room, @here, replies), edits,
 * deletes, joins, leaves, visibility changes, read-marker moves and restarts (close and reopen the
 * store), every user's `unread` and `mentions` (getRoom and listRooms) equal the counts recomputed
 * from a simple model, each message's `mentions` equals the model's, and `lookups.messages` equals a
 * brute-force filter (fold() from core/fold.ts) of the messages the user may read now.
 *
 * The inbox (`lookups.mentions`: reason, read flag, order) is checked against the model too.
 * Each run uses fresh users and rooms in one database; search results are compared within the
 * run's rooms (earlier runs' public rooms are readable too, and are filtered out).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { fold, parseQuery, queryGrams } from '../../src/core/fold.ts';
import type { Store } from '../../src/storage/store.ts';
import { describeEachStoreDirect } from '../helpers/stores.ts';
import { uniq } from '../helpers/wait.ts';

const USERS = 5; // user 4 is a guest
const ROOMS = 3; // room r is owned by user r; room 1 starts private
const VOCAB = ['Café', 'cafe', 'CAFÉ', 'decaffeinated', '東京都', '東京', 'straße', 'Søren', 'a', 'ab', 'x-y', 'AND', '😀', 'Ｆｕｌｌ', 'e\u0301', 'OR', 'key:value', '*'];

/** One word of a message: plain vocabulary, a user mention in some spelling, or a keyword. */
type Word =
  | { w: 'vocab'; i: number }
  | { w: 'user'; u: number; style: number }
  | { w: 'room' | 'here' | 'fake' };

type Op =
  | { k: 'post'; u: number; r: number; words: Word[]; reply: number | null }
  | { k: 'edit'; r: number; pick: number; words: Word[] }
  | { k: 'delete'; r: number; pick: number }
  | { k: 'join'; u: number; r: number }
  | { k: 'leave'; u: number; r: number }
  | { k: 'read'; u: number; r: number; back: number }
  | { k: 'visibility'; r: number }
  | { k: 'restart' }
  | { k: 'presence'; u: number }
  | { k: 'inbox'; u: number }
  | { k: 'search'; u: number; pick: number; from: number; len: number; two: boolean; inRoom: number; by: number; pageSize: number };

const wordArb: fc.Arbitrary<Word> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ w: fc.constant('vocab' as const), i: fc.nat(VOCAB.length - 1) }) },
  { weight: 3, arbitrary: fc.record({ w: fc.constant('user' as const), u: fc.nat(USERS - 1), style: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ w: fc.constantFrom('room' as const, 'here' as const, 'fake' as const) }) },
);
const wordsArb = fc.array(wordArb, { minLength: 1, maxLength: 6 });
const u = fc.nat(USERS - 1);
const r = fc.nat(ROOMS - 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('post' as const), u, r, words: wordsArb, reply: fc.option(fc.nat(50), { freq: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('edit' as const), r, pick: fc.nat(50), words: wordsArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('delete' as const), r, pick: fc.nat(50) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('join' as const), u, r }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('leave' as const), u, r }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('read' as const), u, r, back: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('visibility' as const), r }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('restart' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('presence' as const), u }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('inbox' as const), u }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('search' as const), u, pick: fc.nat(50), from: fc.nat(20), len: fc.integer({ min: 1, max: 4 }), two: fc.boolean(), inRoom: fc.nat(ROOMS * 2), by: fc.nat(USERS * 2), pageSize: fc.integer({ min: 3, max: 30 }) }) },
);

type Reason = 'user' | 'reply' | 'room' | 'here';

interface ModelMessage {
  id: string;
  room: number;
  seq: number;
  author: number;
  text: string;
  deleted: boolean;
  /** Author of the parent, for replies. */
  parentAuthor: number | null;
  /** Who it mentions (as derived at commit or at the last edit). */
  mentioned: Map<number, Reason>;
  /** Its `mentions.users` (user indexes in text order), room and here flags. */
  listed: number[];
  roomFlag: boolean;
  hereFlag: boolean;
}

interface ModelRoom {
  name: string;
  id: number;
  visibility: 'public' | 'private';
  lastSeq: number;
  /** member → read marker */
  members: Map<number, number>;
  messages: ModelMessage[];
}

/** The text of some words, and what it mentions (user indexes in text order, keywords). */
function render(words: Word[], names: string[]): { text: string; users: number[]; room: boolean; here: boolean } {
  const parts: string[] = [];
  const users: number[] = [];
  let room = false;
  let here = false;
  for (const w of words) {
    if (w.w === 'vocab') parts.push(VOCAB[w.i]!);
    else if (w.w === 'room') (parts.push('@room'), (room = true));
    else if (w.w === 'here') (parts.push('@here.'), (here = true));
    else if (w.w === 'fake') parts.push(`x@room mail@${names[0]}`);
    else if (w.w === 'user') {
      const n = names[w.u]!;
      // Spellings that mention (0-3, 5) and one that does not (4: an email address).
      const spelled = [`@${n}`, `@${n.toUpperCase()}`, `@${n}.`, `@${n}...`, `${n}@${n}.com`, `(@${n})`][w.style]!;
      parts.push(spelled);
      if (w.style !== 4) users.push(w.u);
    }
  }
  return { text: parts.join(' '), users, room, here };
}

async function runProperty(open: () => Promise<Store>, numRuns: number): Promise<void> {
  let store = await open();
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 40, size: 'max' }), async (ops) => {
        // ---- fresh users and rooms for this run
        const names = Array.from({ length: USERS }, (_, i) => uniq(`p${i}`));
        const ids: string[] = [];
        for (let i = 0; i < USERS; i++) {
          const made = await store.createUser({ username: names[i]!, passwordHash: i === 4 ? null : 'x', guest: i === 4 });
          ids.push(made.value.id);
        }
        const rooms: ModelRoom[] = [];
        for (let i = 0; i < ROOMS; i++) {
          const name = uniq('pr');
          const visibility = i === 1 ? 'private' : 'public';
          await store.createRoom({ name, topic: '', visibility, ownerId: ids[i]! });
          const id = (await store.getRoom(name, ids[i]!))!.record.id;
          rooms.push({ name, id, visibility, lastSeq: 0, members: new Map([[i, 0]]), messages: [] });
        }
        // Most users start in most rooms, so that mentions mostly name members (leave ops thin them out).
        for (let ri = 0; ri < ROOMS; ri++) {
          for (let ui = 0; ui < USERS; ui++) {
            if (ui === ri || (ri + ui) % 4 === 3) continue;
            await store.addMember(rooms[ri]!.id, ids[ui]!, 'member');
            rooms[ri]!.members.set(ui, 0);
          }
        }
        const order: ModelMessage[] = []; // every message of the run, in commit order
        const online = new Set<number>(); // who is online (for @here), toggled by 'presence' ops
        const isOnline = (id: string) => online.has(ids.indexOf(id));
        const live = (room: ModelRoom) => room.messages.filter((m) => !m.deleted);

        /** What a text mentions in `room` by `author`, derived as the contract says. */
        const derive = (room: ModelRoom, author: number, words: Word[], parentAuthor: number | null) => {
          const { text, users, room: kwRoom, here: kwHere } = render(words, names);
          const listedUsers = [...new Set(users.filter((x) => x !== author && room.members.has(x)))];
          const mayBroadcast = author !== 4 && (author === rooms.indexOf(room) || room.members.size <= 20);
          const roomFlag = kwRoom && mayBroadcast;
          const hereFlag = kwHere && mayBroadcast;
          // Reasons: the first that applies of user, reply, room, here.
          const mentioned = new Map<number, Reason>(listedUsers.map((x) => [x, 'user']));
          const add = (x: number, reason: Reason) => { if (x !== author && !mentioned.has(x)) mentioned.set(x, reason); };
          if (parentAuthor !== null && room.members.has(parentAuthor)) add(parentAuthor, 'reply');
          if (roomFlag) for (const m of room.members.keys()) add(m, 'room');
          if (hereFlag) for (const m of room.members.keys()) if (online.has(m)) add(m, 'here');
          return { text, listed: listedUsers, roomFlag, hereFlag, mentioned };
        };

        const checkMessage = (got: any, m: ModelMessage) => {
          assert.equal(got.text, m.deleted ? '' : m.text);
          assert.deepEqual(got.mentions.users.map((x: any) => x.id), m.deleted ? [] : m.listed.map((i) => ids[i]), `mentions.users of ${JSON.stringify(m.text)}`);
          assert.equal(got.mentions.room, m.deleted ? false : m.roomFlag);
          assert.equal(got.mentions.here, m.deleted ? false : m.hereFlag);
        };

        const checkCounts = async () => {
          for (let ui = 0; ui < USERS; ui++) {
            const listed = new Map((await store.listRooms(ids[ui]!)).rooms.map((x) => [x.name, x]));
            for (const room of rooms) {
              const read = room.members.get(ui);
              const unread = read === undefined ? 0 : live(room).filter((m) => m.seq > read && m.author !== ui).length;
              const mentions = read === undefined ? 0 : live(room).filter((m) => m.seq > read && m.mentioned.has(ui)).length;
              const got = (await store.getRoom(room.name, ids[ui]!))!.room;
              assert.deepEqual([got.unread, got.mentions], [unread, mentions], `user ${ui} in room ${rooms.indexOf(room)}: [unread, mentions]`);
              const inList = listed.get(room.name);
              if (room.visibility === 'public' || read !== undefined) {
                assert.ok(inList, `room ${rooms.indexOf(room)} listed for user ${ui}`);
                assert.deepEqual([inList.unread, inList.mentions], [unread, mentions], 'listRooms agrees');
              }
            }
          }
        };

        for (const op of ops) {
          if (op.k === 'post') {
            const room = rooms[op.r]!;
            // Non-members join a public room first; in a private room the owner posts instead.
            let author = op.u;
            if (!room.members.has(author) && room.visibility === 'public') {
              await store.addMember(room.id, ids[author]!, 'member');
              room.members.set(author, room.lastSeq);
            }
            if (!room.members.has(author)) author = op.r;
            const candidates = live(room);
            const parent = op.reply === null || candidates.length === 0 ? null : candidates[op.reply % candidates.length]!;
            const d = derive(room, author, op.words, parent?.author ?? null);
            const res = await store.postMessage({ roomId: room.id, author: { id: ids[author]!, username: names[author]! }, text: d.text, clientId: null, replyTo: parent?.id ?? null, online: isOnline });
            const msg = res.value.message;
            room.lastSeq += 1;
            assert.equal(msg.seq, room.lastSeq);
            const m: ModelMessage = { id: msg.id, room: op.r, seq: msg.seq, author: author, text: d.text, deleted: false, parentAuthor: parent?.author ?? null, mentioned: d.mentioned, listed: d.listed, roomFlag: d.roomFlag, hereFlag: d.hereFlag };
            room.messages.push(m);
            order.push(m);
            room.members.set(author, msg.seq); // posting moves the author's marker
            checkMessage(msg, m);
            assert.equal(msg.reply_to?.id ?? null, parent?.id ?? null);
          } else if (op.k === 'edit') {
            const room = rooms[op.r]!;
            // Only members edit (the API's rule; the store does not check it).
            const candidates = live(room).filter((x) => room.members.has(x.author));
            if (candidates.length === 0) continue;
            const m = candidates[op.pick % candidates.length]!;
            const d = derive(room, m.author, op.words, m.parentAuthor);
            const res = await store.editMessage(room.id, m.id, d.text, isOnline);
            Object.assign(m, { text: d.text, mentioned: d.mentioned, listed: d.listed, roomFlag: d.roomFlag, hereFlag: d.hereFlag });
            checkMessage(res.value, m);
          } else if (op.k === 'delete') {
            const room = rooms[op.r]!;
            if (room.messages.length === 0) continue;
            const m = room.messages[op.pick % room.messages.length]!;
            const res = await store.deleteMessage(room.id, m.id);
            Object.assign(m, { deleted: true, mentioned: new Map<number, Reason>(), listed: [], roomFlag: false, hereFlag: false });
            checkMessage(res.value, m);
          } else if (op.k === 'join') {
            const room = rooms[op.r]!;
            if (room.members.has(op.u)) continue;
            await store.addMember(room.id, ids[op.u]!, 'member');
            room.members.set(op.u, room.lastSeq);
          } else if (op.k === 'leave') {
            const room = rooms[op.r]!;
            // Owners stay (a returning owner would come back as a member: another rule, not this test's).
            if (!room.members.has(op.u) || op.u === op.r) continue;
            await store.removeMember(room.id, ids[op.u]!);
            room.members.delete(op.u);
          } else if (op.k === 'read') {
            const room = rooms[op.r]!;
            const read = room.members.get(op.u);
            if (read === undefined) continue;
            // back 5: exactly to the newest message that mentions the user (a read flag's boundary)
            const mentioning = live(room).filter((m) => m.mentioned.has(op.u));
            const seq = op.back === 5 && mentioning.length > 0 ? mentioning[mentioning.length - 1]!.seq : Math.max(0, room.lastSeq - op.back);
            await store.markRead(room.id, ids[op.u]!, seq);
            room.members.set(op.u, Math.max(read, Math.min(seq, room.lastSeq)));
          } else if (op.k === 'visibility') {
            const room = rooms[op.r]!;
            room.visibility = room.visibility === 'public' ? 'private' : 'public';
            await store.updateRoom(room.id, { visibility: room.visibility }, ids[op.r]!);
          } else if (op.k === 'presence') {
            if (online.has(op.u)) online.delete(op.u);
            else online.add(op.u);
          } else if (op.k === 'inbox') {
            await checkInbox(store, op.u, order, rooms, ids);
          } else if (op.k === 'restart') {
            await store.close();
            store = await open();
          } else {
            await checkSearch(store, op, order, rooms, ids);
          }
          await checkCounts();
        }
        for (let ui = 0; ui < USERS; ui++) await checkInbox(store, ui, order, rooms, ids);
      }),
      { numRuns, endOnFailure: true, ...(process.env.NATTER_PROPERTY_SEED ? { seed: Number(process.env.NATTER_PROPERTY_SEED), path: process.env.NATTER_PROPERTY_PATH } : {}) },
    );
  } finally {
    await store.close();
  }
}

/** lookups.messages for `op.u`, all pages, compared with a brute-force filter of the model. */
async function checkSearch(store: Store, op: Extract<Op, { k: 'search' }>, order: ModelMessage[], rooms: ModelRoom[], ids: string[]): Promise<void> {
  const texts = order.filter((m) => !m.deleted).map((m) => m.text);
  const pieceOf = (k: number): string => {
    if (texts.length === 0 || k % 3 === 0) return VOCAB[k % VOCAB.length]!;
    const cps = [...texts[k % texts.length]!];
    const from = op.from % cps.length;
    return cps.slice(from, from + op.len).join('');
  };
  const q = op.two ? `${pieceOf(op.pick)} ${pieceOf(op.pick + 1)}` : pieceOf(op.pick);
  let terms: string[];
  try {
    terms = parseQuery(q);
  } catch {
    return; // nothing to search for (only spaces or marks): the route's 400
  }
  const runRooms = new Set(rooms.map((x) => x.name));
  const readable = (m: ModelMessage) => rooms[m.room]!.visibility === 'public' || rooms[m.room]!.members.has(op.u);
  const expected = order
    .filter((m) => !m.deleted && readable(m) && terms.every((t) => fold(m.text).includes(t)))
    .filter((m) => (op.inRoom >= ROOMS || m.room === op.inRoom) && (op.by >= USERS || m.author === op.by))
    .map((m) => m.id)
    .reverse();
  const got: string[] = [];
  let beforeKey: number | null = null;
  for (;;) {
    const filters = { roomId: op.inRoom < ROOMS ? rooms[op.inRoom]!.id : undefined, authorId: op.by < USERS ? ids[op.by] : undefined };
    const res = await store.lookups.messages(ids[op.u]!, { terms, grams: queryGrams(terms), ...filters, limit: op.pageSize, beforeKey });
    assert.ok(res.messages.length <= op.pageSize);
    got.push(...res.messages.filter((m) => runRooms.has(m.room)).map((m) => m.id));
    if (res.nextKey === null) break;
    beforeKey = res.nextKey;
  }
  assert.deepEqual(got, expected, `search ${JSON.stringify(q)} (terms ${JSON.stringify(terms)}) for user ${op.u}, room ${op.inRoom}, author ${op.by}, pages of ${op.pageSize}`);
}

/** lookups.mentions for `u`, all pages, compared with the model: messages mentioning u in rooms u is a member of now. */
async function checkInbox(store: Store, u: number, order: ModelMessage[], rooms: ModelRoom[], ids: string[]): Promise<void> {
  const runRooms = new Set(rooms.map((x) => x.name));
  const expected = order
    .filter((m) => !m.deleted && rooms[m.room]!.members.has(u) && m.mentioned.has(u))
    .map((m) => [m.id, m.mentioned.get(u), m.seq <= rooms[m.room]!.members.get(u)!])
    .reverse();
  const got: unknown[] = [];
  let beforeKey: number | null = null;
  for (let page = 0; page < 1000; page++) {
    const res = await store.lookups.mentions(ids[u]!, { limit: 7, beforeKey });
    got.push(...res.items.filter((x) => runRooms.has(x.message.room)).map((x) => [x.message.id, x.reason, x.read]));
    if (res.nextKey === null) break;
    beforeKey = res.nextKey;
  }
  assert.deepEqual(got, expected, `inbox of user ${u}: [id, reason, read]`);
}

const RUNS = Number(process.env.NATTER_PROPERTY_RUNS ?? 40);

// On PostgreSQL only the newest 12 positions are scanned before the index is used (lookups.ts), so every run takes
// both paths: pages filled from the newest messages, and searches that go on through the GIN index.
describeEachStoreDirect('counts and search follow the model', (open) => {
  it(`${RUNS} random runs`, { timeout: 120_000 }, async () => {
    await runProperty(open, RUNS);
  });
}, { searchWindow: 12 });
