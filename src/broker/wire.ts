/**
 * The broker's wire format: one JSON object per message. Whatever arrives on the
 * channel is checked kind by kind before any handler sees it, so a malformed or
 * foreign message (a bug, another program on the same Redis) is dropped and
 * counted instead of throwing inside the client library's callback. A kind this
 * node does not know (a newer node during a rolling upgrade) is dropped the same way.
 */
import type { LogEvent, UserRef } from '../core/types.ts';
import type { BrokerMessage } from './broker.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isUser = (v: unknown): v is UserRef => isObj(v) && isStr(v.id) && isStr(v.username);
const isIds = (v: unknown): v is number[] => Array.isArray(v) && v.every(isInt);
const isEvent = (v: unknown): v is LogEvent =>
  isObj(v) && isInt(v.pos) && isInt(v.roomId) && isStr(v.type) && (v.subject === null || isStr(v.subject)) && isStr(v.data);
const isPresent = (v: unknown): boolean => isObj(v) && isUser(v.user) && isIds(v.roomIds);

/** The body check of each kind (the envelope, `node` and `kind`, is checked before). */
const BODY: Record<BrokerMessage['kind'], (m: Obj) => boolean> = {
  events: (m) => Array.isArray(m.events) && m.events.every(isEvent),
  typing: (m) => isInt(m.roomId) && isStr(m.room) && isUser(m.user),
  presence: (m) => isUser(m.user) && typeof m.online === 'boolean' && isIds(m.roomIds),
  session_end: (m) => isStr(m.sessionId) && isStr(m.userId),
  read: (m) => isStr(m.userId) && isStr(m.room) && isInt(m.seq),
  level: (m) => isStr(m.userId) && isStr(m.room) && (m.level === 'all' || m.level === 'mentions' || m.level === 'none'),
  presence_sync: (m) => typeof m.ask === 'boolean' && Array.isArray(m.users) && m.users.every(isPresent),
  visibility: (m) => isStr(m.userId) && isStr(m.streamId) && typeof m.visible === 'boolean' && isStr(m.ask),
  visibility_ack: (m) => isStr(m.to) && isStr(m.ask),
};

/** Encode a message for the wire. */
export function encodeMessage(msg: BrokerMessage): string {
  return JSON.stringify(msg);
}

/** A message from the wire, or null when it is not valid JSON of a known kind and shape. */
export function decodeMessage(text: string): BrokerMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObj(m) || !isStr(m.node) || !isStr(m.kind) || !Object.hasOwn(BODY, m.kind)) return null;
  return BODY[m.kind as BrokerMessage['kind']](m) ? (m as unknown as BrokerMessage) : null;
}
