/**
 * Hostile inputs, built once for every network's hostile tests (services/<net>/hostile.int.test.ts,
 * test/e2e/scenarios/hostile.ts). Cases from ../shared/reference/security-and-delivery.md
 * ("Attack and fault cases to test"); docs/SECURITY.md says where each is stopped.
 */

/** URLs a remote party may name to make the bridge reach inside its own network (SSRF). */
export const PRIVATE_URLS = [
  'http://127.0.0.1:9/avatar.png',
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'http://10.0.0.1/image.jpg',
  'http://[::ffff:127.0.0.1]/x.png',
  'http://192.168.1.1/router.png',
] as const;

/** The cloud metadata service: the classic SSRF target. */
export const METADATA_URL = PRIVATE_URLS[1];

/** Markup that must never survive as active content: a script element, an event handler, a javascript: link, SVG with script. */
export const SCRIPT_HTML =
  '<p>hello <script>alert("x")</script><img src="x" onerror="alert(1)"><a href="javascript:alert(2)">click</a>' +
  '<svg onload="alert(3)"><script>alert(4)</script></svg><iframe src="https://evil.example"></iframe></p>';

/** The same attack as plain text, as networks without HTML carry it (Nostr content, Bluesky text). */
export const SCRIPT_TEXT = '<script>alert("x")</script> <img src=x onerror=alert(1)> javascript:alert(2)';

/** Active markup in rendered or sanitized HTML (case-insensitive): the first offender, or undefined. */
export function activeContent(html: string): string | undefined {
  const patterns: [RegExp, string][] = [
    [/<script/i, '<script>'],
    // Inside a tag only: escaped text such as `&lt;img onerror=…&gt;` is harmless and must pass.
    [/<[a-z][^>]*\son[a-z]+\s*=/i, 'an on* handler attribute'],
    [/<[a-z][^>]*href\s*=\s*["']?\s*javascript:/i, 'a javascript: href'],
    [/<iframe/i, '<iframe>'],
    [/<svg/i, '<svg>'],
  ];
  return patterns.find(([re]) => re.test(html))?.[1];
}

/** JSON text nested `depth` deep (arrays inside an object field), a stack bomb for recursive code. */
export function deeplyNestedJson(depth: number, field = 'content'): string {
  return `{"${field}":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

/** An object nested `depth` deep (for APIs that take an object, e.g. JSON-LD to serialize). */
export function deeplyNested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { n: v };
  return v;
}

/** A string of `bytes` ASCII characters (an oversized field). */
export function oversizedText(bytes: number): string {
  return 'A'.repeat(bytes);
}

/**
 * A JSON body whose `field` holds bytes that are not UTF-8 (a lone continuation byte, an overlong
 * encoding, 0xFF). JSON.parse after a lenient decode would turn them into U+FFFD silently.
 */
export function invalidUtf8Json(prefix: Record<string, unknown>, field = 'content'): Buffer {
  const head = JSON.stringify(prefix).slice(0, -1);
  return Buffer.concat([Buffer.from(`${head}${head.length > 1 ? ',' : ''}"${field}":"bad `), Buffer.from([0x80, 0xc0, 0xaf, 0xff, 0xfe]), Buffer.from(' bytes"}')]);
}

/**
 * AT Protocol facets (UTF-8 byte offsets) that are out of range or cut a character in two, over
 * `text`: every one must be dropped, never applied to the wrong characters. All are valid by the
 * lexicon (non-negative integers), so a PDS stores them and only the reader can catch them.
 */
export function badFacets(text: string): { index: { byteStart: number; byteEnd: number }; features: Record<string, unknown>[] }[] {
  const len = Buffer.byteLength(text);
  const link = (uri: string) => [{ $type: 'app.bsky.richtext.facet#link', uri }];
  const emoji = Buffer.byteLength(text.slice(0, Math.max(0, text.indexOf('😀'))));
  return [
    { index: { byteStart: len + 10, byteEnd: len + 20 }, features: link('https://beyond.example') },
    { index: { byteStart: 5, byteEnd: 2 }, features: link('https://backwards.example') },
    ...(text.includes('😀') ? [{ index: { byteStart: emoji + 1, byteEnd: emoji + 3 }, features: link('https://split.example') }] : []),
  ];
}

/** Reads one sample of a Prometheus text exposition: `pontis_rejected_input_total{network="nostr",reason="bad_id"}`. */
export function metricValue(exposition: string, name: string, labels: Record<string, string>): number {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.indexOf('}'));
    const got = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** A process's rejection count for one network and reason, read from its /metrics. */
export async function scrapeRejected(base: string, network: string, reason: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return metricValue(text, 'pontis_rejected_input_total', { network, reason });
}
