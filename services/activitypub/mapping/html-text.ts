/**
 * Sanitized HTML → plain text with facets (UTF-16 offsets). Runs only on `sanitize()` output, which
 * is well formed with quoted, escaped attributes, so a small tokenizer suffices (no DOM).
 * Block elements become line breaks; Mastodon's `invisible` spans (the hidden `https://www.` part of
 * a shortened link) are kept, so the text shows the whole URL.
 */
import type { Facet } from '../../../libs/events/index.js';

export interface AnchorInfo {
  href: string;
  classes: string[];
  rel: string[];
  /** The anchor's visible text. */
  text: string;
}

/** Decides what facet an anchor becomes (the caller knows the Mention/Hashtag tags). */
export type AnchorClassifier = (a: AnchorInfo) => Omit<Facet, 'start' | 'end'> | undefined;

const BLOCK = new Set(['p', 'blockquote', 'pre', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const TOKEN = /<(\/?)([a-z0-9]+)((?:\s+[a-z-]+="[^"]*")*)\s*\/?>|([^<]+)/gi;
const ATTR = /([a-z-]+)="([^"]*)"/gi;

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp|#39);/gi, (_m, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith('#x')) return safeCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return safeCodePoint(parseInt(lower.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' } as Record<string, string>)[lower] ?? '';
  });
}

function safeCodePoint(n: number): string {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : '';
}

export function htmlToText(html: string, classify: AnchorClassifier): { text: string; facets: Facet[] } {
  let out = '';
  const facets: Facet[] = [];
  let anchor: { start: number; attrs: Record<string, string> } | undefined;
  const newline = (n: number) => {
    if (!out) return;
    const trailing = out.length - out.replace(/\n+$/, '').length;
    if (trailing < n) out += '\n'.repeat(n - trailing);
  };
  for (const m of html.matchAll(TOKEN)) {
    const [, close, rawTag, rawAttrs, text] = m;
    if (text !== undefined) {
      out += decodeEntities(text);
      continue;
    }
    const tag = rawTag!.toLowerCase();
    if (tag === 'br') out += '\n';
    else if (BLOCK.has(tag)) newline(close ? 2 : out.endsWith('\n') || !out ? 0 : 2);
    else if (tag === 'a' && !close) anchor = { start: out.length, attrs: attrsOf(rawAttrs ?? '') };
    else if (tag === 'a' && close && anchor) {
      const info: AnchorInfo = {
        href: decodeEntities(anchor.attrs.href ?? ''),
        classes: (anchor.attrs.class ?? '').split(/\s+/).filter(Boolean),
        rel: (anchor.attrs.rel ?? '').split(/\s+/).filter(Boolean),
        text: out.slice(anchor.start),
      };
      const facet = info.href && info.text ? classify(info) : undefined;
      if (facet) facets.push({ ...facet, start: anchor.start, end: out.length } as Facet);
      anchor = undefined;
    }
  }
  const trimmedEnd = out.replace(/\s+$/, '');
  const lead = trimmedEnd.length - trimmedEnd.replace(/^\s+/, '').length;
  const text = trimmedEnd.slice(lead);
  return {
    text,
    facets: facets
      .map((f) => ({ ...f, start: f.start - lead, end: Math.min(f.end, trimmedEnd.length) - lead }))
      .filter((f) => f.start >= 0 && f.end > f.start),
  };
}

function attrsOf(raw: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const [, k, v] of raw.matchAll(ATTR)) attrs[k!.toLowerCase()] = v!;
  return attrs;
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
