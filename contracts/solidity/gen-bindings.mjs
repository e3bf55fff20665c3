#!/usr/bin/env node
// Typed Nethereum bindings generated from the compiled artifacts (no dependencies).
//
//   node contracts/solidity/gen-bindings.mjs           write contracts/MaaS.Chain/Contracts/Generated/<Name>.g.cs
//   node contracts/solidity/gen-bindings.mjs --check   regenerate in memory, exit 1 if any file on disk differs
//   --out DIR                                          another output directory (tests generate into a temporary one)
//
// One file and one namespace per contract (MaaS.Chain.Contracts.Generated.<Name>), holding:
//   <Name>Deployment           ContractDeploymentMessage with the constructor parameters (bytecode from the embedded artifact)
//   <Fn>Function               [Function] FunctionMessage per function, [Parameter] properties in ABI order
//   <Fn>OutputDTO              [FunctionOutput] DTO for every function that returns something
//   <Ev>EventDTO               [Event] IEventDTO per event, indexed parameters marked
//   <Err>Error                 [Error] IErrorDTO per custom error
//   <Struct>                   [Struct] class per tuple type (named after its Solidity struct)
//   <Name>Abi                  the contract name and the lists of its event and error types
// The output depends only on the ABI: members are sorted by name (then signature), text is LF with a final newline.
import { readFileSync, writeFileSync, readdirSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTRACTS = ['Consortium', 'Invoicing', 'MachineRegistry', 'Maintenance', 'TelemetryAnchor'];
const ARTIFACTS = join(HERE, 'artifacts');
const outIndex = process.argv.indexOf('--out');
if (outIndex >= 0 && !process.argv[outIndex + 1]) fail('--out needs a directory');
const OUT = outIndex >= 0 ? resolve(process.argv[outIndex + 1]) : join(HERE, '../MaaS.Chain/Contracts/Generated');
const NAMESPACE = 'MaaS.Chain.Contracts.Generated';

function fail(msg) {
  console.error(`gen-bindings.mjs: ${msg}`);
  process.exit(1);
}

const byString = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

function pascal(name) {
  const trimmed = name.replace(/^_+|_+$/g, '');
  if (!trimmed) return '';
  return trimmed
    .split(/_+/)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

// Canonical ABI type of a parameter: tuples expanded, as in signatures.
function canonical(p) {
  if (p.type.startsWith('tuple')) return `(${p.components.map(canonical).join(',')})${p.type.slice('tuple'.length)}`;
  return p.type;
}
const signature = (item) => `${item.name}(${(item.inputs || []).map(canonical).join(',')})`;

function structName(p) {
  // internalType "struct Maintenance.AuctionParams" or "struct AuctionParams[]"
  const m = /^struct\s+(?:[A-Za-z0-9_]+\.)?([A-Za-z0-9_]+)/.exec(p.internalType || '');
  if (!m) fail(`tuple parameter '${p.name}' has no struct name (internalType ${p.internalType})`);
  return m[1];
}

function csType(p, structs) {
  const array = /^(.*?)(\[\d*\])$/.exec(p.type);
  if (array) {
    const element = { ...p, type: array[1], internalType: (p.internalType || '').replace(/\[\d*\]$/, '') };
    return `List<${csType(element, structs)}>`;
  }
  if (p.type === 'tuple') {
    const name = structName(p);
    const fields = p.components;
    const previous = structs.get(name);
    if (previous && JSON.stringify(previous.map(canonical)) !== JSON.stringify(fields.map(canonical)))
      fail(`two different structs named ${name}`);
    structs.set(name, fields);
    return name;
  }
  if (p.type === 'address' || p.type === 'string') return 'string';
  if (p.type === 'bool') return 'bool';
  if (p.type === 'bytes' || /^bytes\d+$/.test(p.type)) return 'byte[]';
  const int = /^(u?)int(\d*)$/.exec(p.type);
  if (int) {
    const bits = Number(int[2] || 256);
    const unsigned = int[1] === 'u';
    if (bits <= 8) return unsigned ? 'byte' : 'sbyte';
    if (bits <= 16) return unsigned ? 'ushort' : 'short';
    if (bits <= 32) return unsigned ? 'uint' : 'int';
    if (bits <= 64) return unsigned ? 'ulong' : 'long';
    return 'BigInteger';
  }
  fail(`unsupported ABI type ${p.type}`);
}

const isReference = (type) => type === 'string' || type === 'byte[]' || type.startsWith('List<') || /^[A-Z]/.test(type) && type !== 'BigInteger';
const initializer = (type) => (isReference(type) ? ' = null!;' : '');

// ABI parameter type as Nethereum's [Parameter] wants it: "tuple" (or "tuple[]") for structs.
const attributeType = (p) => p.type;

function properties(params, structs, { unnamed, indexed = false }) {
  const used = new Set();
  return params.map((p, i) => {
    let name = pascal(p.name) || `${unnamed}${i + 1}`;
    if (used.has(name)) name = `${name}${i + 1}`;
    used.add(name);
    const type = csType(p, structs);
    const flag = indexed ? `, ${p.indexed ? 'true' : 'false'}` : '';
    return [
      `    [Parameter("${attributeType(p)}", "${p.name}", ${i + 1}${flag})]`,
      `    public ${type} ${name} { get; set; }${initializer(type)}`,
    ].join('\n');
  });
}

function block(lines) {
  return lines.length ? lines.join('\n\n') : '';
}

function classText(doc, attributes, header, body) {
  const out = [];
  if (doc) out.push(`/// <summary>${doc}</summary>`);
  out.push(...attributes, header, '{');
  if (body) out.push(body);
  out.push('}');
  return out.join('\n');
}

// Overloads get a number after the name (by signature order); the ABIs here have none.
function memberNames(items) {
  const groups = new Map();
  for (const item of items) {
    if (!groups.has(item.name)) groups.set(item.name, []);
    groups.get(item.name).push(item);
  }
  const named = [];
  for (const [name, group] of groups) {
    group.sort((a, b) => byString(signature(a), signature(b)));
    group.forEach((item, i) => named.push({ item, className: pascal(name) + (group.length > 1 && i > 0 ? String(i) : '') }));
  }
  return named.sort((a, b) => byString(a.className, b.className) || byString(signature(a.item), signature(b.item)));
}

function generate(name) {
  const path = join(ARTIFACTS, `${name}.json`);
  if (!existsSync(path)) fail(`missing artifact ${path} (run compile.mjs)`);
  const artifact = JSON.parse(readFileSync(path, 'utf8'));
  if (artifact.contractName !== name) fail(`${path} names contract ${artifact.contractName}`);
  const abi = artifact.abi;
  const structs = new Map();
  const classes = [];

  const ctor = abi.find((e) => e.type === 'constructor') || { inputs: [], stateMutability: 'nonpayable' };
  classes.push(classText(
    `Deploys ${name}: <c>constructor(${ctor.inputs.map(canonical).join(',')})</c>, bytecode from the embedded artifact.`,
    [],
    `public partial class ${name}Deployment : ContractDeploymentMessage`,
    [
      `    public ${name}Deployment()\n        : base(ContractArtifact.Load("${name}").Bytecode)\n    {\n    }`,
      ...properties(ctor.inputs, structs, { unnamed: 'Arg' }),
    ].join('\n\n')));

  for (const { item: fn, className } of memberNames(abi.filter((e) => e.type === 'function'))) {
    const outputs = fn.outputs || [];
    const doc = `<c>${signature(fn)}</c> ${fn.stateMutability}` + (outputs.length ? ` → <c>(${outputs.map(canonical).join(',')})</c>` : '');
    let attribute = `[Function("${fn.name}")]`;
    if (outputs.length === 1 && !outputs[0].type.startsWith('tuple')) attribute = `[Function("${fn.name}", "${outputs[0].type}")]`;
    else if (outputs.length) attribute = `[Function("${fn.name}", typeof(${className}OutputDTO))]`;
    classes.push(classText(doc, [attribute], `public partial class ${className}Function : FunctionMessage`,
      block(properties(fn.inputs, structs, { unnamed: 'Arg' }))));
    if (outputs.length) {
      classes.push(classText(`What <c>${fn.name}</c> returns.`, ['[FunctionOutput]'],
        `public partial class ${className}OutputDTO : IFunctionOutputDTO`,
        block(properties(outputs, structs, { unnamed: 'ReturnValue' }))));
    }
  }

  const events = memberNames(abi.filter((e) => e.type === 'event'));
  for (const { item: ev, className } of events) {
    const indexed = ev.inputs.filter((p) => p.indexed).map((p) => p.name || '?');
    const doc = `Event <c>${signature(ev)}</c>` + (indexed.length ? `, indexed: ${indexed.join(', ')}` : '') + '.';
    classes.push(classText(doc, [ev.anonymous ? `[Event("${ev.name}", true)]` : `[Event("${ev.name}")]`],
      `public partial class ${className}EventDTO : IEventDTO`,
      block(properties(ev.inputs, structs, { unnamed: 'Arg', indexed: true }))));
  }

  const errors = memberNames(abi.filter((e) => e.type === 'error'));
  for (const { item: err, className } of errors) {
    classes.push(classText(`Custom error <c>${signature(err)}</c>.`, [`[Error("${err.name}")]`],
      `public partial class ${className}Error : IErrorDTO`,
      block(properties(err.inputs, structs, { unnamed: 'Arg' }))));
  }

  // Structs are discovered while typing parameters; a struct's own fields may name further structs.
  const emitted = new Set();
  const structClasses = [];
  while (emitted.size < structs.size) {
    for (const structNameKey of [...structs.keys()].sort(byString)) {
      if (emitted.has(structNameKey)) continue;
      emitted.add(structNameKey);
      const fields = structs.get(structNameKey);
      structClasses.push([structNameKey, classText(`Solidity struct <c>${structNameKey}(${fields.map(canonical).join(',')})</c>.`,
        [`[Struct("${structNameKey}")]`], `public partial class ${structNameKey}`,
        block(properties(fields, structs, { unnamed: 'Field' })))]);
    }
  }
  structClasses.sort((a, b) => byString(a[0], b[0]));
  classes.push(...structClasses.map(([, text]) => text));

  const typeList = (items, suffix) => (items.length
    ? `[\n${items.map(({ className }) => `        typeof(${className}${suffix}),`).join('\n')}\n    ]`
    : '[]');
  classes.push(classText(`The ${name} ABI at a glance: its event and custom error types.`, [],
    `public static class ${name}Abi`,
    [
      `    public const string ContractName = "${name}";`,
      `    public static IReadOnlyList<Type> Events { get; } = ${typeList(events, 'EventDTO')};`,
      `    public static IReadOnlyList<Type> Errors { get; } = ${typeList(errors, 'Error')};`,
    ].join('\n\n')));

  const text = classes.join('\n\n');
  const usings = ['MaaS.Chain.Artifacts', 'Nethereum.ABI.FunctionEncoding.Attributes', 'Nethereum.Contracts'];
  if (/\bBigInteger\b/.test(text)) usings.unshift('System.Numerics');
  return [
    `// <auto-generated> by contracts/solidity/gen-bindings.mjs from artifacts/${name}.json — do not edit`,
    '#nullable enable',
    '',
    ...usings.map((u) => `using ${u};`),
    '',
    `namespace ${NAMESPACE}.${name};`,
    '',
    text,
    '',
  ].join('\n');
}

const check = process.argv.includes('--check');
const generated = new Map(CONTRACTS.map((n) => [`${n}.g.cs`, generate(n)]));

if (check) {
  const differing = [];
  for (const [file, text] of generated) {
    const path = join(OUT, file);
    if (!existsSync(path)) differing.push(`${file} (missing)`);
    else if (readFileSync(path, 'utf8') !== text) differing.push(file);
  }
  for (const f of existsSync(OUT) ? readdirSync(OUT) : []) {
    if (!generated.has(f)) differing.push(`${f} (not produced by the generator)`);
  }
  if (differing.length) {
    console.error(`gen-bindings.mjs --check: ${differing.length} file(s) differ from a fresh generation:`);
    for (const d of differing) console.error(`  ${join(OUT, d)}`);
    process.exit(1);
  }
  console.log(`gen-bindings.mjs --check: ${generated.size} binding files match a fresh generation`);
} else {
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (!generated.has(f)) rmSync(join(OUT, f));
  for (const [file, text] of generated) writeFileSync(join(OUT, file), text);
  console.log(`generated ${generated.size} binding files → ${OUT}`);
}
