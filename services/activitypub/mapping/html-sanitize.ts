/**
 * Incoming HTML is attacker-controlled. An allowlist in the spirit of Mastodon's MASTODON_STRICT
 * (app/lib/sanitize_config.rb): text formatting and links only, http(s)/mailto hrefs, no
 * attributes but the few a renderer needs, and every link `rel="nofollow noopener noreferrer"`.
 */
import sanitizeHtml from 'sanitize-html';

/** Longest HTML accepted before sanitizing; beyond it the post is refused rather than cut mid-tag. */
export const MAX_HTML_LENGTH = 200_000;

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'a', 'span', 'em', 'strong', 'b', 'i', 'u', 'del', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6'],
  allowedAttributes: { a: ['href', 'rel', 'class'], span: ['class'] },
  // Only the classes Mastodon's renderer understands for mentions, hashtags and invisible URL parts.
  allowedClasses: { a: ['mention', 'hashtag', 'u-url', 'status-link'], span: ['h-card', 'invisible', 'ellipsis'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Drop the contents of what is never text, not only the tags.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'svg', 'math', 'template', 'iframe', 'object'],
  transformTags: {
    a: (tagName, attribs) => {
      const rel = new Set<string>((attribs.rel ?? '').split(/\s+/).filter((r) => r === 'tag'));
      for (const r of ['nofollow', 'noopener', 'noreferrer']) rel.add(r);
      return { tagName, attribs: { ...attribs, rel: [...rel].join(' ') } };
    },
  },
  // Mastodon's "RE: <link>" quote fallback: the quote is carried as `object.quote`, not as text.
  exclusiveFilter: (frame) => /\bquote-inline\b/.test(frame.attribs.class ?? ''),
};

export function sanitize(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}
