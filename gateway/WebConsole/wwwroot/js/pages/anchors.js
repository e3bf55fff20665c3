// Anchoring: the latest Merkle rounds committed on chain, the backlog (operator), and a proof check for one reading:
// the proof comes from the Anchoring API and is checked here, in the browser (WebCrypto SHA-256, RFC 6962), up to
// the round root, which is compared with the root of that round as the Anchoring service saw it committed on chain.
import { api, maybe } from '../api.js';
import { h, fill, table, badge, kv, time, short } from '../dom.js';
import { verifyProof } from '../merkle.js';

const roundTone = status => ({ Final: 'ok', Mined: 'info', Failed: 'bad' })[status] ?? 'warn';

export async function mount(view, ctx) {
  const progress = h('div', { class: 'grid', id: 'anchoring-progress' });
  const rounds = h('div', { id: 'rounds' });
  const machineSelect = h('select', { id: 'proof-machine' });
  const seqInput = h('input', { id: 'proof-seq', type: 'number', min: 1, step: 1, placeholder: 'seq' });
  const result = h('div', { id: 'proof-result' });
  const form = h('form', { id: 'proof-form', class: 'toolbar' },
    h('label', {}, 'Machine ', machineSelect), h('label', {}, 'Reading seq ', seqInput), h('button', { id: 'proof-check', type: 'submit' }, 'Check proof'));
  view.append(h('h1', {}, 'Anchors'),
    ...(ctx.has('operator') ? [h('h2', {}, 'Progress'), progress] : []),
    h('h2', {}, 'Proof check'),
    h('p', { class: 'muted' }, 'Fetch the proof of one reading and verify its Merkle paths here, then compare the round root with the one committed on chain.'),
    form, result,
    h('h2', {}, 'Latest rounds'), rounds);

  const machines = await api('/api/machines', { signal: ctx.signal });
  fill(machineSelect, machines.map(m => h('option', { value: m.id }, `${m.model} · ${short(m.id, 8)}`)));
  if (machines.length === 0) fill(result, h('p', { class: 'muted' }, 'No machines visible to you.'));

  // Suggest a recent reading of the machine, so that one click checks something real. The suggestion is a placeholder,
  // used when the field is left empty: written into the field, it arrived in the middle of what the user typed (the
  // console tests once typed "5" and sent "45").
  let suggestions = 0;
  const suggest = async () => {
    const mine = ++suggestions;
    seqInput.placeholder = 'seq';
    delete seqInput.dataset.suggested;
    if (!machineSelect.value) return;
    const status = await maybe(`/api/telemetry/machines/${machineSelect.value}/status`, { signal: ctx.signal });
    if (mine !== suggestions || !status?.lastSeq) return; // another machine was chosen meanwhile
    seqInput.dataset.suggested = String(Math.max(1, status.lastSeq - 1));
    seqInput.placeholder = `${seqInput.dataset.suggested} (recent)`;
  };
  machineSelect.addEventListener('change', () => { seqInput.value = ''; suggest(); });
  await suggest();

  form.addEventListener('submit', async event => {
    event.preventDefault();
    fill(result, h('p', { class: 'muted' }, 'Checking…'));
    try {
      fill(result, await check(machineSelect.value, Number(seqInput.value || seqInput.dataset.suggested), ctx));
    } catch (error) {
      fill(result, h('p', { class: 'error', role: 'alert', id: 'proof-error' }, error?.problem ? [error.problem.title, error.problem.detail].filter(Boolean).join(' — ') : String(error)));
    }
  });

  await ctx.live(async () => {
    const latest = await api('/api/anchoring/rounds?limit=20', { signal: ctx.signal });
    fill(rounds, table(['Round', 'Status', 'Batches', 'Root', 'Transaction', 'Block', 'Cut', 'Final'], latest.map(r =>
      h('tr', { class: 'round-row', dataset: { roundId: r.roundId ?? '', status: r.status } },
        h('td', {}, r.roundId ?? '—'), h('td', {}, badge(r.status, roundTone(r.status))), h('td', {}, r.batchCount),
        h('td', { class: 'mono', title: r.root }, short(r.root, 8)), h('td', { class: 'mono', title: r.transactionHash ?? '' }, short(r.transactionHash, 8)),
        h('td', {}, r.block ?? '—'), h('td', {}, time(r.cutAt)), h('td', {}, time(r.finalAt)))), 'No rounds yet.'));
    rounds.dataset.count = String(latest.length);
    if (ctx.has('operator')) {
      const p = await api('/api/anchoring/progress', { signal: ctx.signal });
      fill(progress,
        kv('Batches anchored', p.batchesAnchored, { id: 'batches-anchored' }), kv('Batches in a round', p.batchesInRound), kv('Batches waiting', p.batchesStored + p.pendingBatches),
        kv('Readings anchored', p.readingsAnchored, { id: 'readings-anchored' }), kv('Refused', p.batchesRefused), kv('Oldest waiting since', time(p.oldestUnanchoredSince)));
    }
  });
}

async function check(machineId, seq, ctx) {
  const proof = await api(`/api/anchoring/proofs/${machineId}/${seq}`, { signal: ctx.signal });
  // The round as the Anchoring service saw it committed (its follower reads RoundCommitted from the chain).
  const round = (await api('/api/anchoring/rounds?limit=500', { signal: ctx.signal })).find(r => r.roundId === proof.roundId);
  const outcome = await verifyProof(proof, round?.root);
  return h('div', { class: 'card', dataset: { verified: String(outcome.verified) } },
    h('div', { class: `verdict ${outcome.verified ? 'ok' : 'bad'}`, id: 'proof-verdict' }, outcome.verified ? 'Proof verified' : 'Proof does NOT verify'),
    h('div', { class: 'grid' },
      kv('Round', proof.roundId), kv('Root from the proof', proof.roundRoot, { id: 'proof-root', class: 'v mono' }),
      kv('Root recomputed here', outcome.roundRoot ?? '—', { id: 'computed-root', class: 'v mono' }),
      kv('Root committed on chain (RoundCommitted, as Anchoring read it)', round ? `${round.root} (${round.status})` : 'round not in the latest 500', { id: 'chain-root', class: 'v mono' }),
      kv('Transaction', proof.transactionHash, { class: 'v mono' }), kv('Block', `${proof.block} (${proof.confirmations ?? '?'} confirmations)`),
      kv('Anchor contract', proof.anchor, { class: 'v mono' }), kv('Chain', proof.chainId)),
    h('ul', { class: 'checks' }, outcome.checks.map(c => h('li', { class: c.passed ? 'pass' : 'fail', dataset: { check: c.name } }, h('strong', {}, c.name), ': ', c.detail))),
    h('details', {}, h('summary', {}, 'The reading'), h('pre', { class: 'mono' }, proof.reading)));
}
