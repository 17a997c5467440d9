import { DeliveryError } from '../../../libs/adapter/index.js';
import { folderUrl } from '../mapping/index.js';
import type { Channel, PodClient, PodRow } from '../pod/index.js';

export const WEBHOOK_CHANNEL = 'http://www.w3.org/ns/solid/notifications#WebhookChannel2023';
const NOTIFICATION_CONTEXT = 'https://www.w3.org/ns/solid/notification/v1';
/** Channels with no end the server told us about are renewed this often. */
const ASSUMED_LIFETIME_MS = 24 * 3_600_000;
/** Renew when less than this share of a channel's lifetime is left. */
const RENEW_BEFORE = 0.2;

/**
 * Solid Notifications Protocol, WebhookChannel2023: one channel per watched container (outbox and
 * inbox: subscriptions are not recursive), found through the storage's description
 * (`/.well-known/solid`), renewed before the server ends it.
 */
export class WebhookSubscriber {
  private readonly endpoints = new Map<string, string>();

  constructor(
    private readonly client: PodClient,
    /** `https://pontis.example/api/v1/solid/webhook/<pod id>`: where the pod server posts. */
    private readonly sendToFor: (pod: PodRow) => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The channels to keep: the current ones where still fresh, new ones where due. */
  async ensure(pod: PodRow): Promise<Channel[]> {
    const out: Channel[] = [];
    // The containers (members added/removed) and the WebID profile document (name, note, photo).
    for (const topic of [folderUrl(pod.socialUrl, 'outbox'), folderUrl(pod.socialUrl, 'inbox'), pod.webId.replace(/#.*$/, '')]) {
      const current = pod.channels.find((c) => c.topic === topic);
      if (current && !this.due(current)) out.push(current);
      else out.push(await this.subscribe(pod, topic));
    }
    return out;
  }

  due(c: Channel, created?: number): boolean {
    const end = Date.parse(c.expiresAt);
    const lifetime = created ? end - created : ASSUMED_LIFETIME_MS;
    return Number.isNaN(end) || end - this.now() < lifetime * RENEW_BEFORE;
  }

  private async subscribe(pod: PodRow, topic: string): Promise<Channel> {
    const endpoint = await this.endpoint(pod.storageUrl);
    const res = await this.client.post(endpoint, JSON.stringify({ '@context': [NOTIFICATION_CONTEXT], type: WEBHOOK_CHANNEL, topic, sendTo: this.sendToFor(pod) }), 'application/ld+json');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(res) as Record<string, unknown>;
    } catch {
      throw new DeliveryError('subscription answer is not JSON', { kind: 'transient', target: endpoint, body: res });
    }
    const id = typeof body.id === 'string' ? body.id : undefined;
    if (!id) throw new DeliveryError('subscription answer names no channel', { kind: 'transient', target: endpoint, body: res });
    const endAt = typeof body.endAt === 'string' && !Number.isNaN(Date.parse(body.endAt)) ? body.endAt : new Date(this.now() + ASSUMED_LIFETIME_MS).toISOString();
    return { id, topic, expiresAt: endAt };
  }

  /** The WebhookChannel2023 subscription service named in the storage description. */
  private async endpoint(storageUrl: string): Promise<string> {
    const origin = new URL(storageUrl).origin;
    const hit = this.endpoints.get(origin);
    if (hit) return hit;
    const desc = await this.client.get(new URL('/.well-known/solid', origin).href);
    let doc: unknown;
    try {
      doc = JSON.parse(desc.body);
    } catch {
      throw new DeliveryError('storage description is not JSON-LD', { kind: 'permanent', target: origin, body: desc.body });
    }
    const found = subscriptionService(doc, 'WebhookChannel2023');
    if (!found) throw new DeliveryError('the pod server offers no WebhookChannel2023 subscription', { kind: 'permanent', target: origin, status: 'no-webhooks' });
    this.endpoints.set(origin, found);
    return found;
  }
}

/**
 * The subscription service a storage description (Solid Notifications Protocol, JSON-LD, compact
 * or expanded) names for a channel type: the node whose `channelType` is it.
 */
export function subscriptionService(doc: unknown, channelType: 'WebhookChannel2023' | 'WebSocketChannel2023', depth = 0): string | undefined {
  if (!doc || typeof doc !== 'object' || depth > 6) return undefined;
  if (Array.isArray(doc)) {
    for (const d of doc) {
      const f = subscriptionService(d, channelType, depth + 1);
      if (f) return f;
    }
    return undefined;
  }
  const o = doc as Record<string, unknown>;
  const ct = o.channelType ?? o['notify:channelType'] ?? o['http://www.w3.org/ns/solid/notifications#channelType'];
  const names = JSON.stringify(ct ?? '');
  const id = (o.id ?? o['@id']) as unknown;
  if (names.includes(channelType) && typeof id === 'string') return id;
  for (const v of Object.values(o)) {
    const f = subscriptionService(v, channelType, depth + 1);
    if (f) return f;
  }
  return undefined;
}
