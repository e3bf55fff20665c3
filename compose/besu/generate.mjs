#!/usr/bin/env node
// Generates the development Besu QBFT network used by compose/docker-compose.yml.
//
// Besu's own `besu operator generate-blockchain-config` needs a Besu install (Java); this script
// produces the same artefacts with node alone:
//
//   validator{1..4}/key        private key, "0x" + 64 hex, no newline (Besu's own format)
//   validator{1..4}/key.pub    public key,  "0x" + 128 hex (uncompressed, without the 04 prefix)
//   validator{1..4}/address    validator (= node) address, "0x" + 40 hex
//   genesis.json               QBFT genesis: block-header validator selection, extraData =
//                              RLP([32 zero bytes vanity, [validators], [] vote, 0 round, [] seals])
//   static-nodes.json          the four enode URLs (fixed container IPs, see --ip-prefix)
//   config.toml                Besu options shared by the four validators (bootnodes, RPC, ...)
//   network.json               summary: chain id, validators, enodes, prefunded accounts
//
// Keys are DETERMINISTIC by default (derived from --seed), so re-running rewrites byte-identical
// files and the generated network can be committed: it is a throwaway development network whose
// keys are public. Use --random for fresh random keys (never commit those for anything real).
//
// Usage: node generate.mjs [--seed S | --random] [--chain-id N] [--block-period S]
//                          [--request-timeout S] [--ip-prefix A.B.C] [--first-host N]
//                          [--fork london|shanghai|cancun] [--out DIR] [--self-test]

import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

const here = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------- options
const defaults = {
  seed: 'maas-dev-qbft',
  random: false,
  chainId: 1337,
  blockPeriod: 2,
  requestTimeout: 4,
  epochLength: 30000,
  ipPrefix: '172.29.83',
  firstHost: 11,
  fork: 'shanghai',
  validators: 4,
  out: here,
  selfTest: false,
};

function parseArgs(argv) {
  const o = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--seed': o.seed = next(); break;
      case '--random': o.random = true; break;
      case '--chain-id': o.chainId = intArg(a, next()); break;
      case '--block-period': o.blockPeriod = intArg(a, next()); break;
      case '--request-timeout': o.requestTimeout = intArg(a, next()); break;
      case '--ip-prefix': o.ipPrefix = next(); break;
      case '--first-host': o.firstHost = intArg(a, next()); break;
      case '--fork': o.fork = next(); break;
      case '--out': o.out = next(); break;
      case '--self-test': o.selfTest = true; break;
      case '-h': case '--help':
        console.log(readUsage());
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${a} (see --help)`);
    }
  }
  if (!['london', 'shanghai', 'cancun'].includes(o.fork)) throw new Error(`--fork must be london, shanghai or cancun`);
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(o.ipPrefix)) throw new Error(`--ip-prefix must look like 172.29.83`);
  if (o.firstHost < 2 || o.firstHost + o.validators - 1 > 127) throw new Error(`--first-host must leave the validators in .2-.127`);
  if (o.requestTimeout <= o.blockPeriod) console.warn(`warning: Besu recommends requesttimeoutseconds ~ 2 x blockperiodseconds`);
  return o;
}

function intArg(name, v) {
  if (!/^\d+$/.test(v)) throw new Error(`${name} needs a non-negative integer, got ${v}`);
  return Number(v);
}

function readUsage() {
  return `usage: node generate.mjs [--seed S | --random] [--chain-id N] [--block-period S] [--request-timeout S]
                        [--ip-prefix A.B.C] [--first-host N] [--fork london|shanghai|cancun] [--out DIR] [--self-test]
defaults: --seed ${defaults.seed} --chain-id ${defaults.chainId} --block-period ${defaults.blockPeriod} --request-timeout ${defaults.requestTimeout}
          --ip-prefix ${defaults.ipPrefix} --first-host ${defaults.firstHost} --fork ${defaults.fork} --out <this folder>`;
}

// ---------------------------------------------------------------- RLP (just what extraData needs)
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function encodeLength(len, offset) {
  if (len < 56) return Uint8Array.of(offset + len);
  const hex = len.toString(16);
  const lenBytes = hexToBytes(hex.length % 2 ? `0${hex}` : hex);
  return concat(Uint8Array.of(offset + 55 + lenBytes.length), lenBytes);
}

/** item: Uint8Array (byte string) or Array of items (list). */
export function rlpEncode(item) {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0] < 0x80) return item;
    return concat(encodeLength(item.length, 0x80), item);
  }
  if (Array.isArray(item)) {
    const payload = concat(...item.map(rlpEncode));
    return concat(encodeLength(payload.length, 0xc0), payload);
  }
  throw new Error('rlpEncode: Uint8Array or Array expected');
}

/** Decodes one RLP item; returns Uint8Array or nested arrays. Throws on trailing bytes. */
export function rlpDecode(bytes) {
  const [item, used] = decodeAt(bytes, 0);
  if (used !== bytes.length) throw new Error('rlpDecode: trailing bytes');
  return item;
}

function decodeAt(b, pos) {
  const p = b[pos];
  if (p === undefined) throw new Error('rlpDecode: truncated');
  if (p < 0x80) return [b.subarray(pos, pos + 1), pos + 1];
  const isList = p >= 0xc0;
  const base = isList ? 0xc0 : 0x80;
  let len, start;
  if (p - base < 56) { len = p - base; start = pos + 1; }
  else {
    const ll = p - base - 55;
    len = Number.parseInt(bytesToHex(b.subarray(pos + 1, pos + 1 + ll)), 16);
    start = pos + 1 + ll;
  }
  const end = start + len;
  if (end > b.length) throw new Error('rlpDecode: truncated');
  if (!isList) return [b.subarray(start, end), end];
  const items = [];
  let q = start;
  while (q < end) { const [it, nq] = decodeAt(b, q); items.push(it); q = nq; }
  if (q !== end) throw new Error('rlpDecode: bad list length');
  return [items, end];
}

/** QBFT genesis extraData: RLP([32-byte vanity, [validators], no vote, round 0, no seals]). */
export function qbftExtraData(validatorAddresses) {
  const vanity = new Uint8Array(32);
  const validators = validatorAddresses.map((a) => hexToBytes(strip0x(a)));
  for (const v of validators) if (v.length !== 20) throw new Error('validator address must be 20 bytes');
  // vote: empty list (no vote); round: integer 0 = empty byte string (0x80); seals: empty list.
  return `0x${bytesToHex(rlpEncode([vanity, validators, [], new Uint8Array(0), []]))}`;
}

// ---------------------------------------------------------------- keys
const N = secp256k1.Point.CURVE().n;

function strip0x(h) { return h.startsWith('0x') || h.startsWith('0X') ? h.slice(2) : h; }

function privateKeyFor(o, index) {
  for (let counter = 0; ; counter++) {
    const candidate = o.random
      ? randomBytes(32)
      : keccak_256(utf8ToBytes(`${o.seed}:validator:${index}:${counter}`));
    const k = BigInt(`0x${bytesToHex(candidate)}`);
    if (k > 0n && k < N) return new Uint8Array(candidate);
  }
}

function addressOf(pub65) {
  return `0x${bytesToHex(keccak_256(pub65.subarray(1)).subarray(12))}`;
}

/** EIP-55 mixed-case checksum. */
function checksum(address) {
  const lower = strip0x(address).toLowerCase();
  const hash = bytesToHex(keccak_256(utf8ToBytes(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += Number.parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  return out;
}

// ---------------------------------------------------------------- dev accounts
// The ten accounts anvil derives from the well-known test mnemonic
// "test test test test test test test test test test test junk" (m/44'/60'/0'/0/i).
// Account 0 is the consortium operator in dev (MAAS_OPERATOR_KEY in the compose file).
// Their private keys are public knowledge: dev networks only.
const DEV_ACCOUNTS = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65',
  '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
  '0x976EA74026E726554dB657fA54763abd0C3a0aa9',
  '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955',
  '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f',
  '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720',
];
const DEV_BALANCE = '0x21e19e0c9bab2400000'; // 10,000 ether, like anvil

// ---------------------------------------------------------------- self test
function selfTest() {
  // Vector from Besu's QBFT documentation ("Generate extra data"): these four validators, in this
  // order, must give exactly this extraData.
  const docValidators = [
    '0x4592c8e45706cc08b8f44b11e43cba0cfc5892cb',
    '0x06e23768a0f59cf365e18c2e0c89e151bcdedc70',
    '0xc5327f96ee02d7bcbc1bf1236b8c15148971e1de',
    '0xab5e7f4061c605820d3744227eed91ff8e2c8908',
  ];
  const docExtra = '0xf87aa00000000000000000000000000000000000000000000000000000000000000000f854944592c8e45706cc08b8f44b11e43cba0cfc5892cb9406e23768a0f59cf365e18c2e0c89e151bcdedc7094c5327f96ee02d7bcbc1bf1236b8c15148971e1de94ab5e7f4061c605820d3744227eed91ff8e2c8908c080c0';
  assertEq(qbftExtraData(docValidators), docExtra, 'QBFT extraData (Besu docs vector)');
  // Contract-validator-selection example from the same page: no validators.
  assertEq(qbftExtraData([]), '0xe5a00000000000000000000000000000000000000000000000000000000000000000c0c080c0', 'QBFT extraData, no validators');
  // Round trip.
  const decoded = rlpDecode(hexToBytes(strip0x(docExtra)));
  assertEq(decoded.length, 5, 'extraData has 5 fields');
  assertEq(decoded[1].map((v) => `0x${bytesToHex(v)}`).join(','), docValidators.join(','), 'decoded validators');
  // Well-known key -> address (anvil account 0) and EIP-55.
  const pub = secp256k1.getPublicKey(hexToBytes('ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'), false);
  assertEq(checksum(addressOf(pub)), DEV_ACCOUNTS[0], 'address of anvil key 0');
  // Long-string / long-list RLP forms.
  assertEq(bytesToHex(rlpEncode(new Uint8Array(56).fill(0x61))).slice(0, 4), 'b838', 'RLP long string');
  assertEq(bytesToHex(rlpEncode([])), 'c0', 'RLP empty list');
  assertEq(bytesToHex(rlpEncode(new Uint8Array(0))), '80', 'RLP empty string');
  console.log('self-test passed');
}

function assertEq(actual, expected, what) {
  if (actual !== expected) throw new Error(`self-test failed: ${what}\n  expected ${expected}\n  actual   ${actual}`);
}

// ---------------------------------------------------------------- generation
function generate(o) {
  const nodes = [];
  for (let i = 1; i <= o.validators; i++) {
    const priv = privateKeyFor(o, i);
    const pub = secp256k1.getPublicKey(priv, false);
    const ip = `${o.ipPrefix}.${o.firstHost + i - 1}`;
    nodes.push({
      name: `validator${i}`,
      privateKey: `0x${bytesToHex(priv)}`,
      publicKey: `0x${bytesToHex(pub.subarray(1))}`,
      address: addressOf(pub),
      ip,
      enode: `enode://${bytesToHex(pub.subarray(1))}@${ip}:30303`,
    });
  }

  // Besu's documentation asks for the initial validators in ascending order.
  const validatorAddresses = nodes.map((n) => n.address).sort();

  const milestones = {
    homesteadBlock: 0,
    eip150Block: 0,
    eip155Block: 0,
    eip158Block: 0,
    byzantiumBlock: 0,
    constantinopleBlock: 0,
    petersburgBlock: 0,
    istanbulBlock: 0,
    muirGlacierBlock: 0,
    berlinBlock: 0,
    londonBlock: 0,
  };
  if (o.fork === 'shanghai' || o.fork === 'cancun') milestones.shanghaiTime = 0;
  if (o.fork === 'cancun') milestones.cancunTime = 0;

  const alloc = {};
  for (const a of DEV_ACCOUNTS) alloc[strip0x(a).toLowerCase()] = { balance: DEV_BALANCE };

  const genesis = {
    config: {
      chainId: o.chainId,
      ...milestones,
      // Free base fee (London fee market with base fee 0); validators also run --min-gas-price=0.
      zeroBaseFee: true,
      qbft: {
        blockperiodseconds: o.blockPeriod,
        epochlength: o.epochLength,
        requesttimeoutseconds: o.requestTimeout,
      },
    },
    nonce: '0x0',
    timestamp: '0x67000000',
    gasLimit: '0x1c9c380',
    difficulty: '0x1',
    // QBFT/IBFT constant ("...ctical byzantine fault tolerance").
    mixHash: '0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365',
    coinbase: '0x0000000000000000000000000000000000000000',
    baseFeePerGas: '0x0',
    extraData: qbftExtraData(validatorAddresses),
    alloc,
    number: '0x0',
    gasUsed: '0x0',
    parentHash: '0x0000000000000000000000000000000000000000000000000000000000000000',
  };

  const apis = '["ETH","NET","WEB3","QBFT","TXPOOL"]';
  const toml = [
    '# Besu options shared by the four dev validators. GENERATED by generate.mjs: edit that, not this.',
    '# Per-validator options (--p2p-host, --min-gas-price) are on the command line in docker-compose.yml.',
    'genesis-file="/besu/genesis.json"',
    'data-path="/opt/besu/data"',
    'node-private-key-file="/besu/key"',
    'static-nodes-file="/besu/static-nodes.json"',
    `bootnodes=[${nodes.map((n) => `"${n.enode}"`).join(',')}]`,
    'p2p-port=30303',
    'sync-mode="FULL"',
    'revert-reason-enabled=true',
    'rpc-http-enabled=true',
    'rpc-http-host="0.0.0.0"',
    'rpc-http-port=8545',
    `rpc-http-api=${apis}`,
    'host-allowlist=["*"]',
    'rpc-ws-enabled=true',
    'rpc-ws-host="0.0.0.0"',
    'rpc-ws-port=8546',
    `rpc-ws-api=${apis}`,
    'logging="INFO"',
    '',
  ].join('\n');

  const network = {
    generatedBy: 'compose/besu/generate.mjs',
    keys: o.random ? 'random' : `deterministic (seed "${o.seed}")`,
    chainId: o.chainId,
    consensus: 'qbft',
    fork: o.fork,
    blockPeriodSeconds: o.blockPeriod,
    requestTimeoutSeconds: o.requestTimeout,
    validators: nodes.map(({ name, address, ip, enode }) => ({ name, address: checksum(address), ip, enode })),
    prefundedAccounts: DEV_ACCOUNTS,
    operator: DEV_ACCOUNTS[0],
  };

  mkdirSync(o.out, { recursive: true });
  for (const n of nodes) {
    const dir = join(o.out, n.name);
    mkdirSync(dir, { recursive: true });
    // 0644 on purpose: the key is bind-mounted read-only into a container running as uid 1000,
    // which is usually not the owner of the checkout. Dev keys only.
    writeFileSync(join(dir, 'key'), n.privateKey, { mode: 0o644 });
    writeFileSync(join(dir, 'key.pub'), n.publicKey, { mode: 0o644 });
    writeFileSync(join(dir, 'address'), `${checksum(n.address)}\n`, { mode: 0o644 });
  }
  writeFileSync(join(o.out, 'genesis.json'), `${JSON.stringify(genesis, null, 2)}\n`);
  writeFileSync(join(o.out, 'static-nodes.json'), `${JSON.stringify(nodes.map((n) => n.enode), null, 2)}\n`);
  writeFileSync(join(o.out, 'config.toml'), toml);
  writeFileSync(join(o.out, 'network.json'), `${JSON.stringify(network, null, 2)}\n`);

  // Sanity: what we wrote decodes back to the validator set.
  const decoded = rlpDecode(hexToBytes(strip0x(genesis.extraData)));
  const back = decoded[1].map((v) => `0x${bytesToHex(v)}`);
  if (back.join() !== validatorAddresses.join()) throw new Error('extraData does not decode to the validator set');

  console.log(`wrote ${o.out}: genesis.json (chainId ${o.chainId}, ${o.fork}, ${o.blockPeriod}s blocks), static-nodes.json, config.toml, network.json`);
  for (const n of nodes) console.log(`  ${n.name}  ${checksum(n.address)}  ${n.ip}`);
  if (o.random) console.log('  (random keys: the committed dev network was replaced)');
}

try {
  const o = parseArgs(process.argv.slice(2));
  selfTest();
  if (!o.selfTest) generate(o);
} catch (e) {
  console.error(`generate.mjs: ${e.message}`);
  process.exit(1);
}
