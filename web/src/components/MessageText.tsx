import { useEffect, useReducer } from 'preact/hooks';
import { bidiClosers } from '../format.ts';
import { onHighlighter } from '../highlight.ts';
import { renderMarkdown } from '../markdown.ts';

const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * A message's text rendered as Markdown (markdown.ts: escaped, only safe links, sanitized by DOMPurify), in a
 * `<bdi>` so a U+202E in it cannot reorder the UI around it; `data-bidi-close` closes what it leaves open. One
 * paragraph stays inline; more (a list, a quote, code) makes the isolate a block (`md-blocks`).
 * `names` (lower-cased) are the `@` tokens to style as mentions; those naming `me` are highlighted. `testid`
 * null leaves the test id off (an unconfirmed message is not yet a `message-text`).
 */
export function MessageText({ text, names = NO_NAMES, me = '', testid = 'message-text' }: { text: string; names?: ReadonlySet<string>; me?: string; testid?: string | null }) {
  const { html, inline, uncoloured } = renderMarkdown(text, names, me.toLowerCase());
  // Code shown plain while highlight.js loads gets its colours once it is there.
  const [, recolour] = useReducer((n: number) => n + 1, 0);
  useEffect(() => (uncoloured ? onHighlighter(() => recolour(0)) : undefined), [uncoloured]);
  return (
    <bdi
      class={inline ? 'md' : 'md md-blocks'}
      data-testid={testid ?? undefined}
      data-bidi-close={bidiClosers(text) || undefined}
      // Safe: markdown.ts escapes the text and DOMPurify keeps only the tags and http(s)/mailto links it makes.
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
