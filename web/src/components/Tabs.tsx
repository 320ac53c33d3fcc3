/**
 * Tabs inside a dialog, by the WAI-ARIA tabs pattern (as the sign-in screen's): one tab in the tab order (roving
 * tabindex); arrows, Home and End move between the tabs and select the one they land on.
 */
import type { ComponentChildren } from 'preact';

interface Props<T extends string> {
  /** Prefix of the element ids (`<id>-tab-<key>`, `<id>-panel`). */
  id: string;
  label: string;
  tabs: { key: T; title: string }[];
  selected: T;
  onSelect(key: T): void;
  children: ComponentChildren;
}

export function Tabs<T extends string>({ id, label, tabs, selected, onSelect, children }: Props<T>) {
  const keys = tabs.map((t) => t.key);
  const onKey = (e: KeyboardEvent) => {
    const i = keys.indexOf(selected);
    const n = keys.length;
    const to: Record<string, number> = { ArrowRight: (i + 1) % n, ArrowLeft: (i + n - 1) % n, Home: 0, End: n - 1 };
    if (!(e.key in to)) return;
    e.preventDefault();
    const next = keys[to[e.key]!]!;
    onSelect(next);
    document.getElementById(`${id}-tab-${next}`)?.focus();
  };
  return (
    <>
      <div class="segmented dialog-tabs" style={{ gridTemplateColumns: `repeat(${tabs.length}, 1fr)` }} role="tablist" aria-label={label} onKeyDown={onKey}>
        {tabs.map((t) => (
          <button type="button" role="tab" id={`${id}-tab-${t.key}`} aria-selected={selected === t.key} aria-controls={`${id}-panel`}
            tabIndex={selected === t.key ? 0 : -1} class={selected === t.key ? 'active' : ''} onClick={() => onSelect(t.key)}>
            {t.title}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${selected}`}>
        {children}
      </div>
    </>
  );
}
