/**
 * Message text as Markdown, the subset of API v1.1 §3: emphasis, strong, ~~strike~~, code spans, fenced code
 * (highlighted), block quotes, lists, links and autolinks. No headings, tables, images, rules, indented code or
 * reference definitions: chat text rarely means them and they would swallow ordinary lines ("# 1", "----").
 * Raw HTML and entities stay text (`html: false`, no `entity` rule): `<b>` and `&amp;` show as typed.
 *
 * Safety is layered. markdown-it escapes all text and only makes links whose URL passes `safeUrl` (http, https,
 * mailto); the renderer drops any other link to its label; DOMPurify then keeps only the tags and attributes this
 * renderer can produce and checks every href again. The result is set as innerHTML of a `<bdi>`.
 */
import DOMPurify from 'dompurify';
import MarkdownIt, { type StateCore, type Token } from 'markdown-it';
import { mentionParts } from './format.ts';
import { highlightCode, highlighterReady } from './highlight.ts';

const SAFE_URL = /^(?:https?:|mailto:)/i;

/** Whether a link target may become a clickable link: http(s) and mailto only (never javascript:, data:, relative). */
export function safeUrl(url: string): boolean {
  return SAFE_URL.test(url.trim());
}

/** What a render needs besides the text: the names to style as mentions (lower-cased) and the viewer's own. */
interface Env {
  names: ReadonlySet<string>;
  me: string;
  /** For each open link, whether it was rendered as an anchor (a refused one renders only its label). */
  links: boolean[];
}

const md = new MarkdownIt('zero', { html: false, linkify: true, breaks: false, typographer: false, highlight: highlightCode });
md.enable(['blockquote', 'fence', 'list', 'newline', 'escape', 'backticks', 'emphasis', 'strikethrough', 'link', 'autolink', 'linkify']);
// Bare links need their scheme (no "example.com" or e-mail guessing); ftp: and //host are not links here.
md.linkify.set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false }).add('ftp:', null).add('//', null);
md.validateLink = safeUrl;

/** `@name` tokens of the mentioned users become `mention` tokens, outside links and code (core rule, last). */
function mentionRule(state: StateCore): void {
  const env = state.env as Env;
  if (env.names.size === 0) return;
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const out: Token[] = [];
    let inLink = 0;
    for (const t of block.children) {
      if (t.type === 'link_open') inLink++;
      if (t.type === 'link_close') inLink--;
      if (t.type !== 'text' || inLink > 0) {
        out.push(t);
        continue;
      }
      for (const p of mentionParts(t.content, env.names, env.me)) {
        const n = new state.Token(p.kind === 'mention' ? 'mention' : 'text', '', 0);
        n.content = p.text;
        if (p.kind === 'mention' && p.me) n.meta = { me: true };
        out.push(n);
      }
    }
    block.children = out;
  }
}
md.core.ruler.push('mentions', mentionRule);

const r = md.renderer.rules;
const esc = md.utils.escapeHtml;
r.mention = (tokens, idx) => `<span class="${tokens[idx]!.meta?.me ? 'mention mention-me' : 'mention'}">${esc(tokens[idx]!.content)}</span>`;
// Line breaks stay newline characters: the text is shown with `white-space: pre-wrap`, and its textContent
// keeps the newlines the author typed.
r.softbreak = () => '\n';
r.hardbreak = () => '\n';
r.link_open = (tokens, idx, options, env: Env, self) => {
  const t = tokens[idx]!;
  const href = t.attrGet('href') ?? '';
  const ok = safeUrl(href);
  env.links.push(ok);
  if (!ok) return '';
  // A labelled link shows where it goes on hover: the label alone could claim any address.
  if (t.markup !== 'linkify' && t.markup !== 'autolink' && !t.attrGet('title')) t.attrSet('title', href);
  return self.renderToken(tokens, idx, options);
};
r.link_close = (tokens, idx, options, env: Env, self) => (env.links.pop() ? self.renderToken(tokens, idx, options) : '');
const fence = r.fence!;
r.fence = (tokens, idx, options, env, self) => {
  // The fence's own last newline would show as an empty line at the end of the block.
  tokens[idx]!.content = tokens[idx]!.content.replace(/\n$/, '');
  return fence(tokens, idx, options, env, self).replace(/\n$/, '');
};

// The renderer ends block tags with "\n" for readable HTML; under pre-wrap those would show as blank lines.
const renderToken = md.renderer.renderToken.bind(md.renderer);
md.renderer.renderToken = (tokens, idx, options) => renderToken(tokens, idx, options).replace(/\n$/, '');

const ALLOWED_TAGS = ['p', 'br', 'em', 'strong', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'span'];
const PURIFY = { ALLOWED_TAGS, ALLOWED_ATTR: ['href', 'title', 'class', 'start', 'rel'], ALLOWED_URI_REGEXP: SAFE_URL };
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName !== 'A') return;
  const href = node.getAttribute('href') ?? '';
  if (!safeUrl(href)) node.removeAttribute('href');
  node.setAttribute('rel', 'noopener noreferrer nofollow');
  // Set here: DOMPurify drops `target` whatever the allow-list says.
  if (/^https?:/i.test(href)) node.setAttribute('target', '_blank');
});

/** Rendered message text: sanitized HTML, and whether it is inline (one paragraph, shown without a block). */
export interface RenderedText {
  html: string;
  inline: boolean;
  /** It has code in a named language shown plain because highlight.js was still loading: render again later. */
  uncoloured: boolean;
}

const cache = new Map<string, RenderedText>();
const CACHE_MAX = 500;

/**
 * Renders `text` as sanitized HTML. `names` (lower-cased) are the `@` tokens to style as mentions, `me` the
 * viewer's name (lower-cased). Text that is a single paragraph comes back inline (no `<p>`), so short messages
 * lay out as before, with "(edited)" on the same line. Results are cached (a list re-renders often).
 */
export function renderMarkdown(text: string, names: ReadonlySet<string>, me: string): RenderedText {
  const key = `${me}\u0000${[...names].join(' ')}\u0000${text}`;
  const hit = cache.get(key);
  if (hit && !(hit.uncoloured && highlighterReady())) return hit;
  const env: Env = { names, me, links: [] };
  const tokens = md.parse(text, env);
  const inline = tokens.length === 0 || (tokens.length === 3 && tokens[0]!.type === 'paragraph_open');
  const raw = md.renderer.render(inline ? tokens.slice(1, 2) : tokens, md.options, env);
  const uncoloured = !highlighterReady() && tokens.some((t) => t.type === 'fence' && t.info.trim() !== '');
  const out = { html: DOMPurify.sanitize(raw, PURIFY), inline, uncoloured };
  if (cache.size >= CACHE_MAX && !hit) cache.delete(cache.keys().next().value as string);
  cache.set(key, out);
  return out;
}
