#!/usr/bin/env node
// Role and state checks of the five contracts, exercised through `cast` against a private anvil.
//
//   node contracts/solidity/compile.mjs && node contracts/solidity/test/checks.mjs
//
// Every negative case is a `cast call --from <account> <contract> "<signature>" <args>` that must revert
// with the named custom error (decoded from the revert data with the contracts' ABIs). Positive
// transitions between the cases are sent as ordinary transactions. At the end a static scan of src/*.sol
// lists, for every external function, the custom errors it can revert with (directly, through internal
// functions or modifiers) and fails if one of them was never observed. Exit code 0 only if all passed.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  startAnvil, deployAll, deploy, newWallet, signHash, uuidId, randomBytes32, b32, cast, artifact, signature,
  encodeParams, SOLIDITY_DIR,
} from '../scripts/lib.mjs';

const ZERO = '0x0000000000000000000000000000000000000000';
const ZERO32 = '0x' + '00'.repeat(32);
const ROLE = { OEM: 1, CUSTOMER: 2, MAINTAINER: 4 };
const ALL_REGIONS = 65535;

const chain = await startAnvil();
const results = [];
let failed = 0;

function castArg(v) {
  if (Array.isArray(v)) return `(${v.map(castArg).join(',')})`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

function revertOf(args) {
  try {
    cast(args);
    return 'no revert';
  } catch (e) {
    const text = `${e.stderr || ''}${e.stdout || ''}`;
    const m = text.match(/data: "(0x[0-9a-fA-F]*)"/);
    return m ? chain.decodeError(m[1]) : `revert without data (${text.trim().split('\n').pop()})`;
  }
}

function report(contract, fn, error, got, note) {
  const ok = got === error;
  if (!ok) failed++;
  results.push({ contract, fn, error, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${contract}.${fn} → ${error}${ok ? '' : ` (got ${got})`}${note ? `  [${note}]` : ''}`);
}

/** cast call from `from`; must revert with `error`. */
function expectRevert(contract, from, fn, args, error, note) {
  const got = revertOf(['call', '--rpc-url', chain.url, '--from', from, contract.address,
    signature(contract.fn(fn)), ...args.map(castArg)]);
  report(contract.name, fn, error, got, note);
}

/** cast call --create: the constructor must revert with `error`. */
function expectConstructorRevert(name, types, args, error) {
  const code = artifact(name).bytecode + encodeParams(types, args);
  const got = revertOf(['call', '--rpc-url', chain.url, '--create', code]);
  report(name, 'constructor', error, got);
}

function check(cond, what) {
  if (!cond) failed++;
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
}

try {
  const accts = await chain.accounts();
  const [op, oem, cust, mA, mB, mC, anchorer, outsider, oem2, cust2] = accts;
  const c = await deployAll(chain, op);
  const { consortium: con, registry: reg, invoicing: inv, maintenance: mnt, anchor } = c;
  const now = async () => Number((await chain.rpc('eth_getBlockByNumber', ['latest', false])).timestamp);

  async function invite(roles, expiresIn = 86400) {
    const key = newWallet();
    await con.send(op, 'createInvitation', [key.address, roles, (await now()) + expiresIn]);
    return key;
  }
  async function redeemSig(key, account) {
    return signHash(key.privateKey, await con.call('redemptionHash', [account]));
  }
  async function enroll(account, roles) {
    const key = await invite(roles);
    await con.send(account, 'redeemInvitation', [await redeemSig(key, account)]);
  }

  // ================================================================ constructors
  expectConstructorRevert('MachineRegistry', ['address'], [ZERO], 'ZeroAddress');
  expectConstructorRevert('Invoicing', ['address'], [ZERO], 'ZeroAddress');
  expectConstructorRevert('Maintenance', ['address', 'address'], [ZERO, reg.address], 'ZeroAddress');
  expectConstructorRevert('TelemetryAnchor', ['address'], [ZERO], 'ZeroAddress');

  // ================================================================ Consortium: operator
  expectRevert(con, outsider, 'transferOperator', [outsider], 'NotOperator');
  await con.send(op, 'transferOperator', [oem2]);
  expectRevert(con, outsider, 'acceptOperator', [], 'NotPendingOperator');
  await con.send(oem2, 'acceptOperator', []);
  check((await con.call('operator')).toLowerCase() === oem2.toLowerCase(), 'operator transferred in two steps');
  await con.send(oem2, 'transferOperator', [op]);
  await con.send(op, 'acceptOperator', []);

  // ================================================================ Consortium: invitations
  const k1 = newWallet();
  const exp = (await now()) + 86400;
  expectRevert(con, outsider, 'createInvitation', [k1.address, ROLE.OEM, exp], 'NotOperator');
  expectRevert(con, op, 'createInvitation', [ZERO, ROLE.OEM, exp], 'ZeroAddress');
  expectRevert(con, op, 'createInvitation', [k1.address, 0, exp], 'InvalidRoles', 'no role');
  expectRevert(con, op, 'createInvitation', [k1.address, 8, exp], 'InvalidRoles', 'unknown bit');
  expectRevert(con, op, 'createInvitation', [k1.address, ROLE.OEM, 1], 'InvalidExpiry');
  await con.send(op, 'createInvitation', [k1.address, ROLE.OEM, exp]);
  expectRevert(con, op, 'createInvitation', [k1.address, ROLE.OEM, exp], 'InvitationExists');
  expectRevert(con, outsider, 'cancelInvitation', [k1.address], 'NotOperator');
  await con.send(op, 'cancelInvitation', [k1.address]);
  expectRevert(con, op, 'cancelInvitation', [k1.address], 'InvitationNotFound');
  check((await con.call('invitationInfo', [k1.address]))[0] === 0n, 'cancelled invitation is gone');

  // redemption: front-running, malformed and replayed signatures
  const kOem = await invite(ROLE.OEM);
  const sigOem = await redeemSig(kOem, oem);
  expectRevert(con, outsider, 'redeemInvitation', [sigOem], 'InvitationNotFound', 'front-runner replays the OEM\'s signature');
  expectRevert(con, oem, 'redeemInvitation', [sigOem.slice(0, 130)], 'InvalidSignature', '64 bytes');
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const sBig = BigInt('0x' + sigOem.slice(66, 130));
  const highS = '0x' + sigOem.slice(2, 66) + (n - sBig).toString(16).padStart(64, '0') + (sigOem.slice(130) === '1b' ? '1c' : '1b');
  expectRevert(con, oem, 'redeemInvitation', [highS], 'InvalidSignature', 'malleated (high s)');
  expectRevert(con, oem, 'redeemInvitation', [sigOem.slice(0, 130) + '05'], 'InvalidSignature', 'bad v');
  expectRevert(con, oem, 'redeemInvitation', ['0x' + '00'.repeat(32) + '00'.repeat(31) + '01' + '1b'], 'InvalidSignature', 'ecrecover → 0');
  await con.send(oem, 'redeemInvitation', [sigOem]);
  check(await con.call('hasRole', [oem, ROLE.OEM]), 'OEM joined with its own signature');
  expectRevert(con, oem, 'redeemInvitation', [sigOem], 'InvitationNotFound', 'redeemed once only');
  const kAgain = await invite(ROLE.CUSTOMER);
  expectRevert(con, oem, 'redeemInvitation', [await redeemSig(kAgain, oem)], 'AlreadyMember');
  const kLate = await invite(ROLE.CUSTOMER, 100);
  await chain.increaseTime(200);
  expectRevert(con, cust, 'redeemInvitation', [await redeemSig(kLate, cust)], 'InvitationExpired');

  await enroll(cust, ROLE.CUSTOMER);
  await enroll(mA, ROLE.MAINTAINER);
  await enroll(mB, ROLE.MAINTAINER);
  await enroll(mC, ROLE.MAINTAINER);
  await enroll(oem2, ROLE.OEM | ROLE.MAINTAINER);
  await enroll(cust2, ROLE.CUSTOMER);

  // ================================================================ Consortium: members
  expectRevert(con, outsider, 'setMemberRoles', [cust2, ROLE.CUSTOMER], 'NotOperator');
  expectRevert(con, op, 'setMemberRoles', [outsider, ROLE.CUSTOMER], 'NotMember');
  expectRevert(con, op, 'setMemberRoles', [cust2, 0], 'InvalidRoles');
  await con.send(op, 'setMemberRoles', [cust2, ROLE.CUSTOMER | ROLE.OEM]);
  check((await con.call('memberInfo', [cust2]))[0] === 3n, 'roles replaced');
  await con.send(op, 'setMemberRoles', [cust2, ROLE.CUSTOMER]);
  expectRevert(con, outsider, 'revokeMember', [cust2], 'NotOperator');
  expectRevert(con, op, 'revokeMember', [outsider], 'NotMember');

  // ================================================================ Consortium: accreditation
  const model = b32('PRESS-4000');
  const region = 33;
  const bigRegion = 4242; // beyond the bitmap: stored in its own word
  expectRevert(con, cust, 'accredit', [model, region, mA], 'NotOEM');
  expectRevert(con, oem, 'accredit', [model, region, cust], 'NotMaintainer');
  expectRevert(con, oem, 'accredit', [ZERO32, region, mA], 'InvalidModel');
  await con.send(oem, 'accredit', [model, region, mA]);
  await con.send(oem, 'accredit', [model, ALL_REGIONS, mB]);
  await con.send(oem, 'accredit', [model, bigRegion, mC]);
  expectRevert(con, oem, 'accredit', [model, region, mA], 'AlreadyAccredited');
  expectRevert(con, oem, 'withdrawAccreditation', [model, region, mC], 'NotAccredited');
  expectRevert(con, oem2, 'withdrawAccreditation', [model, region, mA], 'NotAccredited', 'another OEM\'s accreditation');
  check(await con.call('isAccredited', [oem, model, region, mA]), 'isAccredited: exact region');
  check(!(await con.call('isAccredited', [oem, model, region + 1, mA])), 'isAccredited: other region refused');
  check(await con.call('isAccredited', [oem, model, 7, mB]) && await con.call('isAccredited', [oem, model, bigRegion, mB]), 'isAccredited: ALL_REGIONS');
  check(await con.call('isAccredited', [oem, model, bigRegion, mC]) && !(await con.call('isAccredited', [oem, model, region, mC])), 'isAccredited: region ≥ 255');
  check(!(await con.call('isAccredited', [oem2, model, region, mA])), 'isAccredited: per OEM');

  // ================================================================ Consortium: faucet
  expectRevert(con, outsider, 'setGasAllowance', [10n ** 18n], 'NotOperator');
  await con.send(op, 'setGasAllowance', [10n ** 18n]);
  expectRevert(con, outsider, 'topUp', [cust], 'NotOperator');
  expectRevert(con, op, 'topUp', [outsider], 'NotMember');
  await chain.rpc('anvil_setBalance', [cust2, '0x' + (10n ** 16n).toString(16)]);
  expectRevert(con, op, 'topUp', [cust2], 'InsufficientFaucetBalance', 'faucet empty');
  await chain.sendRaw(op, con.address, '0x', { value: 5n * 10n ** 18n });
  const before = BigInt(await chain.rpc('eth_getBalance', [cust2, 'latest']));
  await con.send(op, 'topUp', [cust2]);
  const after = BigInt(await chain.rpc('eth_getBalance', [cust2, 'latest']));
  check(before < 10n ** 18n && after === 10n ** 18n, 'topUp brings the member to the allowance');
  await chain.rpc('anvil_setBalance', [mC, '0x0']);
  await chain.rpc('anvil_setCode', [mC, '0xfe']); // a member that cannot receive ether
  expectRevert(con, op, 'topUp', [mC], 'TransferFailed');
  await chain.rpc('anvil_setCode', [mC, '0x']);
  await chain.rpc('anvil_setBalance', [mC, '0x' + (10n ** 21n).toString(16)]);
  expectRevert(con, outsider, 'withdrawFaucet', [outsider, 1], 'NotOperator');
  expectRevert(con, op, 'withdrawFaucet', [ZERO, 1], 'ZeroAddress');
  expectRevert(con, op, 'withdrawFaucet', [op, 10n ** 22n], 'InsufficientFaucetBalance');
  expectRevert(con, op, 'withdrawFaucet', [anchor.address, 1], 'TransferFailed', 'recipient without receive()');
  await con.send(op, 'withdrawFaucet', [op, 1]);

  // ================================================================ Consortium: directory
  const pub = JSON.parse(readFileSync(join(SOLIDITY_DIR, 'artifacts/publication.json'), 'utf8'));
  expectRevert(con, outsider, 'publishContract', [b32('MachineRegistry'), reg.address, pub.sourceCid, pub.compilerSettingsHash], 'NotOperator');
  expectRevert(con, op, 'publishContract', [ZERO32, reg.address, pub.sourceCid, pub.compilerSettingsHash], 'InvalidName');
  expectRevert(con, op, 'publishContract', [b32('MachineRegistry'), reg.address, ZERO32, pub.compilerSettingsHash], 'InvalidCid');
  expectRevert(con, op, 'publishContract', [b32('MachineRegistry'), outsider, pub.sourceCid, pub.compilerSettingsHash], 'NotAContract');
  await con.send(op, 'publishContract', [b32('MachineRegistry'), reg.address, pub.sourceCid, pub.compilerSettingsHash]);
  const entry = await con.call('publishedContract', [b32('MachineRegistry')]);
  check(entry[0].toLowerCase() === reg.address.toLowerCase() && entry[1] === pub.sourceCid, 'directory entry readable');

  // ================================================================ MachineRegistry: wiring
  expectRevert(reg, outsider, 'setModules', [inv.address, mnt.address], 'NotOperator');
  expectRevert(reg, op, 'setModules', [inv.address, mnt.address], 'ModulesAlreadySet');
  const reg2 = await deploy(chain, 'MachineRegistry', op, ['address'], [con.address]);
  expectRevert(reg2, op, 'setModules', [ZERO, mnt.address], 'ZeroAddress');

  // ================================================================ MachineRegistry: register
  const spec = randomBytes32();
  const device = '0x' + 'de'.repeat(20);
  const terms = randomBytes32();
  const id1 = uuidId();
  const reg1 = (over = {}) => {
    const a = { id: id1, customer: cust, model, region, spec, device, interval: 900, terms, ...over };
    return [a.id, a.customer, a.model, a.region, a.spec, a.device, a.interval, a.terms];
  };
  expectRevert(reg, oem, 'register', reg1({ id: ZERO32 }), 'InvalidMachineId');
  expectRevert(reg, oem, 'register', reg1({ customer: ZERO }), 'ZeroAddress', 'customer');
  expectRevert(reg, oem, 'register', reg1({ device: ZERO }), 'ZeroAddress', 'device');
  expectRevert(reg, oem, 'register', reg1({ model: ZERO32 }), 'InvalidModel');
  expectRevert(reg, oem, 'register', reg1({ region: ALL_REGIONS }), 'InvalidRegion');
  expectRevert(reg, oem, 'register', reg1({ interval: 0 }), 'InvalidTelemetryInterval');
  expectRevert(reg, oem, 'register', reg1({ spec: ZERO32 }), 'InvalidCid');
  expectRevert(reg, cust, 'register', reg1(), 'NotOEMMember');
  expectRevert(reg, oem, 'register', reg1({ customer: mA }), 'NotCustomerMember');
  await reg.send(oem, 'register', reg1());
  expectRevert(reg, oem, 'register', reg1(), 'MachineExists', 'retried registration');
  const m1 = await reg.call('machine', [id1]);
  check(m1[0].toLowerCase() === oem.toLowerCase() && m1[1].toLowerCase() === cust.toLowerCase() && m1[2] === model
    && m1[3] === BigInt(region) && m1[4] === device && m1[5] === 900n && m1[6] === 1n, 'machine() returns the stored fields');

  // ================================================================ accept (with Invoicing terms)
  const unknown = uuidId();
  expectRevert(reg, cust, 'accept', [unknown, 1], 'MachineNotFound');
  expectRevert(reg, oem, 'accept', [id1, 1], 'NotCustomer');
  expectRevert(reg, cust, 'accept', [id1, 1], 'TermsNotSet', 'Invoicing.acceptInitialTerms via the registry');
  const PERIOD = 30 * 86400;
  expectRevert(inv, oem, 'setTerms', [unknown, randomBytes32(), PERIOD], 'MachineNotFound');
  expectRevert(inv, cust, 'setTerms', [id1, randomBytes32(), PERIOD], 'NotOEM');
  expectRevert(inv, oem, 'setTerms', [id1, ZERO32, PERIOD], 'InvalidTermsHash');
  expectRevert(inv, oem, 'setTerms', [id1, randomBytes32(), 0], 'InvalidBillingPeriod');
  await inv.send(oem, 'setTerms', [id1, randomBytes32(), PERIOD]);
  await inv.send(oem, 'setTerms', [id1, randomBytes32(), PERIOD]);
  expectRevert(reg, cust, 'accept', [id1, 1], 'StaleTermsVersion', 'a newer proposal replaced version 1');
  expectRevert(inv, cust, 'acceptInitialTerms', [id1, 2], 'NotRegistry');
  expectRevert(inv, reg.address, 'acceptInitialTerms', [id1, 1], 'StaleTermsVersion', 'called as the registry');
  expectRevert(inv, reg.address, 'acceptInitialTerms', [uuidId(), 1], 'TermsNotSet', 'called as the registry');
  // revoked customer cannot accept
  const idR = uuidId();
  await reg.send(oem, 'register', reg1({ id: idR, customer: cust2 }));
  await inv.send(oem, 'setTerms', [idR, randomBytes32(), PERIOD]);
  await con.send(op, 'revokeMember', [cust2]);
  expectRevert(reg, cust2, 'accept', [idR, 1], 'NotCustomerMember', 'customer revoked after registration');
  expectRevert(reg, oem, 'register', reg1({ id: uuidId(), customer: cust2 }), 'NotCustomerMember', 'revoked customer');
  // unwired registry
  const idW = uuidId();
  await reg2.send(oem, 'register', reg1({ id: idW }));
  expectRevert(reg2, cust, 'accept', [idW, 1], 'ModulesNotSet');

  expectRevert(inv, cust, 'acceptTerms', [id1, 2], 'TermsNotActive', 'initial terms go through MachineRegistry.accept');
  expectRevert(inv, oem, 'issueInvoice', [id1, 0, 100, randomBytes32(), randomBytes32(), 1], 'TermsNotActive');
  expectRevert(reg, cust, 'start', [id1], 'InvalidMachineState', 'not accepted yet');
  expectRevert(reg, cust, 'openTicket', [id1, 1, randomBytes32()], 'InvalidMachineState', 'not accepted yet');
  await reg.send(cust, 'accept', [id1, 2]);
  expectRevert(reg, cust, 'accept', [id1, 2], 'InvalidMachineState', 'accepted twice');
  check((await inv.call('termsAccepted', [id1])) === true, 'terms accepted with the machine');

  // ================================================================ start / stop / reset
  expectRevert(reg, oem, 'start', [id1], 'NotCustomer');
  expectRevert(reg, cust, 'stop', [id1], 'InvalidMachineState', 'not running');
  expectRevert(reg, cust, 'resetMachineState', [id1], 'InvalidMachineState', 'not stopped');
  await reg.send(cust, 'start', [id1]);
  expectRevert(reg, cust, 'start', [id1], 'InvalidMachineState', 'already running');
  expectRevert(reg, mA, 'stop', [id1], 'NotParty');
  await reg.send(cust, 'stop', [id1]);
  expectRevert(reg, cust, 'start', [id1], 'InvalidMachineState', 'stopped: reset first');
  expectRevert(reg, mA, 'resetMachineState', [id1], 'NotParty');
  await reg.send(oem, 'resetMachineState', [id1]);
  await reg.send(cust, 'start', [id1]);
  await reg.send(oem, 'stop', [id1]);

  // ================================================================ changeDevice
  expectRevert(reg, cust, 'changeDevice', [id1, '0x' + 'ab'.repeat(20)], 'NotOEM');
  expectRevert(reg, oem, 'changeDevice', [id1, ZERO], 'ZeroAddress');
  await reg.send(oem, 'changeDevice', [id1, '0x' + 'ab'.repeat(20)]);

  // ================================================================ FCFS tickets
  const desc = randomBytes32();
  expectRevert(reg, oem, 'openTicket', [id1, 1, desc], 'NotCustomer');
  expectRevert(reg, cust, 'openTicket', [id1, 3, desc], 'InvalidTicketKind');
  expectRevert(reg, cust, 'openTicket', [id1, 1, ZERO32], 'InvalidCid');
  expectRevert(reg, mA, 'acceptTicket', [id1, 0], 'WrongTicket', 'no ticket yet');
  await reg.send(cust, 'openTicket', [id1, 1, desc]); // seq 1
  expectRevert(reg, cust, 'openTicket', [id1, 1, desc], 'TicketActive');
  expectRevert(reg, mA, 'acceptTicket', [id1, 2], 'WrongTicket');
  expectRevert(reg, cust2, 'acceptTicket', [id1, 1], 'NotAccredited', 'not a maintainer');
  expectRevert(reg, mC, 'acceptTicket', [id1, 1], 'NotAccredited', 'accredited for another region');
  expectRevert(reg, oem2, 'acceptTicket', [id1, 1], 'NotAccredited', 'maintainer without accreditation');
  expectRevert(reg, mA, 'completeTicket', [id1, 1, randomBytes32()], 'InvalidTicketState', 'not accepted');
  expectRevert(reg, cust, 'closeTicket', [id1, 1], 'InvalidTicketState', 'not completed');
  expectRevert(reg, mA, 'assignTicket', [id1, 1, mA], 'NotMaintenanceContract');
  expectRevert(reg, mnt.address, 'assignTicket', [id1, 1, mA], 'WrongSelectionMode', 'FCFS ticket');
  expectRevert(reg, mnt.address, 'assignTicket', [id1, 9, mA], 'WrongTicket');
  expectRevert(reg, cust, 'requestTermination', [id1], 'TicketActive');

  // same-block race: both acceptances in one block, chain order decides
  await chain.rpc('evm_setAutomine', [false]);
  const h1 = cast(['send', '--rpc-url', chain.url, '--unlocked', '--from', mA, '--async', '--gas-limit', '200000',
    '--gas-price', '20gwei', '--priority-gas-price', '3gwei', reg.address, 'acceptTicket(bytes32,uint32)', id1, '1']);
  const h2 = cast(['send', '--rpc-url', chain.url, '--unlocked', '--from', mB, '--async', '--gas-limit', '200000',
    '--gas-price', '20gwei', '--priority-gas-price', '2gwei', reg.address, 'acceptTicket(bytes32,uint32)', id1, '1']);
  await chain.mine(1);
  await chain.rpc('evm_setAutomine', [true]);
  const r1 = JSON.parse(cast(['receipt', '--rpc-url', chain.url, '--json', h1]));
  const r2 = JSON.parse(cast(['receipt', '--rpc-url', chain.url, '--json', h2]));
  const trace2 = JSON.parse(cast(['rpc', '--rpc-url', chain.url, 'debug_traceTransaction', h2, '{}']));
  check(r1.blockNumber === r2.blockNumber && r1.status === '0x1' && r2.status === '0x0'
    && chain.decodeError(trace2.returnValue) === 'TicketAlreadyTaken',
  `FCFS race in one block: first acceptance wins, second mined as failed with ${chain.decodeError(trace2.returnValue)}`);
  report('MachineRegistry', 'acceptTicket', 'TicketAlreadyTaken', chain.decodeError(trace2.returnValue), 'cast send, same block');
  expectRevert(reg, mC, 'acceptTicket', [id1, 1], 'TicketAlreadyTaken', 'later acceptance');
  expectRevert(reg, mnt.address, 'assignTicket', [id1, 1, mA], 'InvalidTicketState', 'already taken');
  expectRevert(reg, mB, 'completeTicket', [id1, 1, randomBytes32()], 'NotAssignedMaintainer', 'the loser');
  expectRevert(reg, cust, 'completeTicket', [id1, 1, randomBytes32()], 'NotAssignedMaintainer', 'the customer');
  expectRevert(reg, mA, 'completeTicket', [id1, 1, ZERO32], 'InvalidCid');
  expectRevert(reg, mA, 'completeTicket', [id1, 2, randomBytes32()], 'WrongTicket');
  expectRevert(reg, mA, 'closeTicket', [id1, 1], 'NotCustomer', 'the maintainer');
  await reg.send(mA, 'completeTicket', [id1, 1, randomBytes32()]);
  expectRevert(reg, mA, 'completeTicket', [id1, 1, randomBytes32()], 'InvalidTicketState', 'completed twice');
  expectRevert(reg, cust, 'cancelTicket', [id1, 1], 'InvalidTicketState', 'already completed');
  expectRevert(reg, cust, 'closeTicket', [id1, 7], 'WrongTicket');
  await reg.send(cust, 'closeTicket', [id1, 1]);
  expectRevert(reg, cust, 'closeTicket', [id1, 1], 'InvalidTicketState', 'closed twice');
  const t1 = await reg.call('ticket', [id1]);
  check(t1[0] === 1n && t1[1] === 5n && t1[4].toLowerCase() === mA.toLowerCase(), 'ticket() after close');

  // cancel rules
  await reg.send(cust, 'openTicket', [id1, 2, desc]); // seq 2
  expectRevert(reg, oem, 'cancelTicket', [id1, 2], 'NotCustomer');
  expectRevert(reg, cust, 'cancelTicket', [id1, 1], 'WrongTicket');
  await reg.send(cust, 'cancelTicket', [id1, 2]);
  expectRevert(reg, mA, 'acceptTicket', [id1, 2], 'InvalidTicketState', 'cancelled');

  // ================================================================ Maintenance: auctions
  const P = (mode, rule, pw, ew, maxBids, bidding, reveal) => [mode, rule, pw, ew, maxBids, bidding, reveal];
  expectRevert(mnt, cust, 'openAuction', [id1, 1, desc, P(1, 2, 0, 0, 2, 0, 0)], 'InvalidWeights', 'weighted without weights');
  expectRevert(mnt, cust, 'openAuction', [id1, 1, desc, P(1, 0, 1, 0, 2, 0, 0)], 'InvalidWeights', 'weights on a simple rule');
  expectRevert(mnt, cust, 'openAuction', [id1, 1, desc, P(1, 3, 0, 0, 2, 0, 0)], 'InvalidRule');
  expectRevert(mnt, cust, 'openAuction', [id1, 1, desc, P(1, 0, 0, 0, 0, 0, 0)], 'InvalidSchedule', 'bidding without count or deadline');
  expectRevert(mnt, cust, 'openAuction', [id1, 1, desc, P(1, 0, 0, 0, 2, 0, 5)], 'InvalidSchedule', 'bidding with reveal');
  expectRevert(mnt, cust, 'openAuction', [id1, 1, desc, P(2, 0, 0, 0, 2, 5, 5)], 'InvalidSchedule', 'sealed with maxBids');
  expectRevert(mnt, cust, 'openAuction', [id1, 1, desc, P(2, 0, 0, 0, 0, 0, 5)], 'InvalidSchedule', 'sealed without commit phase');
  expectRevert(mnt, cust, 'openAuction', [id1, 1, desc, P(0, 0, 0, 0, 2, 0, 0)], 'InvalidMode');
  expectRevert(mnt, oem, 'openAuction', [id1, 1, desc, P(1, 0, 0, 0, 2, 0, 0)], 'NotCustomer', 'via MachineRegistry.openTicketFor');
  expectRevert(reg, cust, 'openTicketFor', [cust, id1, 1, 1, desc], 'NotMaintenanceContract');
  expectRevert(reg, mnt.address, 'openTicketFor', [cust, id1, 1, 0, desc], 'InvalidSelectionMode');
  expectRevert(reg, mnt.address, 'openTicketFor', [oem, id1, 1, 1, desc], 'NotCustomer', 'called as Maintenance');
  expectRevert(reg, mnt.address, 'openTicketFor', [cust, id1, 9, 1, desc], 'InvalidTicketKind', 'called as Maintenance');
  expectRevert(reg, mnt.address, 'openTicketFor', [cust, id1, 1, 1, ZERO32], 'InvalidCid', 'called as Maintenance');
  expectRevert(reg, mnt.address, 'openTicketFor', [cust2, idR, 1, 1, desc], 'InvalidMachineState', 'called as Maintenance; not accepted');

  // open bidding, count-triggered: seq 3
  await mnt.send(cust, 'openAuction', [id1, 2, desc, P(1, 0, 0, 0, 2, 0, 0)]);
  expectRevert(reg, mA, 'acceptTicket', [id1, 3], 'WrongSelectionMode', 'FCFS accept on a bidding ticket');
  expectRevert(reg, mnt.address, 'openTicketFor', [cust, id1, 1, 1, desc], 'TicketActive', 'called as Maintenance');
  expectRevert(mnt, mA, 'revealBid', [id1, 3, 1, 1, randomBytes32()], 'WrongMode');
  expectRevert(mnt, mA, 'commitBid', [id1, 2, randomBytes32()], 'AuctionNotOpen', 'wrong seq');
  expectRevert(mnt, mA, 'revealBid', [id1, 2, 1, 1, randomBytes32()], 'AuctionNotOpen', 'wrong seq');
  expectRevert(mnt, mA, 'commitBid', [id1, 3, randomBytes32()], 'WrongMode');
  expectRevert(mnt, mA, 'placeBid', [id1, 2, 100, 100], 'AuctionNotOpen', 'wrong seq');
  expectRevert(mnt, mC, 'placeBid', [id1, 3, 100, 100], 'NotAccredited');
  expectRevert(mnt, mA, 'award', [id1, 3], 'AwardTooEarly', 'count-triggered auction');
  await mnt.send(mA, 'placeBid', [id1, 3, 1000, 3600]);
  expectRevert(mnt, mA, 'placeBid', [id1, 3, 900, 3600], 'AlreadyBid');
  await mnt.send(mB, 'placeBid', [id1, 3, 900, 7200]); // 2nd bid: awarded to the lowest price
  check((await reg.call('ticket', [id1]))[4].toLowerCase() === mB.toLowerCase(), 'bidding: lowest price wins at the 2nd bid');
  expectRevert(mnt, mA, 'placeBid', [id1, 3, 800, 100], 'AuctionNotOpen', 'already awarded');
  await reg.send(mB, 'completeTicket', [id1, 3, randomBytes32()]);
  await reg.send(cust, 'closeTicket', [id1, 3]);

  // open bidding, deadline, weighted: seq 4
  await mnt.send(cust, 'openAuction', [id1, 2, desc, P(1, 2, 1, 1, 0, 2, 0)]);
  expectRevert(mnt, outsider, 'award', [id1, 4], 'AwardTooEarly');
  await chain.mine(3);
  expectRevert(mnt, mA, 'placeBid', [id1, 4, 1, 1], 'BiddingClosed');
  expectRevert(mnt, outsider, 'award', [id1, 4], 'NoBids');
  await reg.send(cust, 'cancelTicket', [id1, 4]);

  // open bidding where the registry ticket was cancelled: seq 5
  await mnt.send(cust, 'openAuction', [id1, 2, desc, P(1, 0, 0, 0, 3, 0, 0)]);
  await reg.send(cust, 'cancelTicket', [id1, 5]);
  expectRevert(mnt, mA, 'placeBid', [id1, 5, 1, 1], 'TicketNotOpen');

  // sealed bidding, lowest eta: seq 6
  await mnt.send(cust, 'openAuction', [id1, 2, desc, P(2, 1, 0, 0, 0, 3, 10)]);
  const auc = await mnt.call('auction', [id1]);
  const [commitEnd, revealEnd] = [Number(auc[8]), Number(auc[9])];
  const salt = randomBytes32();
  const cA = await mnt.call('bidCommitment', [id1, 6, 1000, 3600, salt, mA]);
  const cB = await mnt.call('bidCommitment', [id1, 6, 1000, 3600, salt, mB]);
  expectRevert(mnt, mA, 'placeBid', [id1, 6, 1, 1], 'WrongMode');
  expectRevert(mnt, mA, 'commitBid', [id1, 6, ZERO32], 'InvalidCommitment');
  expectRevert(mnt, mC, 'commitBid', [id1, 6, cA], 'NotAccredited');
  expectRevert(mnt, mA, 'revealBid', [id1, 6, 1000, 3600, salt], 'NotRevealPhase', 'during commit phase');
  await mnt.send(mA, 'commitBid', [id1, 6, cA]);
  expectRevert(mnt, mA, 'commitBid', [id1, 6, cA], 'AlreadyCommitted');
  await mnt.send(mB, 'commitBid', [id1, 6, cB]);
  // eth_call runs in the context of the latest block, a transaction in the next one
  while ((await chain.blockNumber()) < commitEnd + 1) await chain.mine(1);
  expectRevert(mnt, oem2, 'commitBid', [id1, 6, cA], 'CommitPhaseOver');
  expectRevert(mnt, oem2, 'revealBid', [id1, 6, 1000, 3600, salt], 'NoCommitment');
  expectRevert(mnt, mA, 'revealBid', [id1, 6, 999, 3600, salt], 'CommitmentMismatch');
  expectRevert(mnt, outsider, 'award', [id1, 6], 'AwardTooEarly', 'during reveal phase');
  await mnt.send(mA, 'revealBid', [id1, 6, 1000, 3600, salt]);
  check((await mnt.call('commitmentOf', [id1, 6, mA])) === ZERO32, 'commitment cleared on reveal');
  // mB's accreditation is withdrawn before it reveals: its bid no longer counts
  await con.send(oem, 'withdrawAccreditation', [model, ALL_REGIONS, mB]);
  expectRevert(mnt, mB, 'revealBid', [id1, 6, 1000, 3600, salt], 'NotAccredited', 'accreditation withdrawn after commit');
  await con.send(oem, 'accredit', [model, ALL_REGIONS, mB]);
  await mnt.send(mB, 'revealBid', [id1, 6, 1000, 3600, salt]); // same eta and price: tie broken by the lowest commitment
  const best = await mnt.call('bestBid', [id1]);
  const expectWinner = BigInt(cA) < BigInt(cB) ? mA : mB;
  check(best[0].toLowerCase() === expectWinner.toLowerCase(), 'sealed: equal bids, the lowest commitment hash wins (not the first reveal)');
  while ((await chain.blockNumber()) < revealEnd + 1) await chain.mine(1);
  expectRevert(mnt, mA, 'revealBid', [id1, 6, 1000, 3600, salt], 'NotRevealPhase', 'after reveal deadline');
  await mnt.send(outsider, 'award', [id1, 6]);
  expectRevert(mnt, outsider, 'award', [id1, 6], 'AuctionNotOpen', 'awarded twice');
  check((await reg.call('ticket', [id1]))[4].toLowerCase() === expectWinner.toLowerCase(), 'sealed winner assigned in the registry');
  // sealed auction: reveal when the ticket was cancelled: seq 7
  await reg.send(expectWinner, 'completeTicket', [id1, 6, randomBytes32()]);
  await reg.send(cust, 'closeTicket', [id1, 6]);
  await mnt.send(cust, 'openAuction', [id1, 2, desc, P(2, 0, 0, 0, 0, 2, 2)]);
  const c7 = await mnt.call('bidCommitment', [id1, 7, 1, 1, salt, mA]);
  await mnt.send(mA, 'commitBid', [id1, 7, c7]);
  await reg.send(cust, 'cancelTicket', [id1, 7]);
  expectRevert(mnt, mB, 'commitBid', [id1, 7, c7], 'TicketNotOpen');
  await chain.mine(2);
  expectRevert(mnt, mA, 'revealBid', [id1, 7, 1, 1, salt], 'TicketNotOpen');

  // the award re-checks the winner: seq 8 (count-triggered), seq 9 (deadline)
  await mnt.send(cust, 'openAuction', [id1, 2, desc, P(1, 0, 0, 0, 2, 0, 0)]);
  await mnt.send(mA, 'placeBid', [id1, 8, 500, 3600]);
  await con.send(oem, 'withdrawAccreditation', [model, region, mA]);
  expectRevert(mnt, mB, 'placeBid', [id1, 8, 900, 3600], 'WinnerNotEligible', 'best bidder lost its accreditation before the maxBids-th bid');
  await con.send(oem, 'accredit', [model, region, mA]);
  await mnt.send(mB, 'placeBid', [id1, 8, 900, 3600]); // re-accredited: the lowest price (A) wins
  check((await reg.call('ticket', [id1]))[4].toLowerCase() === mA.toLowerCase(), 'bidding: re-accredited best bidder awarded');
  await reg.send(cust, 'cancelTicket', [id1, 8]);
  await mnt.send(cust, 'openAuction', [id1, 2, desc, P(1, 0, 0, 0, 0, 2, 0)]);
  await mnt.send(mA, 'placeBid', [id1, 9, 500, 3600]);
  await mnt.send(mB, 'placeBid', [id1, 9, 900, 3600]);
  await con.send(oem, 'withdrawAccreditation', [model, region, mA]);
  await chain.mine(3);
  expectRevert(mnt, outsider, 'award', [id1, 9], 'WinnerNotEligible', 'best bidder lost its accreditation after bidding');
  await reg.send(cust, 'cancelTicket', [id1, 9]);
  expectRevert(mnt, outsider, 'award', [id1, 9], 'TicketNotOpen', 'ticket cancelled by the customer');
  await con.send(oem, 'accredit', [model, region, mA]);

  // ================================================================ Invoicing
  expectRevert(inv, oem, 'issueInvoice', [id1, 0, 100, randomBytes32(), randomBytes32(), 2], 'PeriodNotEnded');
  await chain.increaseTime(3 * PERIOD + 10);
  expectRevert(inv, oem, 'issueInvoice', [unknown, 0, 100, randomBytes32(), randomBytes32(), 2], 'MachineNotFound');
  expectRevert(inv, cust, 'issueInvoice', [id1, 0, 100, randomBytes32(), randomBytes32(), 2], 'NotOEM');
  expectRevert(inv, oem, 'issueInvoice', [id1, 0, 100, ZERO32, randomBytes32(), 2], 'InvalidInvoiceHash');
  expectRevert(inv, oem, 'issueInvoice', [id1, 0, 100, randomBytes32(), randomBytes32(), 1], 'TermsNotApplicable', 'version 1 was never accepted');
  expectRevert(inv, oem, 'issueInvoice', [id1, 0, 100, randomBytes32(), randomBytes32(), 3], 'TermsNotApplicable', 'unknown version');
  expectRevert(inv, cust, 'acceptInvoice', [id1, 0, 0], 'InvoiceNotFound');
  expectRevert(inv, cust, 'disputeInvoice', [id1, 0, 0, randomBytes32()], 'InvoiceNotFound');
  expectRevert(inv, oem, 'settleInvoice', [id1, 0, 0], 'InvoiceNotFound');
  const invHash = randomBytes32(); const root = randomBytes32();
  await inv.send(oem, 'issueInvoice', [id1, 0, 123456, invHash, root, 2]);
  const stored = await inv.call('invoice', [id1, 0]);
  const full = await inv.call('invoiceCommitment', [id1, 0, 0, 2, 123456, invHash, root]);
  check(stored[2] === full.slice(0, 58), 'stored commitment = top 224 bits of invoiceCommitment(...) with terms version 2');
  expectRevert(inv, oem, 'issueInvoice', [id1, 0, 1, randomBytes32(), randomBytes32(), 2], 'InvoiceExists');
  expectRevert(inv, oem, 'acceptInvoice', [id1, 0, 0], 'NotCustomer');
  expectRevert(inv, cust, 'acceptInvoice', [id1, 0, 1], 'WrongRevision');
  expectRevert(inv, cust, 'disputeInvoice', [id1, 0, 1, randomBytes32()], 'WrongRevision');
  expectRevert(inv, oem, 'settleInvoice', [id1, 0, 1], 'WrongRevision');
  expectRevert(inv, oem, 'settleInvoice', [id1, 0, 0], 'InvalidInvoiceState', 'not accepted');
  expectRevert(inv, oem, 'disputeInvoice', [id1, 0, 0, randomBytes32()], 'NotCustomer');
  expectRevert(inv, cust, 'disputeInvoice', [id1, 0, 0, ZERO32], 'InvalidCid');
  await inv.send(cust, 'disputeInvoice', [id1, 0, 0, randomBytes32()]);
  expectRevert(inv, cust, 'disputeInvoice', [id1, 0, 0, randomBytes32()], 'InvalidInvoiceState', 'disputed twice');
  await inv.send(oem, 'issueInvoice', [id1, 0, 123000, randomBytes32(), root, 2]); // corrected revision 1
  expectRevert(inv, cust, 'acceptInvoice', [id1, 0, 0], 'WrongRevision', 'superseded revision');
  await inv.send(cust, 'acceptInvoice', [id1, 0, 1]);
  expectRevert(inv, cust, 'acceptInvoice', [id1, 0, 1], 'InvalidInvoiceState', 'accepted twice');
  expectRevert(inv, cust, 'settleInvoice', [id1, 0, 1], 'NotOEM');
  await inv.send(oem, 'settleInvoice', [id1, 0, 1]);
  check((await inv.call('invoice', [id1, 0]))[1] === 4n, 'invoice settled');

  // terms versions
  expectRevert(inv, oem, 'setTerms', [id1, randomBytes32(), PERIOD + 1], 'BillingPeriodFixed');
  expectRevert(inv, cust, 'acceptTerms', [unknown, 3], 'MachineNotFound');
  expectRevert(inv, oem, 'acceptTerms', [id1, 3], 'NotCustomer');
  expectRevert(inv, cust, 'acceptTerms', [id1, 2], 'StaleTermsVersion', 'already active');
  await inv.send(oem, 'setTerms', [id1, randomBytes32(), PERIOD]); // v3
  await inv.send(cust, 'acceptTerms', [id1, 3]);
  await inv.send(oem, 'setTerms', [id1, randomBytes32(), PERIOD]); // v4
  expectRevert(inv, cust, 'acceptTerms', [id1, 4], 'TermsChangePending', 'v3 not effective yet');
  const ct = await inv.call('currentTerms', [id1]);
  check(ct[1] === 3n && ct[3] === 2n && ct[4] === 4n, 'v3 applies from period 4, v2 before');
  const range = async (v) => (await inv.call('termsApplicability', [id1, v])).join('-');
  check(await range(2) === '0-4' && await range(3) === `4-${2 ** 32 - 1}` && await range(1) === '0-0' && await range(4) === '0-0',
    'termsApplicability: v2 [0, 4), v3 [4, open), v1 (superseded before acceptance) and v4 (pending) never applied');
  expectRevert(inv, oem, 'issueInvoice', [id1, 2, 100, randomBytes32(), root, 3], 'TermsNotApplicable', 'v3 applies from period 4');
  expectRevert(inv, oem, 'issueInvoice', [id1, 2, 100, randomBytes32(), root, 4], 'TermsNotApplicable', 'v4 not accepted');

  // ================================================================ termination
  expectRevert(reg, cust, 'requestTermination', [unknown], 'MachineNotFound');
  expectRevert(reg, mA, 'requestTermination', [id1], 'NotParty');
  await reg.send(cust, 'requestTermination', [id1]);
  expectRevert(reg, cust, 'requestTermination', [id1], 'TerminationAlreadyRequested');
  await reg.send(oem, 'requestTermination', [id1]);
  check((await reg.call('machine', [id1]))[6] === 5n, 'terminated once both parties asked');
  expectRevert(reg, oem, 'requestTermination', [id1], 'InvalidMachineState', 'terminated');
  expectRevert(reg, oem, 'changeDevice', [id1, device], 'InvalidMachineState', 'terminated');
  expectRevert(reg, cust, 'openTicket', [id1, 1, desc], 'InvalidMachineState', 'terminated');
  expectRevert(reg, cust, 'resetMachineState', [id1], 'InvalidMachineState', 'terminated');
  expectRevert(inv, oem, 'setTerms', [id1, randomBytes32(), PERIOD], 'MachineTerminated');
  expectRevert(inv, cust, 'acceptTerms', [id1, 4], 'MachineTerminated');
  await inv.send(oem, 'issueInvoice', [id1, 1, 5, randomBytes32(), root, 2]); // the final invoice is still possible (v2: superseded, applied to period 1)
  // withdrawal before acceptance: one party is enough
  await reg.send(oem, 'requestTermination', [idR]);
  check((await reg.call('machine', [idR]))[6] === 5n, 'unaccepted machine withdrawn by the OEM alone');

  // ================================================================ TelemetryAnchor
  expectRevert(anchor, outsider, 'grantAnchorer', [anchorer], 'NotOperator');
  expectRevert(anchor, op, 'grantAnchorer', [ZERO], 'ZeroAddress');
  await anchor.send(op, 'grantAnchorer', [anchorer]);
  expectRevert(anchor, op, 'grantAnchorer', [anchorer], 'AlreadyAnchorer');
  expectRevert(anchor, outsider, 'commitRound', [randomBytes32(), 1, randomBytes32()], 'NotAnchorer');
  expectRevert(anchor, anchorer, 'commitRound', [ZERO32, 1, randomBytes32()], 'InvalidRoot');
  expectRevert(anchor, anchorer, 'commitRound', [randomBytes32(), 0, randomBytes32()], 'InvalidBatchCount');
  expectRevert(anchor, anchorer, 'commitRound', [randomBytes32(), 1, ZERO32], 'InvalidCid');
  const rootR = randomBytes32();
  await anchor.send(anchorer, 'commitRound', [rootR, 1000, randomBytes32()]);
  const rd = await anchor.call('round', [1]);
  check(rd[0] === rootR && rd[1] === 1000n && rd[4].toLowerCase() === anchorer.toLowerCase(), 'round 1 readable by id');
  expectRevert(anchor, outsider, 'round', [2], 'RoundNotFound');
  expectRevert(anchor, outsider, 'revokeAnchorer', [anchorer], 'NotOperator');
  await anchor.send(op, 'revokeAnchorer', [anchorer]);
  expectRevert(anchor, op, 'revokeAnchorer', [anchorer], 'NotAnchorer');
  expectRevert(anchor, anchorer, 'commitRound', [randomBytes32(), 1, randomBytes32()], 'NotAnchorer', 'revoked');

  // ================================================================ coverage of the declared checks
  const seen = new Set(results.filter((r) => r.ok).map((r) => `${r.contract}.${r.fn}.${r.error}`));
  const missing = [];
  for (const file of readdirSync(join(SOLIDITY_DIR, 'src')).filter((f) => f.endsWith('.sol')).sort()) {
    const contract = file.replace(/\.sol$/, '');
    for (const [fn, errors] of reachableErrors(readFileSync(join(SOLIDITY_DIR, 'src', file), 'utf8'))) {
      for (const e of errors) if (!seen.has(`${contract}.${fn}.${e}`)) missing.push(`${contract}.${fn} → ${e}`);
    }
  }
  const total = results.length;
  console.log(`\n${total - results.filter((r) => !r.ok).length}/${total} expected reverts observed through cast`);
  if (missing.length) {
    failed += missing.length;
    console.log(`not exercised (${missing.length}):\n  ${missing.join('\n  ')}`);
  } else {
    console.log('every (external function, custom error) pair declared in src/*.sol was exercised');
  }
} finally {
  await chain.stop();
}
console.log(failed ? `\n${failed} check(s) FAILED` : '\nall checks passed');
process.exit(failed ? 1 : 0);

// ------------------------------------------------------------------ static scan

/** Map of external/public function (and constructor) → custom errors it can revert with. */
function reachableErrors(src) {
  const code = src.replace(/\/\/[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  const units = new Map(); // name → { visibility, body, modifiers }
  const re = /\b(function\s+(\w+)|constructor|modifier\s+(\w+))\s*\(/g;
  let m;
  while ((m = re.exec(code))) {
    const name = m[2] || m[3] || 'constructor';
    const open = code.indexOf('{', m.index);
    const semi = code.indexOf(';', m.index);
    if (semi !== -1 && semi < open) continue; // interface declaration
    let depth = 0; let end = open;
    for (; end < code.length; end++) {
      if (code[end] === '{') depth++;
      else if (code[end] === '}' && --depth === 0) break;
    }
    const header = code.slice(m.index, open);
    units.set(name, {
      external: m[3] ? false : (/\b(external|public)\b/.test(header) || name === 'constructor'),
      header, body: code.slice(open, end + 1),
    });
    re.lastIndex = end;
  }
  const memo = new Map();
  const errorsOf = (name, stack = new Set()) => {
    if (memo.has(name)) return memo.get(name);
    const u = units.get(name);
    const out = new Set();
    if (!u || stack.has(name)) return out;
    stack.add(name);
    for (const x of u.body.matchAll(/revert\s+(\w+)\s*\(/g)) out.add(x[1]);
    for (const [callee] of units) {
      if (callee === name) continue;
      const inBody = new RegExp(`\\b${callee}\\s*\\(`).test(u.body) && !units.get(callee).external;
      const asModifier = new RegExp(`\\b${callee}\\b`).test(u.header.replace(/^[^)]*\)/, ''));
      if (inBody || asModifier) for (const e of errorsOf(callee, stack)) out.add(e);
    }
    stack.delete(name);
    memo.set(name, out);
    return out;
  };
  const result = new Map();
  for (const [name, u] of units) if (u.external) result.set(name, errorsOf(name));
  return result;
}
