#!/usr/bin/env node
// Reproducible compilation of the MaaS contracts with the pinned solc-js.
//
//   node contracts/solidity/compile.mjs           compile src/*.sol, write artifacts/
//   node contracts/solidity/compile.mjs --check   recompile in memory, exit 1 if any artifact on disk differs
//
// Outputs (all pretty-printed JSON, stable key order, trailing newline):
//   artifacts/<Name>.json          {contractName, abi, bytecode, deployedBytecode, compiler}
//   artifacts/standard-input.json  the exact Standard-JSON input given to solc (recompile it to verify)
//   artifacts/publication.json     what Consortium.publishContract takes: the CIDv0 of standard-input.json
//                                  (sourceCid = its sha256 digest) and compilerSettingsHash
// Any compiler error or warning fails the run.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, readdirSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(HERE, '../../tools/node/package.json'));
const solc = require('solc');

const SOLC_VERSION = '0.8.37+commit.f401782d.Emscripten.clang';
const CONTRACTS = ['Consortium', 'MachineRegistry', 'Maintenance', 'Invoicing', 'TelemetryAnchor'];
// Pinned compiler settings. cancun: PUSH0/MCOPY/transient opcodes, accepted by anvil 1.7.1's default
// hardfork (Osaka/BPO) and by any Besu/geth network at Cancun or later.
const SETTINGS = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 10000 },
  viaIR: true,
  metadata: { bytecodeHash: 'ipfs', appendCBOR: true },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

function fail(msg) {
  console.error(`compile.mjs: ${msg}`);
  process.exit(1);
}

function stableJson(value) {
  return JSON.stringify(value, null, 2) + '\n';
}

// --- CIDv0 of a single-chunk UnixFS file (what `ipfs add` prints with its defaults) ---
function varint(n) {
  const out = [];
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n >>>= 7; }
  out.push(n);
  return Buffer.from(out);
}
function unixFsBlock(data) {
  if (data.length > 262144) fail(`standard-input.json is ${data.length} bytes, more than one UnixFS chunk`);
  const inner = data.length === 0
    ? Buffer.from([0x08, 0x02, 0x18, 0x00])
    : Buffer.concat([Buffer.from([0x08, 0x02, 0x12]), varint(data.length), data, Buffer.from([0x18]), varint(data.length)]);
  return Buffer.concat([Buffer.from([0x0a]), varint(inner.length), inner]);
}
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(buf) {
  let n = BigInt('0x' + buf.toString('hex'));
  let s = '';
  while (n > 0n) { s = B58[Number(n % 58n)] + s; n /= 58n; }
  for (const b of buf) { if (b !== 0) break; s = '1' + s; }
  return s;
}
const sha256 = (b) => createHash('sha256').update(b).digest();

function build() {
  const actual = solc.version();
  if (actual !== SOLC_VERSION) fail(`solc-js is ${actual}, expected ${SOLC_VERSION}`);

  const srcDir = join(HERE, 'src');
  const files = readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort();
  const sources = {};
  for (const f of files) sources[`src/${f}`] = { content: readFileSync(join(srcDir, f), 'utf8') };
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const inputText = stableJson(input);

  const output = JSON.parse(solc.compile(inputText, { import: (p) => ({ error: `imports must be in src/: ${p}` }) }));
  const problems = (output.errors || []).filter((e) => e.severity !== 'info');
  for (const e of output.errors || []) console.error(e.formattedMessage || e.message);
  if (problems.length) fail(`${problems.length} compiler error(s)/warning(s)`);

  const out = new Map();
  out.set('standard-input.json', inputText);
  for (const name of CONTRACTS) {
    const unit = output.contracts[`src/${name}.sol`];
    const c = unit && unit[name];
    if (!c) fail(`contract ${name} not found in src/${name}.sol`);
    const deployed = c.evm.deployedBytecode.object;
    if (deployed.length / 2 > 24576) fail(`${name} runtime code is ${deployed.length / 2} bytes (> 24,576, EIP-170)`);
    out.set(`${name}.json`, stableJson({
      contractName: name,
      abi: c.abi,
      bytecode: '0x' + c.evm.bytecode.object,
      deployedBytecode: '0x' + deployed,
      compiler: {
        version: actual,
        evmVersion: SETTINGS.evmVersion,
        optimizer: { enabled: SETTINGS.optimizer.enabled, runs: SETTINGS.optimizer.runs },
        viaIR: SETTINGS.viaIR,
      },
    }));
  }

  const inputBytes = Buffer.from(inputText, 'utf8');
  const digest = sha256(unixFsBlock(inputBytes));
  const settingsCanonical = JSON.stringify({ compiler: actual, settings: SETTINGS });
  out.set('publication.json', stableJson({
    sourceFile: 'standard-input.json',
    sourceBytes: inputBytes.length,
    sourceCidV0: base58(Buffer.concat([Buffer.from([0x12, 0x20]), digest])),
    sourceCid: '0x' + digest.toString('hex'),
    compilerSettings: settingsCanonical,
    compilerSettingsHash: '0x' + sha256(Buffer.from(settingsCanonical, 'utf8')).toString('hex'),
    contracts: Object.fromEntries(CONTRACTS.map((n) => [n, {
      runtimeBytes: output.contracts[`src/${n}.sol`][n].evm.deployedBytecode.object.length / 2,
    }])),
  }));
  return out;
}

const check = process.argv.includes('--check');
const artifactsDir = join(HERE, 'artifacts');
const built = build();

if (check) {
  const differing = [];
  for (const [file, text] of built) {
    const path = join(artifactsDir, file);
    if (!existsSync(path)) differing.push(`${file} (missing)`);
    else if (readFileSync(path, 'utf8') !== text) differing.push(file);
  }
  const expected = new Set(built.keys());
  for (const f of existsSync(artifactsDir) ? readdirSync(artifactsDir) : []) {
    if (f.endsWith('.json') && !expected.has(f)) differing.push(`${f} (not produced by this compiler run)`);
  }
  if (differing.length) {
    console.error(`compile.mjs --check: ${differing.length} artifact(s) differ from a fresh compilation:`);
    for (const d of differing) console.error(`  artifacts/${d}`);
    process.exit(1);
  }
  console.log(`compile.mjs --check: ${built.size} artifacts match a fresh compilation (solc ${solc.version()})`);
} else {
  mkdirSync(artifactsDir, { recursive: true });
  for (const [file, text] of built) writeFileSync(join(artifactsDir, file), text);
  const pub = JSON.parse(built.get('publication.json'));
  for (const n of CONTRACTS) console.log(`  ${n.padEnd(16)} ${String(pub.contracts[n].runtimeBytes).padStart(6)} bytes runtime`);
  console.log(`  sourceCid ${pub.sourceCidV0} (${pub.sourceCid})`);
  console.log(`compiled ${CONTRACTS.length} contracts with solc ${solc.version()} → ${artifactsDir}`);
}
