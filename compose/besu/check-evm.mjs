#!/usr/bin/env node
// Checks that the compiled contracts only use opcodes the compose chain's fork supports.
//
// The contracts are compiled with evmVersion "cancun" (contracts/solidity/compile.mjs) while the dev
// QBFT genesis enables Shanghai (generate.sh --fork, default shanghai). Today's bytecode uses no
// Cancun-only opcode, so it runs on both; this check fails as soon as that changes (solc emits MCOPY
// for memory copies when targeting cancun), instead of a deploy failing with "invalid opcode".
//
// Usage: node compose/besu/check-evm.mjs [artifactsDir] [genesis.json]
// Exit 0: compatible; 1: an opcode newer than the genesis fork was found; 2: usage/IO error.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const artifactsDir = process.argv[2] ?? join(here, '..', '..', 'contracts', 'solidity', 'artifacts');
const genesisPath = process.argv[3] ?? join(here, 'genesis.json');

// Opcodes introduced after London, by the fork that introduced them.
const NEW_OPCODES = {
  shanghai: { 0x5f: 'PUSH0' },
  cancun: { 0x49: 'BLOBHASH', 0x4a: 'BLOBBASEFEE', 0x5c: 'TLOAD', 0x5d: 'TSTORE', 0x5e: 'MCOPY' },
};

function chainFork(genesis) {
  const c = genesis.config ?? {};
  if ('cancunTime' in c) return 'cancun';
  if ('shanghaiTime' in c) return 'shanghai';
  return 'london';
}

function forbiddenFor(fork) {
  const order = ['london', 'shanghai', 'cancun'];
  const out = {};
  for (const f of order.slice(order.indexOf(fork) + 1)) Object.assign(out, NEW_OPCODES[f]);
  return out;
}

/** Strips the CBOR metadata trailer (its length is in the last two bytes) so its bytes are not read as code. */
function code(hex) {
  const b = Buffer.from(hex.replace(/^0x/, ''), 'hex');
  if (b.length < 2) return b;
  const metaLen = b.readUInt16BE(b.length - 2);
  return metaLen + 2 <= b.length ? b.subarray(0, b.length - metaLen - 2) : b;
}

function scan(bytes, forbidden) {
  const found = new Map();
  for (let pc = 0; pc < bytes.length; pc++) {
    const op = bytes[pc];
    if (op in forbidden) found.set(forbidden[op], (found.get(forbidden[op]) ?? 0) + 1);
    if (op >= 0x60 && op <= 0x7f) pc += op - 0x5f; // skip PUSH1..PUSH32 data
  }
  return found;
}

try {
  const fork = chainFork(JSON.parse(readFileSync(genesisPath, 'utf8')));
  const forbidden = forbiddenFor(fork);
  let bad = 0;
  let checked = 0;
  for (const file of readdirSync(artifactsDir).filter((f) => f.endsWith('.json')).sort()) {
    const a = JSON.parse(readFileSync(join(artifactsDir, file), 'utf8'));
    if (typeof a.deployedBytecode !== 'string' || typeof a.bytecode !== 'string') continue;
    checked++;
    for (const [what, hex] of [['runtime', a.deployedBytecode], ['creation', a.bytecode]]) {
      const found = scan(code(hex), forbidden);
      if (found.size) {
        bad++;
        console.error(`${file} (${what}): ${[...found].map(([n, k]) => `${n} x${k}`).join(', ')} not available on this ${fork} chain`);
      }
    }
  }
  if (checked === 0) { console.error(`check-evm: no contract artifacts in ${artifactsDir}`); process.exit(2); }
  if (bad) {
    console.error(`check-evm: compile with evmVersion "${fork}" or regenerate the chain with a later --fork`);
    process.exit(1);
  }
  console.log(`check-evm: ${checked} contracts fit the ${fork} chain`);
} catch (e) {
  console.error(`check-evm: ${e.message}`);
  process.exit(2);
}
