import type { Network } from '../../libs/events/index.js';

/** Admin policy the translator applies (loaded from the settings table). */
export interface BridgePolicy {
  networks: Record<Network, boolean>;
  blockedDomains: string[];
  /** Empty: every domain not blocked is allowed. */
  allowedDomains: string[];
  defaultConsent: 'opt-in' | 'opt-out';
  /** Hashtags that keep a post at home (PONTIS_OPT_OUT_TAGS); absent: libs/consent's default. */
  optOutTags?: readonly string[];
}

export type MirrorMode = 'bridged' | 'native' | 'off';

export interface IdentityInfo {
  accountId: string;
  network: Network;
  id: string;
  handle?: string;
  kind: 'native' | 'bridged';
}

export interface AccountInfo {
  id: string;
  consent: 'pending' | 'opted_in' | 'opted_out';
  status: 'active' | 'taken_down' | 'deleted';
  mirror: Partial<Record<Network, MirrorMode>>;
  identities: IdentityInfo[];
}

export interface ObjectCopy {
  id: string;
  cid?: string;
  url?: string;
  original: boolean;
}

/** One logical object and where it exists. */
export interface ObjectInfo {
  objectKey: string;
  copies: Partial<Record<Network, ObjectCopy>>;
  /** `<network>:<id>` of the actor who created the original, when known. */
  owner?: string;
  /** Targets a copy is on its way to (queued delivery or held event). */
  planned: Set<Network>;
  deleted: boolean;
}

/**
 * Everything the translator needs to decide a batch, loaded in a few bulk queries
 * beforehand. The pure translate() reads and extends it (objects created earlier in
 * the same batch are visible to later events).
 */
export interface TranslationContext {
  policy: BridgePolicy;
  /** Keyed `<network>:<id>`. */
  identities: Map<string, IdentityInfo>;
  accounts: Map<string, AccountInfo>;
  /** Keyed `<network>:<id>` of any copy. */
  objects: Map<string, ObjectInfo>;
  /** Event ids already translated. */
  processed: Set<string>;
  /**
   * Account id of an event's author → `<network>:<id>` of every identity of everyone who blocked
   * them (block-policy.ts). Absent: no blocks loaded.
   */
  blockers?: Map<string, Set<string>>;
  now: Date;
  pendingTimeoutMs: number;
  /** How long a reply waits for a parent never seen whose author is unknown (default pendingTimeoutMs). */
  unseenParentWaitMs?: number;
}
