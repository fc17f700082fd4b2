"""Per-step cost of trainlab's distributed wrapper on this CPU: 1 process vs 2 gloo processes (torchrun), same global batch.

Each configuration trains an MLP on synthetic data with `fit_disciplined` (every trainlab callback, DDP, the sharded
loader, the loss and signal all-reduces) and times the training phase of epochs 2..E (epoch 1 warms up).
With 2 cores, 2 processes cannot be faster than 1: this measures overhead, not scaling.
Run: flock /work/wt/cpu.lock nice python bench/bench_distrib.py  ->  bench/distrib_overhead.json
"""
import os, sys, json, time, subprocess, tempfile, platform
from pathlib import Path

N_SAMPLES, N_FEATURES, EPOCHS = 8192, 256, 4
CONFIGS = [  # (name, processes, global batch, hidden width)
    ('small MLP, 1 process', 1, 64, 256), ('small MLP, 2 processes', 2, 64, 256),
    ('wide MLP, 1 process', 1, 64, 2048), ('wide MLP, 2 processes', 2, 64, 2048),
    ('wide MLP, 2 processes, per-process batch 64', 2, 128, 2048), ('wide MLP, 1 process, batch 128', 1, 128, 2048),
]

def worker(out, bs, hidden):
    "One rank: train, time the training phases, rank 0 writes the numbers."
    import torch, torch.nn as nn
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner
    from fastai.callback.core import Callback
    from trainlab.repro import seed_everything
    import trainlab.callbacks  # adds Learner.fit_disciplined
    from trainlab.logging import quiet_progress
    torch.set_num_threads(1)
    seed_everything(0)
    x, y = torch.randn(N_SAMPLES + 1024, N_FEATURES), torch.randint(0, 10, (N_SAMPLES + 1024,))
    ds = list(zip(x, y))
    dls = DataLoaders.from_dsets(ds[:N_SAMPLES], ds[N_SAMPLES:], bs=bs, device='cpu', num_workers=0)
    class Clock(Callback):
        order = -20
        def before_fit(self): self.times = []
        def before_train(self): self.t = time.perf_counter()
        def after_train(self): self.times.append(time.perf_counter() - self.t)
    clock = Clock()
    model = nn.Sequential(nn.Linear(N_FEATURES, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    learn = Learner(dls, model, loss_func=nn.CrossEntropyLoss(), cbs=clock)
    quiet_progress(learn)
    run_dir = Path(tempfile.mkdtemp())
    import contextlib, io
    with contextlib.redirect_stdout(io.StringIO()): learn.fit_disciplined(EPOCHS, 1e-3, run_dir=run_dir, patience=None, logs=False)
    if int(os.environ.get('RANK') or 0) == 0:
        steps = len(dls.train)
        t = sum(clock.times[1:]) / (EPOCHS - 1)
        Path(out).write_text(json.dumps(dict(s_per_epoch=t, steps_per_epoch=steps, params=sum(p.numel() for p in model.parameters()))))

def measure(name, procs, bs, hidden):
    with tempfile.NamedTemporaryFile(suffix='.json') as f:
        cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', f'--nproc-per-node={procs}', __file__, '--worker', f.name, str(bs), str(hidden)]
        subprocess.run(cmd, check=True, env=dict(os.environ, OMP_NUM_THREADS='1'), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = json.loads(Path(f.name).read_text())
    step = r['s_per_epoch'] / r['steps_per_epoch']
    return dict(name=name, processes=procs, global_batch=bs, per_process_batch=bs // procs, hidden=hidden, parameters=r['params'],
                ms_per_step=1000 * step, samples_per_s_total=bs / step, samples_per_s_per_process=bs / procs / step)

if __name__ == '__main__':
    if sys.argv[1:2] == ['--worker']: worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])); sys.exit()
    rows = [measure(*c) for c in CONFIGS]
    for r in rows: print(f"{r['name']:<46} {r['ms_per_step']:7.2f} ms/step {r['samples_per_s_total']:9.0f} samples/s ({r['samples_per_s_per_process']:.0f} per process)")
    by = {r['name']: r for r in rows}
    ratios = {f'{m}: 2 processes / 1 process, step time': by[f'{m}, 2 processes']['ms_per_step'] / by[f'{m}, 1 process']['ms_per_step']
              for m in ('small MLP', 'wide MLP')}
    import torch
    out = dict(what=__doc__.splitlines()[0], machine=dict(cpus=os.cpu_count(), processor=platform.processor() or platform.machine(), torch=torch.__version__),
               samples=N_SAMPLES, features=N_FEATURES, epochs_timed=EPOCHS - 1, rows=rows, ratios=ratios)
    Path(__file__).with_name('distrib_overhead.json').write_text(json.dumps(out, indent=1) + '\n')
    print(json.dumps(ratios, indent=1))
