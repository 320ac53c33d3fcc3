/** Messages, reactions, search and mentions (API.md "Messages", v1.1 §1–2), and uploads (v1.1 §3). */
import type { MentionsPage, Message, SearchParams, SearchResult, Upload } from '../types.ts';
import { query, seg, type Send } from './send.ts';

export interface PostOptions {
  /** Makes a retried post idempotent: the same `clientId` from the same author returns the first message. */
  clientId?: string;
  /** The id of a message of the room this replies to. */
  replyTo?: string | null;
  /** Ids of your own unattached uploads, in the order shown. */
  attachments?: string[];
  /** Give up after this long (counts as no answer): send again with the same `clientId`. */
  timeoutMs?: number;
}

export class MessagesApi {
  constructor(private readonly send: Send) {}

  /** Oldest first; `before`/`after` a seq, up to `limit`. */
  history(room: string, page: { before?: number; after?: number; limit?: number } = {}): Promise<{ messages: Message[] }> {
    return this.send('GET', `/rooms/${seg(room)}/messages${query(page)}`);
  }
  post(room: string, text: string, opts: PostOptions = {}): Promise<{ message: Message }> {
    const body = {
      text, ...(opts.clientId && { client_id: opts.clientId }), ...(opts.replyTo && { reply_to: opts.replyTo }),
      ...(opts.attachments?.length && { attachments: opts.attachments }),
    };
    return this.send('POST', `/rooms/${seg(room)}/messages`, body, opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {});
  }
  edit(room: string, id: string, text: string): Promise<{ message: Message }> {
    return this.send('PATCH', `/rooms/${seg(room)}/messages/${seg(id)}`, { text });
  }
  /** A soft delete: the message stays as a tombstone. */
  remove(room: string, id: string): Promise<null> {
    return this.send('DELETE', `/rooms/${seg(room)}/messages/${seg(id)}`);
  }
  /** Add (`on`) or take back your reaction. */
  react(room: string, id: string, emoji: string, on = true): Promise<null> {
    return this.send(on ? 'PUT' : 'DELETE', `/rooms/${seg(room)}/messages/${seg(id)}/reactions/${seg(emoji)}`);
  }
  /** Messages with every term of `q`, newest first; `next` pages on (null on the last page). */
  search(params: SearchParams): Promise<SearchResult> {
    return this.send('GET', `/search${query({ ...params })}`);
  }
  /** Messages that mention you, newest first, with why and whether read. */
  mentions(page: { cursor?: string | null; limit?: number } = {}): Promise<MentionsPage> {
    return this.send('GET', `/mentions${query(page)}`);
  }
}

export class UploadsApi {
  constructor(private readonly send: Send, private readonly download: (path: string) => Promise<Blob>) {}

  /** One file (multipart); attach its id to a message. In a browser, `uploadWithProgress` reports progress. */
  create(file: Blob, name: string): Promise<{ upload: Upload }> {
    const form = new FormData();
    form.append('file', file, name);
    return this.send('POST', '/uploads', form);
  }
  /** An upload's bytes (who may read it: its uploader, and the members of a room whose message carries it). */
  file(id: string): Promise<Blob> {
    return this.download(`/files/${seg(id)}`);
  }
  /** An image upload's thumbnail (WebP, fitted within 1200×800). */
  thumbnail(id: string): Promise<Blob> {
    return this.download(`/files/${seg(id)}/thumbnail`);
  }
  /** One of your uploads that no message carries yet. */
  remove(id: string): Promise<null> {
    return this.send('DELETE', `/uploads/${seg(id)}`);
  }
}
