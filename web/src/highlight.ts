/**
 * Syntax highlighting for fenced code blocks: highlight.js's core with a handful of common languages registered
 * (the full build is ten times the size of the rest of the page). A fence naming any other language, or none,
 * is shown as plain code.
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

const LANGUAGES = { bash, css, diff, go, java, javascript, json, python, rust, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, lang);

/** Fences longer than this are shown without colours: highlighting is linear but not free, and runs on every render. */
const MAX_HIGHLIGHT = 20_000;

/**
 * `code` as highlighted HTML (highlight.js escapes the text and adds `<span class="hljs-…">`), or '' when `lang`
 * is not a registered language or alias (markdown-it then escapes the code itself).
 */
export function highlightCode(code: string, lang: string): string {
  const name = lang.trim().toLowerCase();
  if (!name || code.length > MAX_HIGHLIGHT || !hljs.getLanguage(name)) return '';
  try {
    return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  } catch {
    return '';
  }
}
