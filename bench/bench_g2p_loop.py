"""G2P epoch: trainlab's `fit_disciplined` vs a plain PyTorch loop over the same model and batches, and the
validation pass and test scoring before and after issue 18 -- all side by side in one process.

    python bench/bench_g2p_loop.py                 # 300-step epochs (a random 19,200-word subset), full validation, 3 rounds
    python bench/bench_g2p_loop.py --steps 0       # full epochs (~1,800 steps; ~15 min for 3 rounds of 3 variants)

Variants, interleaved round by round (A B C, A B C, ...) so that load on a shared machine hits them alike, each one
epoch from the same initial weights, batches bucketed the same way:
- `plain`: a hand-written loop: torch `DataLoader` with the same length-bucketed batches and `pad_collate`, the
  same loss, torch's fused AdamW under `OneCycleLR`, then validation: loss, greedy decoding, PER/WER with and
  without stress (as the notebook's metrics);
- `trainlab`: the training notebook's learner and `fit_disciplined` (checkpoints, logs, TensorBoard, status);
- `trainlab_before`: the same with what this issue replaced: fastai's `Adam`, the row-by-row `pad_collate`, the
  pure-Python edit distance.

Also timed: the validation pass alone (2,483 words: greedy decoding + PER/WER, with and without stress) and
scoring the test split (6,279 words, `per_wer` first and closest pronunciation, with and without stress), each
before and after. Epochs are timed in wall and in this process's CPU seconds (steadier when other jobs share
the cores; with --threads 1 it is the work done). Writes bench/g2p_loop.json; read the ratios, not the seconds.
"""
import argparse, copy, json, os, platform, random, statistics, tempfile, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import torch
from fastai.optimizer import Adam
from trainlab.callbacks import *  # noqa: F401,F403  (Learner.fit_disciplined)
from trainlab.logging import quiet_progress
import trainlab.tasks.g2p as tg
import trainlab.tasks.g2p_model as tm
from trainlab.tasks.g2p import g2p_data, g2p_learner, G2P_DEFAULTS, BucketDL, PairDataset
from trainlab.tasks.g2p_model import Vocab, pad_collate, per_wer, edit_distance

HERE = Path(__file__).parent

def edit_distance_py(a, b):
    "The pure-Python edit distance that rapidfuzz replaced."
    if a == b: return 0
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1): cur.append(min(prev[j] + 1, cur[j-1] + 1, prev[j-1] + (x != y)))
        prev = cur
    return prev[-1]

def pad_collate_rows(items):
    "The row-by-row `pad_collate` that one tensor per output replaced."
    S, T = max(len(s) for s, _ in items), max(len(t) for _, t in items) + 1
    src, tin, tout = (torch.full((len(items), n), Vocab.pad, dtype=torch.long) for n in (S, T, T))
    for k, (s, t) in enumerate(items):
        src[k, :len(s)] = torch.tensor(s, dtype=torch.long)
        tin[k, :len(t)+1] = torch.tensor([Vocab.bos, *t])
        tout[k, :len(t)+1] = torch.tensor([*t, Vocab.eos])
    return src, tin, tout

def validation_pass(learn, batches, dist):
    "Greedy decoding and the four metrics (PER/WER with and without stress) of the validation batches, as `Learner.validate` runs them: seconds."
    ms, old = tg.g2p_metrics(learn.phonemes, no_stress=True), tg.edit_distance
    tg.edit_distance = dist
    try:
        learn.model.eval()
        for m in ms: m.reset()
        t = time.perf_counter()
        for b in batches:
            learn.xb, learn.yb = b[:2], b[2:]
            for m in ms: m.accumulate(learn)
        return time.perf_counter() - t, [m.value for m in ms]
    finally: tg.edit_distance = old

def plain_epoch(model, train_batches, valid_batches, loss_func, lr, phonemes):
    "One epoch the hand-written way: train steps under one-cycle, then validation loss, decoding and PER/WER."
    opt = torch.optim.AdamW([dict(params=[p for p in model.parameters() if p.ndim > 1], weight_decay=0.01),
                             dict(params=[p for p in model.parameters() if p.ndim <= 1], weight_decay=0.)],
                            lr=lr, betas=(0.9, 0.99), eps=1e-5, fused=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=len(train_batches))
    model.train()
    for src, tin, tout in train_batches:
        loss = loss_func(model(src, tin), tout)
        loss.backward()
        opt.step()
        opt.zero_grad()
        sched.step()
        loss.item()  # what any loop logs
    model.eval()
    with torch.no_grad():
        for src, tin, tout in valid_batches: loss_func(model(src, tin), tout).item()
    ms = tg.g2p_metrics(phonemes, no_stress=True)
    for m in ms: m.reset()
    fake = type('Batch', (), {})()  # what G2PMetric reads: the model and the batch
    fake.model = model
    for b in valid_batches:
        fake.xb, fake.yb = b[:2], b[2:]
        for m in ms: m.accumulate(fake)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=300, help='training steps per epoch (a random subset of the training words); 0: all')
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's, every core)")
    p.add_argument('--out', default=str(HERE/'g2p_loop.json'))
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    random.seed(0); torch.manual_seed(42)
    data, bs, lr = g2p_data('cmudict', seed=42), G2P_DEFAULTS['batch_size'], G2P_DEFAULTS['lr']
    if a.steps: data.train = random.Random(0).sample(data.train, a.steps * bs)
    learn = g2p_learner(data, no_stress_metrics=True)
    init = copy.deepcopy(learn.model.state_dict())
    learn.phonemes = data.phonemes
    # the plain loop's batches: the same bucketing (a BucketDL's order), collated by a torch DataLoader
    trn = learn.dls.train
    order = BucketDL(trn.dataset, bs=bs, shuffle=True, drop_last=True).get_idxs()
    batch_idx = [order[i:i + bs] for i in range(0, len(order) - bs + 1, bs)]
    plain_dl = torch.utils.data.DataLoader(trn.dataset, batch_sampler=batch_idx, collate_fn=pad_collate)
    valid_batches = list(learn.dls.valid)

    def run_trainlab(before):
        l = g2p_learner(data, no_stress_metrics=True, **({'opt_func': Adam} if before else {}))
        l.model.load_state_dict(init)
        quiet_progress(l, headless=True)
        if before:
            for dl in l.dls.loaders: dl.create_batch = pad_collate_rows
        old_ed, tg.edit_distance = tg.edit_distance, (edit_distance_py if before else tg.edit_distance)
        try:
            with tempfile.TemporaryDirectory() as d:
                t, c = time.perf_counter(), time.process_time()
                l.fit_disciplined(1, lr, run_dir=d, monitor='per', patience=2, min_epochs=3, config=l.trainlab_config)
                return time.perf_counter() - t, time.process_time() - c
        finally: tg.edit_distance = old_ed
    def run_plain():
        m = copy.deepcopy(learn.model)
        m.load_state_dict(init)
        t, c = time.perf_counter(), time.process_time()
        plain_epoch(m, plain_dl, valid_batches, learn.loss_func, lr, data.phonemes)
        took = time.perf_counter() - t, time.process_time() - c
        learn.model.load_state_dict(m.state_dict())  # the validation pass below decodes with weights trained for an epoch
        return took

    variants = dict(plain=run_plain, trainlab=lambda: run_trainlab(False), trainlab_before=lambda: run_trainlab(True))
    times, cpu = {k: [] for k in variants}, {k: [] for k in variants}
    vtimes, test_times = dict(before=[], after=[]), dict(before=[], after=[])
    items = data.test
    rng = random.Random(0)  # predictions with about a tenth of their phonemes wrong, as a trained model's: what scoring costs depends on it
    hyps = [[t if rng.random() > 0.1 else rng.choice(data.phonemes.itos[4:]) for t in ps[0] if rng.random() > 0.03] for _, ps in items]
    def score_test(dist):
        old = tm.edit_distance
        tm.edit_distance = dist
        try:
            t = time.perf_counter()
            for refs in ('first', 'closest'):
                rs = [ps[:1] if refs == 'first' else ps for _, ps in items]
                per_wer(hyps, rs); per_wer(hyps, rs, stress=False)
            return time.perf_counter() - t
        finally: tm.edit_distance = old
    for r in range(a.rounds + 1):  # round 0: warm-up, not counted
        for k, f in variants.items():
            s, c = f()
            if r: times[k].append(s); cpu[k].append(c)
            print(f'round {r} {k}: {s:.2f} s wall, {c:.2f} s CPU', flush=True)
        (vb, mb), (va, ma) = validation_pass(learn, valid_batches, edit_distance_py), validation_pass(learn, valid_batches, edit_distance)
        assert mb == ma, (mb, ma)  # the same numbers
        tb, ta = score_test(edit_distance_py), score_test(edit_distance)
        if r:
            vtimes['before'].append(vb); vtimes['after'].append(va); test_times['before'].append(tb); test_times['after'].append(ta)
        print(f'round {r} validation pass: before {vb:.2f} s, after {va:.2f} s; test scoring: before {tb:.2f} s, after {ta:.2f} s', flush=True)
    med, cmed = {k: statistics.median(v) for k, v in times.items()}, {k: statistics.median(v) for k, v in cpu.items()}
    vmed, tmed = {k: statistics.median(v) for k, v in vtimes.items()}, {k: statistics.median(v) for k, v in test_times.items()}
    res = dict(steps=len(batch_idx), steps_full_epoch=None if a.steps else len(batch_idx), batch_size=bs, n_valid=len(data.valid),
               n_test=len(items), rounds=a.rounds, epoch_s={k: round(v, 2) for k, v in med.items()},
               epoch_s_all={k: [round(x, 2) for x in v] for k, v in times.items()},
               epoch_cpu_s={k: round(v, 2) for k, v in cmed.items()},
               epoch_cpu_s_all={k: [round(x, 2) for x in v] for k, v in cpu.items()},
               ratio_trainlab_to_plain=dict(wall=round(med['trainlab'] / med['plain'], 3), cpu=round(cmed['trainlab'] / cmed['plain'], 3)),
               ratio_trainlab_before_to_plain=dict(wall=round(med['trainlab_before'] / med['plain'], 3),
                                                   cpu=round(cmed['trainlab_before'] / cmed['plain'], 3)),
               validation_pass_s=dict(before=round(vmed['before'], 3), after=round(vmed['after'], 3),
                                      ratio_after_to_before=round(vmed['after'] / vmed['before'], 3)),
               test_scoring_s=dict(before=round(tmed['before'], 3), after=round(tmed['after'], 3),
                                   ratio_after_to_before=round(tmed['after'] / tmed['before'], 3)),
               machine=dict(cpu=platform.processor() or platform.machine(), cpu_count=os.cpu_count(), threads=torch.get_num_threads(),
                            torch=torch.__version__, load_avg_after=[round(x, 2) for x in os.getloadavg()]))
    Path(a.out).write_text(json.dumps(res, indent=1))
    print(json.dumps({k: v for k, v in res.items() if not k.endswith('_all')}, indent=1))

if __name__ == '__main__': main()
