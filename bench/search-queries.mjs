// bench/search-queries.mjs — the query classes of bench/search.mjs, drawn from the loaded corpus's
// word counts (the loader's meta): each class is `perClass` queries sampled from a pool of distinct
// terms (deterministic for a seed).
//   common     frequent whole words (≥ 3 letters, the corpus's top ranks): many matches, a full page
//   rare       words that occur 1–20 times in the whole corpus (some only in rooms the viewer cannot read)
//   substring  3–5-character inner substrings of words (neither prefix nor suffix), e.g. "eleas" of release
//   short      1–2-character terms: letters, digits, accented letters, frequent and unusual bigrams
//   cjk        CJK words and single characters (Chinese, Japanese, Korean), 1–4 characters
//   multi      2–3 terms: common+common, common+rare, substring+common, a quoted two-word phrase
//   absent     6–9-letter pseudo-words that never occur (their trigrams mostly do): no match at all
import { prng, vocabulary as makeVocab } from './search-text.mjs';

export function queryClasses(vocab, meta, { perClass = 300, seed = 99 } = {}) {
  const rnd = prng(seed);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const counts = meta.counts;
  const words = vocab.words;
  const lower = (w) => w.toLowerCase();
  const pools = {};

  pools.common = words.slice(0, 150).filter((w) => /^[a-z]{3,}$/i.test(w) && counts[words.indexOf(w)] > 1000).map(lower);

  const rare = [];
  for (let r = vocab.common; r < words.length && rare.length < 400; r += 97) if (counts[r] >= 1 && counts[r] <= 20) rare.push(words[r]);
  pools.rare = rare;

  const sub = new Set();
  for (let r = 20; r < 20000 && sub.size < 400; r += 37) {
    const w = lower(words[r]);
    if (w.length < 6 || !/^[a-z]+$/.test(w)) continue;
    const len = 3 + Math.floor(rnd() * 3);
    if (w.length - 2 < len) continue;
    const at = 1 + Math.floor(rnd() * (w.length - 1 - len));
    sub.add(w.slice(at, at + len));
  }
  pools.substring = [...sub];

  const bigrams = new Set();
  for (let i = 0; i < 60; i++) { const w = lower(words[Math.floor(rnd() * 2000)]); if (w.length >= 3) { const at = Math.floor(rnd() * (w.length - 1)); bigrams.add(w.slice(at, at + 2)); } }
  pools.short = [...'aeioustxzq7', 'é', 'ü', '2', ...bigrams, 'qz', 'xj', 'zz', 'vv', '42', 'k8', 'o(', '.t', '-i'];

  pools.cjk = [...vocab.cjk.filter((w) => [...w].length <= 4), '京', '会', '日', '的', '都', '本', '回', '서', '测试 会议'];

  const multi = [];
  for (let i = 0; i < 200; i++) {
    const k = i % 4;
    if (k === 0) multi.push(`${pick(pools.common)} ${pick(pools.common)}`);
    else if (k === 1) multi.push(`${pick(pools.common)} ${pick(pools.rare)}`);
    else if (k === 2) multi.push(`${pick(pools.substring)} ${pick(pools.common)}`);
    else multi.push(`"${pick(pools.common)} ${pick(pools.common)}"`);
  }
  pools.multi = [...new Set(multi)];

  // Words from another vocabulary that this corpus never used.
  const known = new Set(words.map(lower));
  const other = makeVocab({ pseudo: 20000, seed: seed + 1000 }).words.slice(vocab.common);
  pools.absent = other.filter((w) => w.length >= 6 && w.length <= 9 && !known.has(w)).slice(0, 300);

  const out = {};
  for (const [cls, pool] of Object.entries(pools)) out[cls] = Array.from({ length: perClass }, () => pick(pool));
  return out;
}
