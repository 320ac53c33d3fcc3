/**
 * Highlighting for fenced code, with highlight.js (hljs.ts) loaded the first time a fence names a language. Until
 * it has loaded such a fence shows as plain code; then `onHighlighter` listeners re-render what they showed.
 */
type Highlight = (code: string, name: string) => string;

let impl: Highlight | null = null;
let loading = false;
const waiting = new Set<() => void>();

/** Fences longer than this are shown without colours: highlighting is linear but not free. */
const MAX_HIGHLIGHT = 20_000;

/** `code` as highlighted HTML, or '' for plain code (no language, an unknown one, or not loaded yet). */
export function highlightCode(code: string, lang: string): string {
  const name = lang.trim().toLowerCase();
  if (!name || code.length > MAX_HIGHLIGHT) return '';
  if (impl) return impl(code, name);
  if (!loading) {
    loading = true;
    void import('./hljs.ts').then(
      (m) => {
        impl = m.highlight;
        for (const fn of [...waiting]) fn();
        waiting.clear();
      },
      () => void (loading = false), // offline: the next fence tries again
    );
  }
  return '';
}

/** Whether highlight.js has loaded (a fence rendered now gets its colours). */
export function highlighterReady(): boolean {
  return impl !== null;
}

/** Calls `fn` once highlight.js has loaded; returns the unsubscribe. */
export function onHighlighter(fn: () => void): () => void {
  waiting.add(fn);
  return () => void waiting.delete(fn);
}
