import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

/** A folded message shows this many lines. */
const FOLD_LINES = 10;
/** Only text longer than this many folded heights is folded: hiding two or three lines behind a button helps nobody. */
const FOLD_OVER = 1.4;

/** One ResizeObserver for every foldable text on the page (a width change re-wraps the text), not one each. */
const watchers = new Map<Element, () => void>();
let observer: ResizeObserver | undefined;
function watchSize(el: Element, fn: () => void): () => void {
  if (typeof ResizeObserver === 'undefined') return () => {};
  observer ??= new ResizeObserver((entries) => {
    for (const e of entries) watchers.get(e.target)?.();
  });
  watchers.set(el, fn);
  observer.observe(el);
  return () => {
    watchers.delete(el);
    observer?.unobserve(el);
  };
}

let nextId = 0;

/**
 * Dispatched (bubbling) by a fold the person opens: the list should not keep its bottom pinned then, or the text
 * they asked to read would scroll up out of view as it unfolds below them.
 */
export const UNPIN_EVENT = 'natter-unpin';

/**
 * A long message folded to its first lines, with "Show more" / "Show less" (a disclosure button: aria-expanded,
 * aria-controls). Whether it is long is measured, not guessed from the character count: the rendered height at
 * the current width decides, so one very long line folds too. Short text renders as it is, with no button.
 */
export function Foldable({ text, children }: { text: string; children: ComponentChildren }) {
  const ref = useRef<HTMLDivElement>(null);
  const [foldPx, setFoldPx] = useState(0);
  const [open, setOpen] = useState(false);
  const [id] = useState(() => `fold-${++nextId}`);

  const measure = () => {
    const el = ref.current;
    if (!el) return;
    const cs = getComputedStyle(el);
    const line = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.45;
    const max = Math.round(line * FOLD_LINES);
    // scrollHeight is the whole text's height even while it is folded (clipped by max-height).
    setFoldPx(el.scrollHeight > max * FOLD_OVER ? max : 0);
  };
  // Measured before the browser paints, so a long message never flashes at full length.
  useLayoutEffect(measure, [text]);
  useEffect(() => (ref.current ? watchSize(ref.current, measure) : undefined), []);

  const toggle = () => {
    if (!open) ref.current?.dispatchEvent(new Event(UNPIN_EVENT, { bubbles: true }));
    setOpen(!open);
  };

  const folded = foldPx > 0 && !open;
  return (
    <>
      <div ref={ref} id={id} class={'fold' + (folded ? ' folded' : '')} style={folded ? { maxHeight: `${foldPx}px` } : undefined}>
        {children}
      </div>
      {foldPx > 0 && (
        <button type="button" class="link-btn fold-btn" aria-expanded={open} aria-controls={id} onClick={toggle}>
          {open ? 'Show less' : 'Show more'}
        </button>
      )}
    </>
  );
}
