// bench/search-text.mjs — deterministic chat-like text for bench/search.mjs and its loader
// (bench/search-load.mjs): English-like sentences from a Zipf-distributed vocabulary (real
// common words first, then 200k generated pseudo-words, so some words are rare), some accented
// words (café, naïve, …), code-ish tokens, @mentions, and ~5 % CJK sentences; lengths 5–300
// code points. Plain JS, no dependencies: the same seed gives the same corpus.

/** mulberry32: a small seeded PRNG → [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The most frequent words, roughly in English frequency order; accented words sit among them.
const COMMON = (
  'the to and a of I it is you that in for on this we be have with not do at so but are was just ' +
  'can if will what my they me all there get about like one out up no yes ok think know would your ' +
  'from should time now how when then today good need some it\'s going could more see also thanks ' +
  'work here an did make tomorrow meeting build fix test deploy release review merge branch issue ' +
  'server client please sure maybe back still done because after before which people team really ' +
  'new last first want look way who next week let right something other any because morning lunch ' +
  'error bug ticket update change code data query index cache latency database stream config prod ' +
  'staging rollback migration alert on-call dashboard customer design spec doc draft call sync ' +
  'café plan friday monday thursday report number version users login page mobile api endpoint ' +
  'naïve résumé über déjà façade jalapeño crème brûlée piñata Zürich São Paulo coöperate señor ' +
  'problem question answer idea reason result support account message search notification badge ' +
  'feature request product market budget quarter roadmap launch hotfix regression flaky pipeline ' +
  'container cluster node region network timeout retry backoff throttle quota invoice contract'
).split(' ');

const CODE = (
  'getUserById() null undefined NaN 404 500 HTTP/2 JSON.parse() fold.ts src/core/fold.ts package.json ' +
  'npm ci `git rebase -i` foo_bar config.yaml v1.2.3 0x1F600 TypeError: SELECT * FROM messages; async/await ' +
  'a.b.c() --force k8s O(n²) ~/.bashrc C++ C# x86_64 utf-8 base64 SIGTERM ENOENT :8080 127.0.0.1 #1234'
).split(' ');

const CJK = (
  '会议 明天 今天 问题 服务器 数据库 东京 東京都 部署 测试 搜索 用户 我们 你好 谢谢 下午 上午 发布 版本 文件 ' +
  '日本語 こんにちは ありがとう 会議 資料 確認 お願いします 大阪 北京 上海 项目 进度 代码 审查 修复 错误 ' +
  '客户 需求 设计 文档 周末 晚上 时间 可以 没有 已经 还是 因为 所以 但是 東京 検索 通知 メッセージ サーバー ' +
  'データベース テスト リリース 本番 環境 障害 対応 よろしく 今日 明日 午後 한국어 회의 내일 감사합니다'
).split(' ');

const ZIPF_S = 1.15;
const SYL_C = ['b', 'c', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'qu', 'r', 's', 't', 'v', 'w', 'x', 'z', 'br', 'ch', 'cr', 'dr', 'fl', 'gr', 'pl', 'pr', 'sh', 'sl', 'st', 'str', 'th', 'tr', 'wh'];
const SYL_V = ['a', 'e', 'i', 'o', 'u', 'y', 'ai', 'ea', 'ee', 'ie', 'oa', 'oo', 'ou'];
const SYL_E = ['', '', '', 'n', 'r', 's', 't', 'l', 'nd', 'ng', 'st', 'ck', 'm', 'x'];

/**
 * The vocabulary, by rank: COMMON first, then `pseudo` distinct generated words (1–3 syllables).
 * Zipf weights (rank + 2.7)^-1.15; `cdf` for sampling.
 */
export function vocabulary({ pseudo = 200000, seed = 7 } = {}) {
  const rnd = prng(seed);
  const words = [...COMMON];
  const seen = new Set(words.map((w) => w.toLowerCase()));
  while (words.length < COMMON.length + pseudo) {
    let w = '';
    const n = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) w += SYL_C[Math.floor(rnd() * SYL_C.length)] + SYL_V[Math.floor(rnd() * SYL_V.length)] + (i === n - 1 ? SYL_E[Math.floor(rnd() * SYL_E.length)] : '');
    if (!seen.has(w)) { seen.add(w); words.push(w); }
  }
  const cdf = new Float64Array(words.length);
  let s = 0;
  for (let i = 0; i < words.length; i++) cdf[i] = s += (i + 2.7) ** -ZIPF_S;
  for (let i = 0; i < cdf.length; i++) cdf[i] /= s;
  return { words, cdf, common: COMMON.length, code: CODE, cjk: CJK };
}

function sample(cdf, r) {
  let lo = 0, hi = cdf.length - 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (cdf[mid] < r) lo = mid + 1; else hi = mid; }
  return lo;
}

/**
 * A text generator over `vocab`: next() → { text, ranks } (the vocabulary ranks used, for the
 * loader's word counts). `users` = usernames that may be @mentioned.
 */
export function corpus(vocab, { seed = 42, users = [] } = {}) {
  const rnd = prng(seed);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  // Lengths (code points): 35 % 5–40, 45 % 40–120, 20 % 120–300.
  const length = () => { const r = rnd(); return Math.floor(r < 0.35 ? 5 + rnd() * 35 : r < 0.8 ? 40 + rnd() * 80 : 120 + rnd() * 180); };
  const cjkCdf = Float64Array.from(vocab.cjk.map((_, i) => 1 / (i + 1.5)));
  for (let i = 1; i < cjkCdf.length; i++) cjkCdf[i] += cjkCdf[i - 1];
  for (let i = 0; i < cjkCdf.length; i++) cjkCdf[i] /= cjkCdf[cjkCdf.length - 1];
  return {
    next() {
      const n = length();
      const ranks = [];
      if (rnd() < 0.05) {
        let t = '';
        while ([...t].length < n) {
          t += vocab.cjk[sample(cjkCdf, rnd())];
          if (rnd() < 0.15) t += rnd() < 0.5 ? '。' : '，';
        }
        return { text: [...t].slice(0, Math.max(5, n)).join(''), ranks, cjk: true };
      }
      const parts = [];
      let len = 0, start = true;
      if (users.length && rnd() < 0.02) { const u = `@${pick(users)}`; parts.push(u); len += u.length + 1; }
      while (len < n) {
        let w;
        if (rnd() < 0.03) w = pick(vocab.code);
        else { const r = sample(vocab.cdf, rnd()); ranks.push(r); w = vocab.words[r]; }
        if (start && rnd() < 0.7) w = w[0].toUpperCase() + w.slice(1);
        start = false;
        if (rnd() < 0.08) { w += pick(['.', '!', '?', ',', '…', ' :)']); start = w.endsWith('.') || w.endsWith('!') || w.endsWith('?'); }
        parts.push(w);
        len += [...w].length + 1;
      }
      let text = parts.join(' ');
      if ([...text].length > 300) text = [...text].slice(0, 300).join('').trim();
      return { text, ranks, cjk: false };
    },
  };
}
