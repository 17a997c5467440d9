import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkRequest, signingString, signRequest, verifyWithKey, type RequestToVerify } from './http-signature.js';
import { InboxVerifier } from './inbox-verifier.js';
import { KeyResolver } from './key-resolver.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const other = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const ed = generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const ALICE = 'https://mastodon.example/users/alice';
const MALLORY = 'https://evil.example/users/mallory';
const INBOX = 'https://pontis.example/ap/users/bob/inbox';

const actors: Record<string, Record<string, unknown>> = {
  [ALICE]: { id: ALICE, type: 'Person', publicKey: { id: `${ALICE}#main-key`, owner: ALICE, publicKeyPem: rsa.publicKey } },
  [MALLORY]: { id: MALLORY, type: 'Person', publicKey: { id: `${MALLORY}#main-key`, owner: MALLORY, publicKeyPem: other.publicKey } },
  'https://evil.example/fake-key': { id: 'https://evil.example/fake-key', type: 'Person', publicKey: { id: 'https://evil.example/fake-key', owner: ALICE, publicKeyPem: other.publicKey } },
};
const fetcher = { getJson: async (url: string) => { const d = actors[url]; if (!d) throw new Error(`404 ${url}`); return structuredClone(d); } };

function signed(body: object, o: { keyId?: string; key?: string; date?: Date; tamper?: boolean } = {}): RequestToVerify {
  const raw = JSON.stringify(body);
  const headers = signRequest({ keyId: o.keyId ?? `${ALICE}#main-key`, privateKeyPem: o.key ?? rsa.privateKey, method: 'POST', url: INBOX, body: raw, date: o.date });
  return { method: 'POST', path: '/ap/users/bob/inbox', headers, body: Buffer.from(o.tamper ? raw.replace('hello', 'HELLO') : raw) };
}

const like = { id: 'https://mastodon.example/likes/1', type: 'Like', actor: ALICE, object: 'https://pontis.example/ap/objects/1', content: 'hello' };

describe('HTTP signatures', () => {
  it('round trip: rsa-sha256 with digest verifies', () => {
    const req = signed(like);
    const params = checkRequest(req, { windowMs: 60_000 });
    assert.equal(params.algorithm, 'rsa-sha256');
    assert.ok(verifyWithKey(req, params, rsa.publicKey));
    assert.ok(!verifyWithKey(req, params, other.publicKey));
  });

  it('hs2019 with an RSA key (Mastodon 4, GoToSocial) and with an Ed25519 key', () => {
    const req = signed(like);
    req.headers.signature = (req.headers.signature as string).replace('rsa-sha256', 'hs2019');
    assert.ok(verifyWithKey(req, checkRequest(req, { windowMs: 60_000 }), rsa.publicKey));
    const edReq = signed(like);
    const params = checkRequest(edReq, { windowMs: 60_000 });
    const sig = cryptoSign(null, Buffer.from(signingString(edReq, params)), ed.privateKey).toString('base64');
    edReq.headers.signature = `keyId="x",algorithm="hs2019",headers="${params.headers.join(' ')}",signature="${sig}"`;
    assert.ok(verifyWithKey(edReq, checkRequest(edReq, { windowMs: 60_000 }), ed.publicKey));
  });

  it('refuses: tampered body (digest), unsigned digest, stale date, missing signature, unknown algorithm', () => {
    assert.throws(() => checkRequest(signed(like, { tamper: true }), { windowMs: 60_000 }), /Digest does not match/);
    const noDigest = signed(like);
    noDigest.headers.signature = (noDigest.headers.signature as string).replace('headers="(request-target) host date digest"', 'headers="(request-target) host date"');
    assert.throws(() => checkRequest(noDigest, { windowMs: 60_000 }), /must sign its Digest/);
    assert.throws(() => checkRequest(signed(like, { date: new Date(Date.now() - 2 * 3_600_000) }), { windowMs: 3_600_000 }), /outside the accepted window/);
    assert.throws(() => checkRequest({ method: 'POST', path: '/x', headers: {} }, { windowMs: 1 }), /missing HTTP signature/);
    const weird = signed(like);
    weird.headers.signature = (weird.headers.signature as string).replace('rsa-sha256', 'hmac-sha256');
    assert.throws(() => checkRequest(weird, { windowMs: 60_000 }), /unsupported signature algorithm/);
  });
});

describe('inbox verifier', () => {
  const verifier = () => new InboxVerifier({ keys: new KeyResolver(fetcher) });

  it('accepts a good request once; the same request again is a replay', async () => {
    const v = verifier();
    const req = signed(like);
    assert.equal((await v.verify(req, like)).actorId, ALICE);
    await assert.rejects(v.verify(req, like), /replayed/);
  });

  it('forged signature (signed with another key) is refused', async () => {
    await assert.rejects(verifier().verify(signed(like, { key: other.privateKey }), like), /does not verify/);
  });

  it("the key's owner must be the actor: Mallory's valid signature on Alice's activity is refused with 403", async () => {
    const err = (await verifier().verify(signed(like, { keyId: `${MALLORY}#main-key`, key: other.privateKey }), like).catch((e: unknown) => e)) as { status: number; message: string };
    assert.equal(err.status, 403);
    assert.match(err.message, /belongs to .*mallory.*not to the actor/);
  });

  it('a key document on another host claiming Alice as owner is not her key', async () => {
    await assert.rejects(verifier().verify(signed(like, { keyId: 'https://evil.example/fake-key', key: other.privateKey }), like), /not to the actor|no public key|does not verify/);
  });
});
