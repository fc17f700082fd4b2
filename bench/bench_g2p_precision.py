"""G2P training step: eager fp32 vs bf16 autocast vs `torch.compile`, side by side on the same batches.

    python bench/bench_g2p_precision.py               # 3 rounds of 40 steps per variant, interleaved
    python bench/bench_g2p_precision.py --threads 1

Every variant starts from the same weights and trains on the same 40 length-bucketed batches of the default
run (batch 64), with the default optimizer; the rounds interleave the variants (A B C, A B C, ...) so that a
load change on a shared machine hits them alike. Reported: median seconds per step of each variant, its ratio to
eager fp32, and how far its losses drift from eager fp32's on the same batches (the tolerance a compiled or bf16
run has to accept). Writes bench/g2p_precision.json.
"""
import argparse, copy, json, os, platform, statistics, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import torch
from trainlab.tasks.g2p import g2p_data, g2p_learner, G2P_DEFAULTS

HERE = Path(__file__).parent

def train_steps(model, opt, loss_func, batches, autocast=False):
    "Train on `batches`; return (seconds per step, losses)."
    model.train()
    losses, t = [], time.perf_counter()
    for src, tin, tout in batches:
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
            out = model(src, tin)
        loss = loss_func(out.float(), tout)
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    return (time.perf_counter() - t) / len(batches), losses

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=40)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--threads', type=int, default=None)
    p.add_argument('--out', default=str(HERE/'g2p_precision.json'))
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    learn = g2p_learner(g2p_data('cmudict', seed=42))
    it = iter(learn.dls.train)
    batches = [next(it) for _ in range(a.steps)]
    init = copy.deepcopy(learn.model.state_dict())
    variants = {'eager_fp32': dict(), 'bf16_autocast': dict(autocast=True), 'compiled_fp32': dict(compile=True)}
    setups = {}
    for name, v in variants.items():
        m = copy.deepcopy(learn.model)
        m.load_state_dict(init)
        if v.get('compile'):
            try:
                t = time.perf_counter()
                mc = torch.compile(m)
                train_steps(mc, torch.optim.SGD(m.parameters(), lr=0.), learn.loss_func, batches[:8])  # compile for the shapes seen
                print(f'compiled in {time.perf_counter() - t:.0f} s (first 8 shapes)')
            except Exception as e:
                print(f'torch.compile unavailable here ({type(e).__name__}: {str(e).splitlines()[0][:120]}); skipped')
                continue
            m_run = mc
        else: m_run = m
        setups[name] = dict(model=m_run, params=m, autocast=v.get('autocast', False), times=[], losses=None)
    for r in range(a.rounds):
        for name, s in setups.items():
            s['params'].load_state_dict(init)
            opt = torch.optim.AdamW(s['params'].parameters(), lr=G2P_DEFAULTS['lr'], betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01, fused=True)
            sec, losses = train_steps(s['model'], opt, learn.loss_func, batches, s['autocast'])
            if r: s['times'].append(sec)  # round 0: warm-up (and for the compiled model, shapes not compiled yet)
            s['losses'] = losses
            print(f'round {r} {name}: {sec * 1e3:.1f} ms/step', flush=True)
    base = setups['eager_fp32']
    res = {}
    for name, s in setups.items():
        med = statistics.median(s['times'])
        drift = max(abs(x - y) / abs(y) for x, y in zip(s['losses'], base['losses']))
        res[name] = dict(s_per_step=round(med, 5), ratio_to_eager_fp32=round(med / statistics.median(base['times']), 3),
                         max_rel_loss_drift=float(f'{drift:.2g}'), final_loss=round(s['losses'][-1], 4))
    out = dict(steps=a.steps, rounds=a.rounds, batch_size=learn.dls.train.bs, variants=res,
               machine=dict(cpu=platform.processor() or platform.machine(), cpu_count=os.cpu_count(), threads=torch.get_num_threads(),
                            torch=torch.__version__, bf16_cpu=torch.backends.mkldnn.is_available(),
                            load_avg_after=[round(x, 2) for x in os.getloadavg()]))
    Path(a.out).write_text(json.dumps(out, indent=1))
    for k, v in res.items(): print(f"{k:15s} {v['s_per_step'] * 1e3:7.1f} ms/step  x{v['ratio_to_eager_fp32']:.2f}  loss drift {v['max_rel_loss_drift']}")

if __name__ == '__main__': main()
