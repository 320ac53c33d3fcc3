/**
 * Syntax highlighting for fenced code blocks: highlight.js's core with a handful of common languages registered
 * (the full build is ten times the size of the rest of the page). Loaded on demand by highlight.ts, as its own
 * chunk: most conversations never show a fence with a language.
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

/**
 * `code` as highlighted HTML (highlight.js escapes the text and adds `<span class="hljs-…">`), or '' when `lang`
 * (trimmed, lower-cased) is not a registered language or alias (markdown-it then escapes the code itself).
 */
export function highlight(code: string, name: string): string {
  if (!hljs.getLanguage(name)) return '';
  try {
    return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  } catch {
    return '';
  }
}
