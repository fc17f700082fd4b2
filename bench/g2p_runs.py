"""Shared by the G2P bench scripts that run the real command: run `trainlab run nbs/train/g2p.ipynb` and read its
run folder back into one JSON-able record. Nothing here is typed in by hand: every number comes from the run's
files (status.json, training_log.json, report/test_metrics.json, checkpoints/best.pt) or from the clock.
"""
import os, platform, shlex, subprocess, sys, time
from pathlib import Path
import torch
from trainlab.files import read_json, read_training_log
from trainlab.tasks.g2p_model import G2P

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = 'nbs/train/g2p.ipynb'

def trainlab_bin() -> str:
    "The `trainlab` command of the Python running this script (the project's .venv)."
    exe = Path(sys.executable).with_name('trainlab')
    return str(exe) if exe.exists() else 'trainlab'

def machine() -> dict:
    "What the numbers depend on: CPU model, cores, torch version, load."
    cpu = next((l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines()
                if l.startswith('model name')), None) if Path('/proc/cpuinfo').exists() else None
    return dict(cpu=cpu or platform.processor() or platform.machine(), cpu_count=os.cpu_count(), torch=torch.__version__,
                platform=platform.platform(), load_avg=[round(x, 2) for x in os.getloadavg()])

def run_g2p(params:list[tuple[str, str]], name:str, runs_dir:Path) -> tuple[Path, float, str]:
    "Run the training notebook with `params` (-p NAME VALUE pairs) from the repository root; (run folder, wall seconds, command)."
    args = [a for k, v in params for a in ('-p', k, str(v))]
    cmd = [trainlab_bin(), 'run', NOTEBOOK, *args, '--name', name, '--runs-dir', str(runs_dir)]
    shown = ' '.join(['trainlab run', NOTEBOOK, *map(shlex.quote, args)])
    before = set(runs_dir.glob('*')) if runs_dir.exists() else set()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    print(f'== {shown}', flush=True)
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode: sys.exit(f'{shown} failed (exit {p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}')
    (run_dir,) = set(runs_dir.glob('*')) - before
    return run_dir, wall, shown

def scores(m:dict, suffix:str='') -> dict:
    "PER/WER with and without stress from test_metrics.json, for the first (suffix '') or closest ('_closest') reference."
    return {k: m[f'test_{k}{suffix}'] for k in ('per', 'wer', 'per_no_stress', 'wer_no_stress')} | {'n_words': m['test_n_words']}

def collect(run_dir:Path, command:str, command_s:float, sample_words:list[str]|None=None) -> dict:
    "One record of a finished G2P run, from its files."
    status, log = read_json(run_dir/'status.json'), read_training_log(run_dir)
    test = read_json(run_dir/'report'/'test_metrics.json')
    ckpt = torch.load(run_dir/'checkpoints'/'best.pt', weights_only=True, mmap=True)
    train = ckpt['config']['train']
    epochs, curve, elapsed = log['epochs'], [], 0.
    for e in epochs:
        elapsed += e['seconds']
        curve.append(dict(epoch=e['epoch'], steps=e['step'], train_s=round(elapsed, 1), epoch_s=round(e['seconds'], 1),
                          train_loss=round(e['train_loss'], 4), valid_loss=round(e['valid_loss'], 4),
                          **{k: round(v, 4) for k, v in e['metrics'].items()}))
    best = next(e for e in epochs if e['epoch'] == status['best']['epoch'])
    rec = dict(
        command=command, run=run_dir.name, status=status['status'], stop_reason=status.get('reason'),
        params={k: v for k, v in train.items() if k in status.get('given', [])},
        data=ckpt['config']['data'], model_params=ckpt['model_info']['params'],
        epochs=len(epochs), steps=epochs[-1]['step'] if epochs else 0, steps_per_epoch=log.get('batches_per_epoch'),
        epoch_s=[round(e['seconds'], 1) for e in epochs], train_s=round(elapsed, 1), command_s=round(command_s, 1),
        threads=train.get('threads'), best_epoch=status['best']['epoch'],
        valid_curve=curve, valid=dict(greedy_first_ref=dict(best['metrics'])),
        test=dict(greedy_first_ref=scores(test), greedy_closest_ref=scores(test, '_closest'), beam=test.get('beam')),
        env={k: ckpt['env'][k] for k in ('git', 'versions', 'platform', 'cpu_count', 'torch_threads')},
    )
    if sample_words:
        g = G2P.from_checkpoint(run_dir/'checkpoints'/'best.pt')
        rec['samples'] = dict(zip(sample_words, g.predict(sample_words, beam=test.get('beam') or 1)))
    return rec
