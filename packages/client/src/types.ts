/**
 * The API's objects, as the server defines them (src/core/types.ts): imported as types only, so the two cannot
 * drift and nothing of the server reaches a browser bundle.
 */
import type { Message } from '../../../src/core/types.ts';

export type { HookView as Hook, Member, Message, OwnUser, Room, Upload, User, UserRef } from '../../../src/core/types.ts';

/** `GET /search` (v1.1 §1). */
export interface SearchResult {
  results: { message: Message; highlights: [number, number][] }[];
  next: string | null;
}
