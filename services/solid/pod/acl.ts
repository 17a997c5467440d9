/**
 * Web Access Control documents (Turtle) the bridge writes. Pure. CSS's default config is WAC;
 * an ACP server would need the same grants as ACP policies (not built).
 */
const PREFIXES = '@prefix acl: <http://www.w3.org/ns/auth/acl#>.\n@prefix foaf: <http://xmlns.com/foaf/0.1/>.\n';

function iri(u: string): string {
  if (/[<>"{}|\\^`\s]/.test(u)) throw new Error(`not an IRI: ${u}`);
  return `<${u}>`;
}

/**
 * The `social/` container of a bridged pod: its owner and the bridge control it (the bridge sets
 * per-post ACLs), inherited by everything inside (acl:default).
 */
export function socialContainerAcl(socialUrl: string, owner: string, bridge: string): string {
  return `${PREFIXES}
<#owner> a acl:Authorization; acl:agent ${iri(owner)}; acl:accessTo ${iri(socialUrl)}; acl:default ${iri(socialUrl)};
  acl:mode acl:Read, acl:Write, acl:Append, acl:Control.
<#bridge> a acl:Authorization; acl:agent ${iri(bridge)}; acl:accessTo ${iri(socialUrl)}; acl:default ${iri(socialUrl)};
  acl:mode acl:Read, acl:Write, acl:Append, acl:Control.
`;
}

/**
 * What a person grants when they link their own pod: the bridge may read, append and write
 * under `social/` (no Control: the person keeps the say over who sees what).
 */
export function linkGrantAcl(socialUrl: string, owner: string, bridge: string): string {
  return `${PREFIXES}
<#owner> a acl:Authorization; acl:agent ${iri(owner)}; acl:accessTo ${iri(socialUrl)}; acl:default ${iri(socialUrl)};
  acl:mode acl:Read, acl:Write, acl:Append, acl:Control.
<#bridge> a acl:Authorization; acl:agent ${iri(bridge)}; acl:accessTo ${iri(socialUrl)}; acl:default ${iri(socialUrl)};
  acl:mode acl:Read, acl:Write, acl:Append.
`;
}

/**
 * N3 Patch adding the bridge's authorization to an ACL the person already has: their other
 * grants stay as they are (a PUT of linkGrantAcl would replace them).
 */
export function linkGrantPatch(socialUrl: string, bridge: string): string {
  return `@prefix solid: <http://www.w3.org/ns/solid/terms#>.
${PREFIXES}_:patch a solid:InsertDeletePatch; solid:inserts {
  <#pontis-bridge> a acl:Authorization; acl:agent ${iri(bridge)}; acl:accessTo ${iri(socialUrl)}; acl:default ${iri(socialUrl)};
    acl:mode acl:Read, acl:Write, acl:Append.
}.
`;
}

/** A container of a bridged pod that anyone may list (the outbox); its members keep their own ACLs. */
export function listableContainerAcl(url: string, owner: string, bridge: string): string {
  return `${PREFIXES}
<#owner> a acl:Authorization; acl:agent ${iri(owner)}; acl:accessTo ${iri(url)}; acl:default ${iri(url)}; acl:mode acl:Read, acl:Write, acl:Append, acl:Control.
<#bridge> a acl:Authorization; acl:agent ${iri(bridge)}; acl:accessTo ${iri(url)}; acl:default ${iri(url)}; acl:mode acl:Read, acl:Write, acl:Append, acl:Control.
<#public> a acl:Authorization; acl:agentClass foaf:Agent; acl:accessTo ${iri(url)}; acl:mode acl:Read.
`;
}

/**
 * One resource's ACL: owner and bridge as on the container, plus anyone reading when public.
 * `bridgeControl: false` in a person's own pod, where the link granted the bridge no Control.
 */
export function resourceAcl(resourceUrl: string, owner: string, bridge: string, isPublic: boolean, opts: { bridgeControl?: boolean } = {}): string {
  const pub = isPublic ? `<#public> a acl:Authorization; acl:agentClass foaf:Agent; acl:accessTo ${iri(resourceUrl)}; acl:mode acl:Read.\n` : '';
  const bridgeModes = opts.bridgeControl === false ? 'acl:Read, acl:Write' : 'acl:Read, acl:Write, acl:Control';
  return `${PREFIXES}
<#owner> a acl:Authorization; acl:agent ${iri(owner)}; acl:accessTo ${iri(resourceUrl)}; acl:mode acl:Read, acl:Write, acl:Control.
<#bridge> a acl:Authorization; acl:agent ${iri(bridge)}; acl:accessTo ${iri(resourceUrl)}; acl:mode ${bridgeModes}.
${pub}`;
}

/** The public type index: where AS2 notes and activities of this pod live. */
export function publicTypeIndex(indexUrl: string, socialUrl: string): string {
  return `@prefix solid: <http://www.w3.org/ns/solid/terms#>.
@prefix as: <https://www.w3.org/ns/activitystreams#>.
<> a solid:TypeIndex, solid:ListedDocument.
<#pontis-notes> a solid:TypeRegistration; solid:forClass as:Note; solid:instanceContainer ${iri(new URL('outbox/', socialUrl).href)}.
<#pontis-activities> a solid:TypeRegistration; solid:forClass as:Activity; solid:instanceContainer ${iri(new URL('inbox/', socialUrl).href)}.
`.replace(/<> a/, `${iri(indexUrl)} a`);
}

/** N3 Patch linking the type index from the WebID profile (solid:publicTypeIndex). */
export function linkTypeIndexPatch(webId: string, indexUrl: string): string {
  return `@prefix solid: <http://www.w3.org/ns/solid/terms#>.
_:patch a solid:InsertDeletePatch; solid:inserts { ${iri(webId)} solid:publicTypeIndex ${iri(indexUrl)}. }.
`;
}

/** The modes a WAC-Allow header grants the requesting user (`user="read write append"`). */
export function wacAllow(header: string | null): { user: Set<string>; public: Set<string> } {
  const out = { user: new Set<string>(), public: new Set<string>() };
  for (const m of (header ?? '').matchAll(/(user|public)\s*=\s*"([^"]*)"/g)) for (const mode of m[2]!.split(/\s+/).filter(Boolean)) out[m[1] as 'user' | 'public'].add(mode);
  return out;
}
