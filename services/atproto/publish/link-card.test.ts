import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePageMeta } from './link-card.js';

describe('link card metadata', () => {
  it('prefers Open Graph, resolves a relative image, decodes entities', () => {
    const html = `<html><head><title>Fallback</title>
      <meta property="og:title" content="Tom &amp; Jerry&#39;s page">
      <meta content='About cats' property='og:description'>
      <meta property="og:image" content="/img/card.png"></head><body></body></html>`;
    assert.deepEqual(parsePageMeta(html, 'https://example.org/a/b'), { title: "Tom & Jerry's page", description: 'About cats', image: 'https://example.org/img/card.png' });
  });

  it('falls back to <title> and the description meta; nothing when the page has nothing', () => {
    assert.deepEqual(parsePageMeta('<title> Plain </title><meta name="description" content="desc">', 'https://x.example/'), { title: 'Plain', description: 'desc' });
    assert.deepEqual(parsePageMeta('<p>no head</p>', 'https://x.example/'), {});
  });
});
