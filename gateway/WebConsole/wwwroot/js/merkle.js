// RFC 6962 Merkle inclusion proofs over SHA-256, in the browser with WebCrypto: leaf = H(0x00 ‖ data),
// node = H(0x01 ‖ left ‖ right); the path is checked the way RFC 9162 §2.1.3.2 says (as MaaS.OffChain.Merkle does).

const encoder = new TextEncoder();

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) { out.set(part, offset); offset += part.length; }
  return out;
}

export const hashLeaf = data => sha256(concat(Uint8Array.of(0), typeof data === 'string' ? encoder.encode(data) : data));
export const hashNode = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

export function toHex(bytes) {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(hex) {
  const clean = (hex ?? '').replace(/^0x/i, '');
  if (clean.length !== 64 || /[^0-9a-f]/i.test(clean)) return null;
  return Uint8Array.from(clean.match(/../g), byte => parseInt(byte, 16));
}

/** The root the path implies for leaf `index` of a tree of `size` leaves, or null if the path cannot fit such a tree. */
export async function rootFromInclusionProof(index, size, leafHash, path) {
  if (!(index >= 0) || !(size > 0) || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const hex of path) {
    const p = fromHex(hex);
    if (sn === 0 || !p) return null;
    if ((fn & 1) === 1 || fn === sn) {
      r = await hashNode(p, r);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; }
      }
    } else {
      r = await hashNode(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 ? r : null;
}

/**
 * Checks a reading proof (docs/anchoring.md) up to the round root: reading → batch root, batch leaf names that root,
 * batch leaf → round root. `onChainRoot` (hex), when known, is compared last. Returns { verified, checks[] }.
 */
export async function verifyProof(proof, onChainRoot) {
  const checks = [];
  const check = (name, passed, detail) => checks.push({ name, passed, detail });

  let reading = null;
  try { reading = JSON.parse(proof.reading); } catch { /* reported below */ }
  check('reading', !!reading && typeof reading.seq === 'number', reading ? `machine ${reading.machine} seq ${reading.seq}` : 'not JSON');

  const readingLeaf = await hashLeaf(proof.reading ?? '');
  const batchRoot = await rootFromInclusionProof(proof.readingIndex, proof.batchSize, readingLeaf, proof.batchPath ?? []);
  check('reading-in-batch', !!batchRoot && toHex(batchRoot) === (proof.batchRoot ?? '').toLowerCase(),
    batchRoot ? `leaf ${proof.readingIndex} of ${proof.batchSize} → batch root ${toHex(batchRoot)}` : 'the path does not fit the batch');

  let leaf = null;
  try { leaf = JSON.parse(proof.batchLeaf); } catch { /* reported below */ }
  const leafOk = !!leaf && !!batchRoot && leaf.root === toHex(batchRoot) && leaf.count === proof.batchSize && (!reading || leaf.machine === reading.machine);
  check('batch-leaf', leafOk, leaf ? `machine ${leaf.machine} batch ${leaf.batch}: ${leaf.count} readings, root ${leaf.root}` : 'not JSON');

  const batchLeafHash = await hashLeaf(proof.batchLeaf ?? '');
  const roundRoot = await rootFromInclusionProof(proof.leafIndex, proof.roundSize, batchLeafHash, proof.roundPath ?? []);
  check('batch-in-round', !!roundRoot && toHex(roundRoot) === (proof.roundRoot ?? '').toLowerCase(),
    roundRoot ? `leaf ${proof.leafIndex} of ${proof.roundSize} → round root ${toHex(roundRoot)}` : 'the path does not fit the round');

  if (onChainRoot) {
    check('round-anchored', !!roundRoot && toHex(roundRoot) === onChainRoot.replace(/^0x/i, '').toLowerCase(),
      `round ${proof.roundId} committed with root ${onChainRoot} in tx ${proof.transactionHash}`);
  }
  return { verified: checks.every(c => c.passed), checks, roundRoot: roundRoot ? toHex(roundRoot) : null };
}
