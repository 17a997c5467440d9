/** Test helpers of the ingest (not used by production code). */

/** A DID document naming `didKey` as its atproto signing key (a Multikey, as the PLC directory serves). */
export function didDocument(did: string, didKey: string) {
  return { id: did, alsoKnownAs: [], verificationMethod: [{ id: `${did}#atproto`, type: 'Multikey', controller: did, publicKeyMultibase: didKey.slice('did:key:'.length) }], service: [] };
}
