"""Benchmark `trainlab inspect` against a naive `torch.load`: time and peak memory vs file size (10 MB to 2 GB).

Each measurement runs in a fresh child process. Files are trainlab checkpoints shaped like a real one (weights 1/3,
Adam's two moments 2/3, 300 tensors, a history and config), plus one .safetensors file (whose "naive" reader is
safetensors.torch.load_file, itself memory-mapped). "cold" means the file's pages were
dropped from the page cache first (posix_fadvise DONTNEED), "warm" that they were just read. Peak memory is the
growth of the child's peak resident set (VmHWM, reset through /proc/self/clear_refs) during the call, so the
~0.6 GB that importing torch costs is not counted; the absolute peak is reported too.
Writes bench/bench_inspect.json next to this file and removes its temporary files. Linux only. Usage:
    python bench/bench_inspect.py [--sizes-mb 10 100 500 1000 2000]
"""
import os, sys, json, time, shutil, argparse, platform, subprocess, tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

def status(key):
    "A /proc/self/status value in bytes."
    return int(Path('/proc/self/status').read_text().split(f'{key}:')[1].split()[0]) * 1024

def evict(path):
    "Drop `path`'s pages from the page cache, so the next read comes from disk."
    fd = os.open(path, os.O_RDONLY)
    try: os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally: os.close(fd)

def measure(f):
    "Seconds `f()` takes and how much it raises this process's peak resident memory."
    Path('/proc/self/clear_refs').write_text('5')
    before, t = status('VmRSS'), time.perf_counter()
    out = f()
    secs = time.perf_counter() - t
    grew = status('VmHWM') - before
    del out
    return dict(s=secs, peak_growth_mb=grew / 1e6)

def child(how, path):
    "Measure one way of reading `path` (cold, then warm) in this fresh process; print JSON."
    t = time.perf_counter()
    import gc, torch
    from trainlab.inspect import summarise
    from safetensors.torch import load_file
    imported = time.perf_counter() - t
    fn = dict(inspect=lambda: summarise(path),
              naive=lambda: load_file(path) if path.endswith('.safetensors') else torch.load(path, weights_only=True))[how]
    evict(path)
    cold = measure(fn)
    gc.collect()
    warm = [measure(fn) for _ in range(3)]
    print(json.dumps(dict(import_s=imported, cold=cold, warm_first=warm[0], warm_best_s=min(w['s'] for w in warm),
                          peak_rss_mb=status('VmHWM') / 1e6)))

def run_child(how, path):
    r = subprocess.run([sys.executable, __file__, '--child', how, str(path)], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])

def make_checkpoint(path, nbytes):
    "A trainlab checkpoint of about `nbytes`: 1/3 weights in 100 tensors, 2/3 Adam moments, a history and config."
    import torch
    from trainlab.checkpoint import new_checkpoint, save_checkpoint
    n = max(nbytes // 3 // 4 // 100, 1)  # float32 elements per weight tensor
    # zeros come from calloc: untouched pages cost no memory while torch.save writes them
    model = {f'layer{i}.weight': torch.zeros(n) for i in range(100)}
    opt = dict(state={i: dict(step=torch.tensor(100.), exp_avg=torch.zeros(n), exp_avg_sq=torch.zeros(n)) for i in range(100)},
               param_groups=[dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, params=list(range(100)))])
    hist = [dict(epoch=e + 1, train_loss=2.0 / (e + 1), valid_loss=2.1 / (e + 1), lr=1e-3) for e in range(50)]
    ck = new_checkpoint('last', model=model, optimizer=opt, history=hist, config=dict(lr=1e-3, n_epoch=50),
                        progress=dict(epoch=50, step=5000, batch=0, n_epoch=50, complete=True), env={})
    save_checkpoint(ck, path)
    return dict(n_tensors=300)

def make_safetensors(path, nbytes):
    import torch
    from safetensors.torch import save_file
    n = max(nbytes // 4 // 100, 1)
    save_file({f'layer{i}.weight': torch.zeros(n) for i in range(100)}, str(path))
    return dict(n_tensors=100)

def cli_seconds(path):
    "Wall time of `trainlab inspect PATH --json` as a user runs it (python start and torch import included)."
    t = time.perf_counter()
    subprocess.run([sys.executable, '-c', 'import sys; from trainlab.cli import main; sys.exit(main())', 'inspect', str(path), '--json'],
                   capture_output=True, check=True)
    return time.perf_counter() - t

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--sizes-mb', type=int, nargs='+', default=[10, 100, 500, 1000, 2000])
    p.add_argument('--child', nargs=2, metavar=('HOW', 'PATH'))
    a = p.parse_args()
    if a.child: return child(*a.child)
    import torch
    tmp = Path(tempfile.mkdtemp(prefix='bench_inspect_'))
    rows, t0 = [], time.time()
    try:
        cases = [('trainlab', mb) for mb in a.sizes_mb] + [('safetensors', max(a.sizes_mb))]
        for fmt, mb in cases:
            path = tmp/(f'{mb}mb.safetensors' if fmt == 'safetensors' else f'{mb}mb.pt')
            t = time.perf_counter()
            info = (make_safetensors if fmt == 'safetensors' else make_checkpoint)(path, mb * 1_000_000)
            write_s = time.perf_counter() - t
            row = dict(format=fmt, size_mb=round(path.stat().st_size / 1e6, 1), write_s=round(write_s, 2), **info,
                       inspect=run_child('inspect', path), naive=run_child('naive', path), cli_s=cli_seconds(path))
            row['speedup_warm'] = row['naive']['warm_best_s'] / row['inspect']['warm_best_s']
            rows.append(row)
            print(f"{fmt:<11} {row['size_mb']:>8.1f} MB  inspect cold {row['inspect']['cold']['s']*1000:7.1f} ms "
                  f"warm {row['inspect']['warm_best_s']*1000:6.1f} ms peak +{row['inspect']['cold']['peak_growth_mb']:6.1f} MB | "
                  f"naive cold {row['naive']['cold']['s']:6.2f} s warm {row['naive']['warm_best_s']:6.2f} s "
                  f"peak +{row['naive']['cold']['peak_growth_mb']:7.1f} MB | CLI {row['cli_s']:.2f} s", flush=True)
            path.unlink()
    finally: shutil.rmtree(tmp, ignore_errors=True)
    out = dict(bench='inspect', created=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), seconds=round(time.time() - t0, 1),
               machine=dict(platform=platform.platform(), cpus=os.cpu_count(), python=platform.python_version(), torch=torch.__version__,
                            load_avg=os.getloadavg()),
               notes=__doc__.split('\n\n')[0] + ' Times in seconds; memory in MB (1e6 bytes); cold = page cache dropped.',
               rows=rows)
    (HERE/'bench_inspect.json').write_text(json.dumps(out, indent=2) + '\n')
    print(f"wrote {HERE/'bench_inspect.json'} in {out['seconds']} s")

if __name__ == '__main__': main()
