import { type RefObject } from 'preact';
import { useLayoutEffect } from 'preact/hooks';

/**
 * Sizes a textarea to its content (wrapped lines count, not just `\n`), up to `maxPx`, past which it scrolls.
 * Runs as a layout effect whenever `value` changes, so the box never paints at the wrong height. The composer
 * and the edit box share it.
 */
export function useAutoSize(ref: RefObject<HTMLTextAreaElement>, value: string, maxPx: () => number): void {
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    // scrollHeight leaves out the borders; with border-box sizing the height must include them.
    const borders = el.offsetHeight - el.clientHeight;
    el.style.height = Math.min(el.scrollHeight + borders, maxPx()) + 'px';
  }, [value]);
}
