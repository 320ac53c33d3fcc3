/**
 * Link previews after commit (API v1.1 §3). The node that committed a post or an edit fetches the URLs of
 * its text that have no preview yet (at most 3, concurrently), and when every fetch has ended merges what
 * it found into the message in one store write, which appends one `message_updated` if anything changed.
 * Only the committing node fetches, so a message is fetched once per text across a cluster.
 *
 * The queue is in memory and bounded: a message whose fetches were queued or running when its node
 * stopped gets no previews (they are decoration; the message itself is committed and delivered).
 */
import type { Store } from '../storage/store.ts';
import { previewUrls } from './links.ts';
import type { LogEvent, Message, Preview } from './types.ts';

/** Fetch one URL's preview; null (or a rejection) means none. */
export type PreviewFetcher = (url: string) => Promise<Preview | null>;

export interface LinkPreviewOptions {
  /** NATTER_PREVIEWS. */
  enabled: boolean;
  /** Messages whose fetches run at once. */
  concurrency?: number;
  /** Messages waiting beyond this are dropped (logged), so a flood of links cannot grow memory. */
  queueMax?: number;
}

interface Job {
  roomId: number;
  messageId: string;
  urls: string[];
}

export class LinkPreviews {
  private readonly queue: Job[] = [];
  private running = 0;
  private closed = false;
  private readonly concurrency: number;
  private readonly queueMax: number;

  constructor(
    private readonly store: Pick<Store, 'previews'>,
    private readonly publish: (events: LogEvent[]) => void,
    private readonly fetch: PreviewFetcher,
    private readonly opts: LinkPreviewOptions,
    private readonly onError: (what: string, err: unknown) => void = () => {},
  ) {
    this.concurrency = opts.concurrency ?? 8;
    this.queueMax = opts.queueMax ?? 1000;
  }

  /** A post or an edit committed `message` in room `roomId`: fetch its URLs that have no preview yet. */
  request(roomId: number, message: Message): void {
    if (!this.opts.enabled || this.closed || message.deleted) return;
    const urls = previewUrls(message.text).filter((u) => !message.previews.some((p) => p.url === u));
    if (urls.length === 0) return;
    if (this.queue.length >= this.queueMax) {
      this.onError('link previews', new Error(`preview queue full (${this.queueMax}): message ${message.id} gets none`));
      return;
    }
    this.queue.push({ roomId, messageId: message.id, urls });
    this.pump();
  }

  /** Stop taking work; what is queued is dropped, what runs finishes. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void this.run(job)
        .catch((err: unknown) => this.onError('link previews', err))
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }

  private async run(job: Job): Promise<void> {
    const found = new Map<string, Preview | null>();
    await Promise.all(job.urls.map(async (url) => {
      found.set(url, await this.fetch(url).catch(() => null));
    }));
    if ([...found.values()].every((p) => p === null)) return; // nothing found: no write, no event
    const changed = await this.store.previews.setPreviews(job.roomId, job.messageId, found).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'not_found') return null; // deleted meanwhile (or its room)
      throw err;
    });
    if (changed) this.publish(changed.events);
  }
}
