/** Rooms and DMs (API.md "Rooms", v1.1 §3 notification levels, §7 paged members). */
import type { Member, NotificationLevel, Room, RoomPatch, Visibility } from '../types.ts';
import { query, seg, type Send } from './send.ts';

export class RoomsApi {
  constructor(private readonly send: Send) {}

  /** Your rooms and DMs, and the stream cursor they are current at. */
  list(): Promise<{ rooms: Room[]; cursor: string }> {
    return this.send('GET', '/rooms');
  }
  get(room: string): Promise<{ room: Room }> {
    return this.send('GET', `/rooms/${seg(room)}`);
  }
  create(name: string, opts: { topic?: string; visibility?: Visibility } = {}): Promise<{ room: Room }> {
    return this.send('POST', '/rooms', { name, ...opts });
  }
  /** Owners and admins: the topic or the visibility. */
  update(room: string, patch: RoomPatch): Promise<{ room: Room }> {
    return this.send('PATCH', `/rooms/${seg(room)}`, patch);
  }
  join(room: string): Promise<{ room: Room }> {
    return this.send('POST', `/rooms/${seg(room)}/join`);
  }
  leave(room: string): Promise<null> {
    return this.send('POST', `/rooms/${seg(room)}/leave`);
  }
  /** Every member, owners first; with `limit` or `cursor`, one page by username and the next page's `cursor`. */
  members(room: string, page: { limit?: number; cursor?: string } = {}): Promise<{ members: Member[]; next?: string | null }> {
    return this.send('GET', `/rooms/${seg(room)}/members${query(page)}`);
  }
  addMember(room: string, username: string): Promise<{ room: Room }> {
    return this.send('POST', `/rooms/${seg(room)}/members`, { username });
  }
  removeMember(room: string, username: string): Promise<null> {
    return this.send('DELETE', `/rooms/${seg(room)}/members/${seg(username)}`);
  }
  /** The DM with `username` (made on first use). */
  dm(username: string): Promise<{ room: Room }> {
    return this.send('POST', `/dm/${seg(username)}`);
  }
  /** What notifies you in this room. */
  setNotifications(room: string, level: NotificationLevel): Promise<{ room: Room }> {
    return this.send('PUT', `/rooms/${seg(room)}/notifications`, { level });
  }
  /** Tell the room you are typing (at most every 2 s counts). */
  typing(room: string): Promise<null> {
    return this.send('POST', `/rooms/${seg(room)}/typing`);
  }
  /** Your read marker moves up to `seq` (never back). */
  read(room: string, seq: number): Promise<null> {
    return this.send('POST', `/rooms/${seg(room)}/read`, { seq });
  }
}
