import { createPublicKey, verify } from 'node:crypto';
import { Secp256k1Keypair } from '@atproto/crypto';
import { verifyStrict } from '../services/atproto/ingest/native-signature.js';

export interface SignatureVerifyResult {
  signatures: number;
  /** CPU µs per check (process.threadCpuUsage, user + system), SHA-256 of a 300-byte commit included. */
  libsecp256k1Us: number;
  opensslUs: number;
}

/**
 * A commit signature check alone, secp256k1: the ingest's (native-signature.ts, libsecp256k1) and
 * OpenSSL's (node:crypto, what it used before), on the same `n` signatures of 300-byte messages,
 * each checked once after a warm-up. Run: node -e "import('./dist/bench/signature-verify-bench.js')
 * .then(m => console.log(JSON.stringify(m.benchSignatureVerify(3000))))"
 */
export async function benchSignatureVerify(n: number): Promise<SignatureVerifyResult> {
  const key = await Secp256k1Keypair.create();
  const did = key.did();
  const messages = Array.from({ length: n }, (_, i) => Buffer.from(`commit ${i} `.padEnd(300, '.')));
  const sigs = await Promise.all(messages.map((m) => key.sign(m)));
  const spki = Buffer.concat([Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex'), Buffer.from(key.publicKeyBytes())]);
  const openssl = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const time = (check: (i: number) => boolean): number => {
    for (let i = 0; i < Math.min(n, 200); i++) if (!check(i)) throw new Error('a valid signature did not verify');
    const cpu = process.threadCpuUsage();
    for (let i = 0; i < n; i++) if (!check(i)) throw new Error('a valid signature did not verify');
    const used = process.threadCpuUsage(cpu);
    return Math.round(((used.user + used.system) / n) * 10) / 10;
  };
  return {
    signatures: n,
    libsecp256k1Us: time((i) => verifyStrict('k256', did, messages[i]!, sigs[i]!)),
    opensslUs: time((i) => verify('sha256', messages[i]!, { key: openssl, dsaEncoding: 'ieee-p1363' }, sigs[i]!)),
  };
}
