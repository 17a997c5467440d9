/** The part of activitypub-express (plain JS, no types) the adapter uses. */
declare module 'activitypub-express' {
  import type { RequestHandler } from 'express';

  type Doc = Record<string, unknown>;
  export interface ApexSettings {
    name: string;
    version: string;
    baseUrl: string;
    actorParam: string;
    objectParam: string;
    activityParam?: string;
    routes: Record<string, string>;
    endpoints?: Record<string, string>;
    context?: unknown;
    store: unknown;
    offlineMode?: boolean;
    logger?: { info: (...a: unknown[]) => void; warn: (...a: unknown[]) => void; error: (...a: unknown[]) => void };
    openRegistrations?: boolean;
    nodeInfoMetadata?: Doc;
    requestTimeout?: number;
  }
  export interface Apex extends RequestHandler {
    settings: ApexSettings;
    baseUrl: string;
    domain: string;
    context: unknown[];
    store: unknown;
    offlineMode?: boolean;
    net: Record<string, Record<string, RequestHandler[]>> & {
      wellKnown: Record<string, RequestHandler>;
      validators: Record<string, RequestHandler>;
      responders: Record<string, RequestHandler>;
      security: Record<string, RequestHandler>;
    };
    utils: { usernameToIRI(name: string): string; nameToActorStreams(name: string): Record<string, string> };
    createActor(username: string, displayName: string, summary?: string, icon?: Doc, type?: string): Promise<Doc>;
    fromJSONLD(obj: Doc): Promise<Doc>;
    toJSONLD(obj: Doc): Promise<Doc>;
    stringifyPublicJSONLD(obj: Doc): string;
    generateNodeInfo(version: string): Promise<Doc>;
    jsonldContextLoader: (url: string) => Promise<{ contextUrl: string | null; documentUrl: string; document: unknown }>;
    requestObject: (id: string) => Promise<Doc | null>;
    deliver: (actorId: string, body: string, address: string, signingKey: string) => Promise<unknown>;
    startDelivery(): Promise<void> | undefined;
    resolveObject(id: string, includeMeta?: boolean, refresh?: boolean, localOnly?: boolean): Promise<Doc | null | undefined>;
    getFollowers(actor: Doc, page?: unknown, includePrivate?: boolean): Promise<Doc>;
  }
  export default function ActivitypubExpress(settings: ApexSettings): Apex;
}
