"""Per-epoch cost of trainlab's callbacks: the full `disciplined_cbs` set vs bare fastai `fit` vs a hand-written PyTorch loop.

One run, the three variants interleaved (A B C, A B C, ...) so that load drifting on a shared machine hits them
alike; `REPEATS` repeats of `EPOCHS` epochs each, the first epoch of every repeat dropped as warm-up. Every variant
trains the same MLP (about 2.7M parameters) with Adam at a constant learning rate on the same synthetic data through
the same torch `DataLoader` (128 training and 16 validation batches of 64 per epoch), and validates every epoch.

- `plain`: a hand-written loop (train step, validation loss and accuracy);
- `fastai`: `Learner.fit` with `accuracy`, no progress bar;
- `trainlab`: the same `fit` with `disciplined_cbs(run_dir)`: LossGuard, EarlyStopping, Checkpointer (best.pt and
  last.pt written every epoch), TrainState, and trainlab.logging's HeadlessLogger, JSONLog and TensorBoardLog.

Writes bench/bench_callbacks.json: per-variant medians of wall and CPU seconds per epoch and the ratios
trainlab/fastai (goal <= 1.03) and fastai/plain (fastai's own overhead).
"""
import os, sys, io, json, time, shutil, tempfile, platform, statistics, contextlib, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import torch, torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

THREADS = int(os.environ.get('BENCH_THREADS', '1'))  # one thread: steadier timings on a shared CPU
REPEATS, EPOCHS, BS, N_TRAIN, N_VALID, WIDTH = 5, 4, 64, 128*64, 16*64, 1024
torch.set_num_threads(THREADS)

from fastai.data.core import DataLoaders
from fastai.learner import Learner
from fastai.callback.core import Callback
from fastai.callback.progress import ProgressCallback
from fastai.optimizer import Adam
from fastai.metrics import accuracy
from fastcore.basics import noop
from trainlab.callbacks import disciplined_cbs

def make_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(512, WIDTH), nn.ReLU(), nn.Linear(WIDTH, WIDTH), nn.ReLU(), nn.Linear(WIDTH, WIDTH), nn.ReLU(), nn.Linear(WIDTH, 10))

def make_data():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(N_TRAIN + N_VALID, 512, generator=g), torch.randint(0, 10, (N_TRAIN + N_VALID,), generator=g)
    train = DataLoader(TensorDataset(x[:N_TRAIN], y[:N_TRAIN]), batch_size=BS, shuffle=True, drop_last=True)
    valid = DataLoader(TensorDataset(x[N_TRAIN:], y[N_TRAIN:]), batch_size=BS)
    return train, valid

class EpochTimer(Callback):
    "Wall and CPU seconds of each epoch (train + validation)."
    order = -100
    def __init__(self): self.wall, self.cpu = [], []
    def before_epoch(self): self._w, self._c = time.perf_counter(), time.process_time()
    def after_epoch(self):
        self.wall.append(time.perf_counter() - self._w)
        self.cpu.append(time.process_time() - self._c)

def run_plain():
    model, (train, valid) = make_model(), make_data()
    opt, loss_func = torch.optim.Adam(model.parameters(), lr=1e-3), nn.CrossEntropyLoss()
    wall, cpu = [], []
    for _ in range(EPOCHS):
        w, c = time.perf_counter(), time.process_time()
        model.train()
        for xb, yb in train:
            loss = loss_func(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        model.eval()
        tot, correct, n = 0., 0, 0
        with torch.no_grad():
            for xb, yb in valid:
                out = model(xb)
                tot += loss_func(out, yb).item()*len(yb)
                correct += (out.argmax(1) == yb).sum().item()
                n += len(yb)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return wall, cpu

def learner():
    train, valid = make_data()
    learn = Learner(DataLoaders(train, valid), make_model(), loss_func=nn.CrossEntropyLoss(), opt_func=Adam, metrics=accuracy)
    learn.remove_cbs([cb for cb in learn.cbs if isinstance(cb, ProgressCallback)])
    learn.logger = noop
    return learn

def run_fastai():
    learn, t = learner(), EpochTimer()
    learn.fit(EPOCHS, 1e-3, cbs=t)
    return t.wall, t.cpu

def run_trainlab(tmp):
    learn, t = learner(), EpochTimer()
    run_dir = Path(tempfile.mkdtemp(dir=tmp))
    with contextlib.redirect_stdout(io.StringIO()):  # the headless epoch blocks (printing them costs microseconds)
        learn.fit(EPOCHS, 1e-3, cbs=[t] + disciplined_cbs(run_dir, patience=100))
    assert (run_dir/'checkpoints'/'last.pt').exists() and (run_dir/'training_log.json').exists()
    shutil.rmtree(run_dir)
    return t.wall, t.cpu

def med(xs): return statistics.median(xs)

def main():
    tmp = Path(tempfile.mkdtemp())
    variants = dict(plain=run_plain, fastai=run_fastai, trainlab=lambda: run_trainlab(tmp))
    times = {k: dict(wall=[], cpu=[]) for k in variants}
    t0 = time.time()
    for r in range(REPEATS):
        for name, fn in variants.items():
            wall, cpu = fn()
            times[name]['wall'] += wall[1:]  # the first epoch of each fit warms up allocators and caches
            times[name]['cpu'] += cpu[1:]
        print(f'repeat {r + 1}/{REPEATS}: ' + ', '.join(f'{k} {med(v["wall"]):.3f}s' for k, v in times.items()), flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    m = {k: dict(wall_s=med(v['wall']), cpu_s=med(v['cpu']), epochs=len(v['wall'])) for k, v in times.items()}
    n_params = sum(p.numel() for p in make_model().parameters())
    res = dict(
        what='seconds per epoch (train 128 steps + validate 16 batches), median over repeats x epochs (first epoch of each fit dropped)',
        model=dict(kind='MLP 512-1024-1024-1024-10', parameters=n_params), batch_size=BS, steps_per_epoch=N_TRAIN//BS,
        repeats=REPEATS, epochs_per_fit=EPOCHS, torch_threads=THREADS, cpu_count=os.cpu_count(), load_avg_1min_at_end=os.getloadavg()[0],
        device='cpu', torch=torch.__version__, python=platform.python_version(), seconds=round(time.time() - t0, 1),
        medians=m, raw=times,
        ratios=dict(trainlab_over_fastai_wall=m['trainlab']['wall_s']/m['fastai']['wall_s'],
                    trainlab_over_fastai_cpu=m['trainlab']['cpu_s']/m['fastai']['cpu_s'],
                    fastai_over_plain_wall=m['fastai']['wall_s']/m['plain']['wall_s'],
                    fastai_over_plain_cpu=m['fastai']['cpu_s']/m['plain']['cpu_s']),
        goal='trainlab_over_fastai <= 1.03')
    out = Path(__file__).with_suffix('.json')
    out.write_text(json.dumps(res, indent=2))
    print(json.dumps(dict(medians=m, ratios=res['ratios']), indent=2))
    print(f'wrote {out}')

if __name__ == '__main__': main()
