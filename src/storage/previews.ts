/** The `previews` column of message rows in both stores (API v1.1 §3): a JSON array in text order, NULL when empty. */
import type { Preview } from '../core/types.ts';

export function readPreviews(raw: string | null): Preview[] {
  return raw === null ? [] : (JSON.parse(raw) as Preview[]);
}

export function previewsColumn(previews: readonly Preview[]): string | null {
  return previews.length === 0 ? null : JSON.stringify(previews);
}
