// Small helpers shared by gas-report.mjs and test/checks.mjs: a private anvil, JSON-RPC, a minimal ABI
// codec (static types and `bytes`), deployment from artifacts/, and cast wrappers.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SOLIDITY_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const NODE_DIR = join(SOLIDITY_DIR, '../../tools/node');
export const ANVIL = join(NODE_DIR, 'node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil');
export const CAST = join(NODE_DIR, 'node_modules/@foundry-rs/cast-linux-amd64/bin/cast');
const require = createRequire(join(NODE_DIR, 'package.json'));
const { keccak256: keccakHex } = require('js-sha3');

export const keccak = (data) => '0x' + keccakHex(typeof data === 'string' ? data : Buffer.from(data));
export const keccakHexBytes = (hex) => '0x' + keccakHex(Buffer.from(strip(hex), 'hex'));
const strip = (h) => (h.startsWith('0x') ? h.slice(2) : h);
const pad32 = (h) => strip(h).padStart(64, '0');

// ------------------------------------------------------------------ anvil and JSON-RPC

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

export async function startAnvil(extraArgs = []) {
  const port = await freePort();
  const proc = spawn(ANVIL, ['--host', '127.0.0.1', '--port', String(port), '--silent', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const chain = new Chain(url);
  for (let i = 0; i < 100; i++) {
    try { await chain.rpc('eth_chainId', []); break; } catch { await new Promise((r) => setTimeout(r, 50)); }
    if (i === 99) throw new Error('anvil did not start');
  }
  chain.stop = () => new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
  chain.pid = proc.pid;
  return chain;
}

export class RpcError extends Error {
  constructor(method, err) {
    super(`${method}: ${err.message}`);
    this.code = err.code;
    this.data = typeof err.data === 'string' ? err.data : err.data?.data;
  }
}

export class Chain {
  constructor(url) { this.url = url; this.id = 0; this.abis = []; }

  async rpc(method, params) {
    const request = () => fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }),
    });
    let res;
    try {
      res = await request();
    } catch (e) {
      // A kept-alive socket that the node closed while this process was blocked (e.g. in a cast call):
      // the request never reached the node, so sending it again is safe.
      if (e.cause?.code !== 'ECONNRESET' && e.cause?.code !== 'UND_ERR_SOCKET') throw e;
      res = await request();
    }
    const body = await res.json();
    if (body.error) throw new RpcError(method, body.error);
    return body.result;
  }

  async accounts() { return this.rpc('eth_accounts', []); }
  async mine(blocks = 1) { return this.rpc('anvil_mine', ['0x' + blocks.toString(16)]); }
  async increaseTime(seconds) { await this.rpc('evm_increaseTime', [seconds]); return this.mine(1); }
  async blockNumber() { return Number(await this.rpc('eth_blockNumber', [])); }

  /** Sends a transaction from an unlocked anvil account; returns the receipt (status checked unless allowFail). */
  async sendRaw(from, to, data, { value = 0n, gas, allowFail = false } = {}) {
    const tx = { from, data, value: '0x' + BigInt(value).toString(16) };
    if (to) tx.to = to;
    if (gas) tx.gas = '0x' + gas.toString(16);
    if (allowFail) {
      try {
        await this.rpc('eth_call', [tx, 'latest']);
      } catch (e) {
        return { status: '0x0', revertData: e.data, error: e };
      }
    }
    let hash;
    try {
      hash = await this.rpc('eth_sendTransaction', [tx]);
    } catch (e) {
      if (allowFail) return { status: '0x0', revertData: e.data, error: e };
      e.message += ` [${this.decodeError(e.data)}]`;
      throw e;
    }
    let receipt = await this.rpc('eth_getTransactionReceipt', [hash]);
    for (let i = 0; !receipt && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 10));
      receipt = await this.rpc('eth_getTransactionReceipt', [hash]);
    }
    if (!receipt) throw new Error(`no receipt for ${hash}`);
    receipt.gas = Number(receipt.gasUsed);
    receipt.input = data;
    if (receipt.status !== '0x1' && !allowFail) {
      let reason = 'no revert data';
      try {
        await this.rpc('eth_call', [tx, '0x' + (Number(receipt.blockNumber) - 1).toString(16)]);
      } catch (e) { reason = this.decodeError(e.data); }
      throw new Error(`tx ${hash} reverted: ${reason}`);
    }
    return receipt;
  }

  register(abi) { this.abis.push(abi); }

  decodeError(data) {
    if (!data || data.length < 10) return `no revert data (${data})`;
    const sel = data.slice(0, 10);
    for (const abi of this.abis) {
      for (const e of abi.filter((x) => x.type === 'error')) {
        if (selector(e) === sel) return e.name;
      }
    }
    return `unknown error ${sel}`;
  }
}

// ------------------------------------------------------------------ ABI codec (static types and bytes)

const canonical = (p) => (p.type === 'tuple' ? `(${p.components.map(canonical).join(',')})` : p.type);
export function signature(item) { return `${item.name}(${item.inputs.map(canonical).join(',')})`; }
// Static tuples are encoded inline: flatten them into their components.
function flatten(params, values) {
  const types = []; const vals = [];
  params.forEach((p, i) => {
    if (p.type === 'tuple') {
      const sub = flatten(p.components, Array.isArray(values[i]) ? values[i] : p.components.map((c) => values[i][c.name]));
      types.push(...sub.types); vals.push(...sub.vals);
    } else { types.push(p.type); vals.push(values[i]); }
  });
  return { types, vals };
}
export function selector(item) { return keccak(signature(item)).slice(0, 10); }

function encodeStatic(type, v) {
  if (type === 'address') return pad32(v.toLowerCase());
  if (type === 'bool') return pad32(v ? '1' : '0');
  if (type.startsWith('bytes')) return strip(v).padEnd(64, '0');
  if (type.startsWith('uint')) return BigInt(v).toString(16).padStart(64, '0');
  throw new Error(`unsupported type ${type}`);
}

export function encodeParams(types, values) {
  const head = []; const tail = [];
  const headSize = 32 * types.length;
  types.forEach((t, i) => {
    if (t === 'bytes') {
      const b = strip(values[i]);
      head.push((headSize + tail.join('').length / 2).toString(16).padStart(64, '0'));
      tail.push((b.length / 2).toString(16).padStart(64, '0') + b.padEnd(Math.ceil(b.length / 64) * 64, '0'));
    } else head.push(encodeStatic(t, values[i]));
  });
  return head.join('') + tail.join('');
}

function decodeStatic(type, word) {
  if (type === 'address') return '0x' + word.slice(24);
  if (type === 'bool') return word.endsWith('1');
  if (type.startsWith('bytes')) return '0x' + word.slice(0, Number(type.slice(5)) * 2);
  if (type.startsWith('uint')) return BigInt('0x' + word);
  throw new Error(`unsupported type ${type}`);
}

export class Contract {
  constructor(chain, name, address, abi) {
    Object.assign(this, { chain, name, address, abi });
    chain.register(abi);
  }
  fn(name) {
    const f = this.abi.find((x) => x.type === 'function' && x.name === name);
    if (!f) throw new Error(`${this.name}.${name} not in ABI`);
    return f;
  }
  calldata(name, args) {
    const f = this.fn(name);
    const { types, vals } = flatten(f.inputs, args);
    return selector(f) + encodeParams(types, vals);
  }
  async send(from, name, args = [], opts = {}) {
    return this.chain.sendRaw(from, this.address, this.calldata(name, args), opts);
  }
  async call(name, args = [], from) {
    const f = this.fn(name);
    const out = strip(await this.chain.rpc('eth_call', [{ to: this.address, from, data: this.calldata(name, args) }, 'latest']));
    const vals = f.outputs.map((o, i) => decodeStatic(o.type, out.slice(i * 64, i * 64 + 64)));
    return vals.length === 1 ? vals[0] : vals;
  }
}

export function artifact(name) {
  return JSON.parse(readFileSync(join(SOLIDITY_DIR, 'artifacts', `${name}.json`), 'utf8'));
}

export async function deploy(chain, name, from, ctorTypes = [], ctorArgs = []) {
  const a = artifact(name);
  const receipt = await chain.sendRaw(from, null, a.bytecode + encodeParams(ctorTypes, ctorArgs));
  const c = new Contract(chain, name, receipt.contractAddress, a.abi);
  c.deployReceipt = receipt;
  return c;
}

/** Deploys and wires the five contracts: Consortium → MachineRegistry → Invoicing, Maintenance, TelemetryAnchor. */
export async function deployAll(chain, operator) {
  const consortium = await deploy(chain, 'Consortium', operator);
  const registry = await deploy(chain, 'MachineRegistry', operator, ['address'], [consortium.address]);
  const invoicing = await deploy(chain, 'Invoicing', operator, ['address'], [registry.address]);
  const maintenance = await deploy(chain, 'Maintenance', operator, ['address', 'address'], [consortium.address, registry.address]);
  const anchor = await deploy(chain, 'TelemetryAnchor', operator, ['address'], [consortium.address]);
  const wiring = await registry.send(operator, 'setModules', [invoicing.address, maintenance.address]);
  return { consortium, registry, invoicing, maintenance, anchor, wiring };
}

// ------------------------------------------------------------------ cast

export function cast(args) {
  return execFileSync(CAST, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A fresh one-time key: { address, privateKey } (cast wallet new). */
export function newWallet() {
  const out = cast(['wallet', 'new']);
  return {
    address: out.match(/Address:\s+(0x[0-9a-fA-F]{40})/)[1],
    privateKey: out.match(/Private key:\s+(0x[0-9a-fA-F]{64})/)[1],
  };
}

/** EIP-191 personal-message signature of 32 raw bytes (cast wallet sign decodes 0x-hex messages). */
export function signHash(privateKey, hash32) {
  return cast(['wallet', 'sign', '--private-key', privateKey, hash32]);
}

/** EIP-7623 floor for a transaction's calldata: 21000 + 10 × (zero bytes + 4 × non-zero bytes). */
export function calldataFloor(inputHex) {
  const b = Buffer.from(strip(inputHex), 'hex');
  let tokens = 0;
  for (const x of b) tokens += x === 0 ? 1 : 4;
  return 21000 + 10 * tokens;
}

/** Intrinsic calldata cost: 4 per zero byte, 16 per non-zero byte. */
export function calldataCost(inputHex) {
  const b = Buffer.from(strip(inputHex), 'hex');
  let g = 0;
  for (const x of b) g += x === 0 ? 4 : 16;
  return g;
}

/** A machine id shaped like the service's: a random UUID in the low 16 bytes of a bytes32. */
export function uuidId() {
  const b = Buffer.alloc(32);
  for (let i = 16; i < 32; i++) b[i] = 1 + Math.floor(Math.random() * 255);
  return '0x' + b.toString('hex');
}

export function randomBytes32() {
  const b = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) b[i] = 1 + Math.floor(Math.random() * 255);
  return '0x' + b.toString('hex');
}

export const b32 = (s) => '0x' + Buffer.from(s, 'utf8').toString('hex').padEnd(64, '0');
