#!/usr/bin/env node
// Recompiles a published source bundle for `MaaS.Cli verify contracts` (or anyone checking a deployment).
//
//   node contracts/solidity/verify-compile.mjs < standard-input.json > output.json
//
// Reads a solc standard-JSON input on stdin (sources inline), compiles it with the pinned solc-js from
// tools/node/node_modules and prints one JSON object:
//   { "compiler": "<solc version>",
//     "settingsHash": "0x<sha256 of {"compiler": <version>, "settings": <input settings>} as compact JSON>",
//     "contracts": [ { "file", "name", "deployedBytecode": "0x…", "immutableReferences": [ { "start", "length" } ] } ] }
// The settings hash is computed exactly as compile.mjs computes publication.json's compilerSettingsHash, from the
// settings as published. Only the output selection is widened (runtime code and immutable references); it is not part
// of the contract metadata, so the bytecode is the one the published settings produce. Exit 1 on a compiler error.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(HERE, '../../tools/node/package.json'));
const solc = require('solc');

function fail(msg) {
  console.error(`verify-compile.mjs: ${msg}`);
  process.exit(1);
}

let input;
try {
  input = JSON.parse(readFileSync(0, 'utf8'));
} catch (e) {
  fail(`stdin is not a JSON standard input: ${e.message}`);
}
if (!input || typeof input !== 'object' || !input.sources || !input.settings) fail('the input has no sources or settings');
for (const [path, source] of Object.entries(input.sources)) {
  if (typeof source.content !== 'string') fail(`source ${path} is not inline (resolve its urls first)`);
}

const compiler = solc.version();
const settingsHash = '0x' + createHash('sha256').update(JSON.stringify({ compiler, settings: input.settings }), 'utf8').digest('hex');

const compileInput = {
  ...input,
  settings: {
    ...input.settings,
    outputSelection: { '*': { '*': ['evm.deployedBytecode.object', 'evm.deployedBytecode.immutableReferences'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(compileInput), { import: (p) => ({ error: `imports must be inline: ${p}` }) }));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage || e.message);
  fail(`${errors.length} compiler error(s)`);
}

const contracts = [];
for (const file of Object.keys(output.contracts || {}).sort()) {
  for (const name of Object.keys(output.contracts[file]).sort()) {
    const deployed = output.contracts[file][name].evm.deployedBytecode;
    const immutableReferences = Object.values(deployed.immutableReferences || {})
      .flat()
      .map(({ start, length }) => ({ start, length }))
      .sort((a, b) => a.start - b.start);
    contracts.push({ file, name, deployedBytecode: '0x' + deployed.object, immutableReferences });
  }
}
process.stdout.write(JSON.stringify({ compiler, settingsHash, contracts }) + '\n');
