/**
 * core/links.ts, the pure part of link previews (API v1.1 §3): which URLs of a text are fetched, what an
 * edit keeps, how fetched previews merge, and what a page's HTML says about itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keptPreviews, mergePreviews, parsePreview, previewUrls, samePreviews } from '../../src/core/links.ts';
import type { Preview } from '../../src/core/types.ts';

describe('previewUrls', () => {
  const cases: [string, string, string[]][] = [
    ['none', 'no links here, www.example.com either', []],
    ['one', 'see https://example.com/a', ['https://example.com/a']],
    ['trailing punctuation is not part of it', 'read https://example.com/a. Then (http://example.org/b), "https://x.io/c"!', ['https://example.com/a', 'http://example.org/b', 'https://x.io/c']],
    ['all trailing characters of the set', 'https://example.com/a.,;:!?\'")]}>', ['https://example.com/a']],
    ['inner punctuation stays', 'https://example.com/a?b=1&c=(2)d', ['https://example.com/a?b=1&c=(2)d']],
    ['ends at whitespace', 'https://example.com/a\tb https://example.com/c\nd', ['https://example.com/a', 'https://example.com/c']],
    ['first three distinct, in text order', 'http://a.io http://b.io http://a.io http://c.io http://d.io', ['http://a.io', 'http://b.io', 'http://c.io']],
    ['scheme case-insensitive', 'HTTPS://Example.com/X', ['HTTPS://Example.com/X']],
    ['other schemes ignored', 'ftp://a.io javascript:alert(1) mailto:x@y.z file:///etc/passwd', []],
    ['glued to a word is not a link start', 'xhttp://a.io', []],
    ['invalid host ignored', 'http://', []],
  ];
  for (const [name, text, want] of cases) it(name, () => assert.deepEqual(previewUrls(text), want));
});

const p = (url: string, title = url): Preview => ({ url, title, description: null, site_name: null, image_url: null });

describe('keptPreviews and mergePreviews', () => {
  it('an edit keeps previews of URLs still in the text, in the text order', () => {
    const had = [p('http://a.io'), p('http://b.io')];
    assert.deepEqual(keptPreviews(had, 'now http://b.io then http://a.io'), [p('http://b.io'), p('http://a.io')]);
    assert.deepEqual(keptPreviews(had, 'only http://c.io'), []);
  });
  it('fetched previews merge in text order; found-nothing drops; URLs edited away are dropped', () => {
    const found = new Map<string, Preview | null>([['http://c.io', p('http://c.io')], ['http://d.io', null], ['http://gone.io', p('http://gone.io')]]);
    assert.deepEqual(mergePreviews([p('http://a.io')], found, 'http://c.io http://a.io http://d.io'), [p('http://c.io'), p('http://a.io')]);
  });
  it('samePreviews compares contents', () => {
    assert.ok(samePreviews([p('http://a.io')], [p('http://a.io')]));
    assert.ok(!samePreviews([p('http://a.io')], [p('http://a.io', 'other')]));
  });
});

describe('parsePreview', () => {
  const at = (html: string, page = 'https://site.example/dir/page') => parsePreview(html, 'https://as.written/x', page);

  it('Open Graph tags, any attribute order and quoting, entities decoded, whitespace collapsed', () => {
    const html = `<html><head><title>Fallback</title>
      <meta content="Cr&egrave;me &amp;   br&#xFB;l&#233;e" property="og:title">
      <meta property='og:description' content='Line one
        line two &lt;b&gt;'>
      <meta property=og:site_name content=Cakes>
      <meta property="og:image" content="../img/a.png?x=1&amp;y=2">`;
    assert.deepEqual(at(html), {
      url: 'https://as.written/x', title: 'Crème & brûlée', description: 'Line one line two <b>', site_name: 'Cakes',
      image_url: 'https://site.example/img/a.png?x=1&y=2',
    });
  });
  it('falls back to <title> and <meta name="description">', () => {
    assert.deepEqual(at('<title> The  page </title><meta name="Description" content="About it">'), {
      url: 'https://as.written/x', title: 'The page', description: 'About it', site_name: null, image_url: null,
    });
  });
  it('no title and no description: no preview (an image alone is not enough)', () => {
    assert.equal(at('<meta property="og:image" content="https://i.io/a.png"><p>text</p>'), null);
    assert.equal(at('<title>   </title>'), null);
  });
  it('og:image only when http(s), made absolute against the page after redirects', () => {
    assert.equal(at('<title>t</title><meta property="og:image" content="javascript:alert(1)">')!.image_url, null);
    assert.equal(at('<title>t</title><meta property="og:image" content="data:image/png;base64,AAAA">')!.image_url, null);
    assert.equal(at('<title>t</title><meta property="og:image" content="//cdn.io/a.png">')!.image_url, 'https://cdn.io/a.png');
  });
  it('title capped at 300 and description at 1000 code points (not UTF-16 units)', () => {
    const r = at(`<meta property="og:title" content="${'😀'.repeat(400)}"><meta property="og:description" content="${'a'.repeat(1200)}">`)!;
    assert.equal([...r.title!].length, 300);
    assert.equal(r.title, '😀'.repeat(300));
    assert.equal(r.description!.length, 1000);
  });
  it('comments, scripts and styles are not read', () => {
    const html = `<!-- <meta property="og:title" content="commented"> --><script>var s = '<title>script</title>';</script>
      <style>/* <title>style</title> */</style><title>Real</title>`;
    assert.equal(at(html)!.title, 'Real');
  });
  it('the first of repeated tags wins', () => {
    assert.equal(at('<meta property="og:title" content="one"><meta property="og:title" content="two">')!.title, 'one');
  });
});
