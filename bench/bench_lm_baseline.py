"""LM measurements, side by side in one run (writes bench/lm_baseline.json):

1. quality on an equal time budget: trainlab's default run (`trainlab run nbs/train/lm.ipynb -p minutes M`: its fit, validation
   included, stops at M minutes) against a plain-PyTorch nanoGPT-style character-level model (its loop below, ~100 lines, no
   trainlab) that trains for the same M minutes by its clock on the same training plays. Both are scored the same way: the
   held-out test plays cut into the same chunks of CONTEXT characters, each chunk scored on its own from its start (trainlab
   from its BOS token, the baseline from a newline), so both predict the same characters with the same context; bits per
   character = total nats / ln 2 / characters;
2. loop speed: trainlab's training loop (fastai + fit_disciplined's callbacks) against a plain PyTorch loop, same model, same batch shapes;
3. generation tokens/s with and without the KV cache (256 new tokens);
4. forgetting: the trained model continued on Python's stdlib with replay 0 and 0.25, Shakespeare validation loss before/after.

Usage: python bench/bench_lm_baseline.py [--minutes 3] [--continual-minutes 1] [--threads 2] [--out FILE]   (writes bench/lm_baseline.json)
"""
import sys, os, json, math, time, argparse, subprocess, platform
from pathlib import Path
import torch
from torch import nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# ---------------------------------------------------------------- the plain baseline (nanoGPT's model.py/train.py, condensed)
class CausalSelfAttention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.qkv, self.proj = h, nn.Linear(d, 3 * d), nn.Linear(d, d)
    def forward(self, x):
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in self.qkv(x).split(C, 2))
        return self.proj(F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C))

class GPTBlock(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln1, self.attn, self.ln2 = nn.LayerNorm(d), CausalSelfAttention(d, h), nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))

class CharGPT(nn.Module):
    def __init__(self, vocab, block, d=128, h=4, n_layer=4):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(block, d)
        self.blocks, self.ln, self.head = nn.Sequential(*[GPTBlock(d, h) for _ in range(n_layer)]), nn.LayerNorm(d), nn.Linear(d, vocab, bias=False)
        self.tok.weight = self.head.weight
    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        return self.head(self.ln(self.blocks(x)))

CONTEXT = 256  # characters: the chunk both models score, and the baseline's block (nanoGPT's shakespeare_char block size)

def train_baseline(train, valid, vocab, seconds, block=CONTEXT, bs=3, lr=1e-3, seed=42):
    "nanoGPT's shakespeare_char CPU 'baby' model (4 layers, 4 heads, 128 wide) with its GPU config's 256 characters of context; batch 3 keeps the baby's 768 characters a step; warmup + cosine over `seconds`."
    torch.manual_seed(seed)
    model = CharGPT(vocab, block)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.99), weight_decay=0.1)
    def batch():
        ix = torch.randint(len(train) - block - 1, (bs,))
        w = torch.stack([train[i:i + block + 1] for i in ix])
        return w[:, :-1], w[:, 1:]
    def step(lr_now):
        for g in opt.param_groups: g['lr'] = lr_now
        x, y = batch()
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=True); loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
        return loss.item()
    for _ in range(3): step(0.)  # warm-up
    # the cosine follows the clock, not a step count: the run uses the whole budget however fast this machine is right now
    t0, losses, it, warm = time.perf_counter(), [], 0, 100
    while (frac := (time.perf_counter() - t0) / seconds) < 1:
        lr_now = lr * (it + 1) / warm if it < warm else lr / 10 + 0.5 * (lr - lr / 10) * (1 + math.cos(math.pi * frac))
        losses.append(step(lr_now)); it += 1
    return model, dict(steps=it, seconds=time.perf_counter() - t0, final_train_loss=sum(losses[-50:]) / len(losses[-50:]),
                       params=sum(p.numel() for p in model.parameters()) - model.head.weight.numel())

def test_chunks(text:str, size:int=CONTEXT) -> list[str]:
    "The held-out text in consecutive chunks of `size` characters (a last, shorter one dropped): what both models score."
    return [text[i:i + size] for i in range(0, len(text) - size + 1, size)]

@torch.no_grad()
def baseline_chunk_nats(model, chunks, stoi, bs=64) -> float:
    "Nats the character model gives the chunks' characters, each chunk from a newline."
    model.eval()
    nats = 0.
    for i in range(0, len(chunks), bs):
        w = torch.tensor([[stoi.get(ch, 0) for ch in '\n' + c] for c in chunks[i:i + bs]])
        nats += F.cross_entropy(model(w[:, :-1]).flatten(0, 1), w[:, 1:].flatten(), reduction='sum').item()
    return nats

@torch.no_grad()
def trainlab_chunk_nats(lm, chunks) -> float:
    "Nats trainlab's model gives the chunks' tokens (so their characters), each chunk from the BOS token."
    m, nats = lm.model.eval(), 0.
    for c in chunks:
        ids = torch.tensor([lm.tokenizer.encode(c, bos=True)])
        nats += F.cross_entropy(m(ids[:, :-1]).flatten(0, 1).float(), ids[0, 1:], reduction='sum').item()
    return nats

def chunk_scores(nats:float, chunks) -> dict:
    chars = sum(map(len, chunks))
    return dict(nats_per_char=nats / chars, bits_per_char=nats / chars / math.log(2), chars=chars, chunks=len(chunks), context=CONTEXT)

# ---------------------------------------------------------------- helpers
def trainlab_run(args, cwd=ROOT):
    code = 'import sys; from trainlab.cli import main; sys.exit(main())'
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, '-c', code, 'run', 'nbs/train/lm.ipynb', *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env)
    if p.returncode: raise SystemExit(f'trainlab run failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}')
    run = Path([l for l in p.stdout.splitlines() if l.startswith('run folder: ')][-1].split(': ', 1)[1])
    return run, json.loads((run/'report'/'test_metrics.json').read_text())

def loop_speed(n_steps=30, threads=2):
    "Tokens/s of trainlab's loop (fit_disciplined, its callbacks and logs) and of a plain loop, same default model and batch shapes."
    import tempfile
    from trainlab.tasks.lm import lm_data, lm_learner, LM_DEFAULTS
    from fastai.callback.core import Callback
    import trainlab.callbacks  # noqa: Learner.fit_disciplined
    torch.set_num_threads(threads)
    data = lm_data('shakespeare', max_samples=8)
    learn = lm_learner(data, eval_every=n_steps, eval_tokens=256, device='cpu')
    class Timer(Callback):
        def before_train(self): self.t = time.perf_counter()
        def after_train(self): self.s = time.perf_counter() - self.t
    tm = Timer()
    with tempfile.TemporaryDirectory() as d, learn.no_bar():
        learn.fit_disciplined(1, 1e-3, run_dir=Path(d), schedule='warmup_cosine', warmup=5, cbs=tm, log_every=0)
    tokens = n_steps * learn.dls.train.bs * learn.dls.train.block_size
    model = learn.model
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), fused=True)
    batches = [learn.dls.train.one_batch() for _ in range(n_steps)]
    model.train()
    t = time.perf_counter()
    for x, y in batches:
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=True); loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
    plain = time.perf_counter() - t
    return dict(steps=n_steps, batch=list(batches[0][0].shape), trainlab_tokens_per_s=tokens / tm.s, plain_tokens_per_s=tokens / plain,
                ratio=(tokens / tm.s) / (tokens / plain), threads=threads)

def generation_speed(ckpt, n=256):
    from trainlab.tasks.lm_model import LM, generate_ids
    lm = LM.from_checkpoint(ckpt)
    ids = lm.tokenizer.encode('ROMEO:\n', bos=True)
    out = {}
    for cache in (True, False):
        t = time.perf_counter()
        got = generate_ids(lm.model, ids, n, temperature=0., use_cache=cache, stop=None)
        out['with_cache' if cache else 'without_cache'] = dict(tokens=len(got), tokens_per_s=len(got) / (time.perf_counter() - t))
    out['speedup'] = out['with_cache']['tokens_per_s'] / out['without_cache']['tokens_per_s']
    out['same_tokens'] = generate_ids(lm.model, ids, 64, 0., use_cache=True, stop=None) == generate_ids(lm.model, ids, 64, 0., use_cache=False, stop=None)
    return out

# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--minutes', type=float, default=3.)
    ap.add_argument('--continual-minutes', type=float, default=1.)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--runs-dir', default=str(ROOT/'runs'))
    ap.add_argument('--out', default=str(ROOT/'bench'/'lm_baseline.json'))
    a = ap.parse_args()
    from trainlab.tasks.lm import lm_data
    torch.set_num_threads(a.threads)
    res = dict(machine=dict(platform=platform.platform(), cpus=os.cpu_count(), threads=a.threads, torch=torch.__version__),
               minutes=a.minutes, anchors=dict(nanogpt_cpu_baby=dict(nats_per_char=1.88, bits_per_char=1.88 / math.log(2)),
                                               nanogpt_gpu=dict(nats_per_char=1.47, bits_per_char=1.47 / math.log(2)),
                                               note='nanoGPT: validation on the last 10% of the 1.1 MB tiny-shakespeare text (lines of the same plays as training)'))
    # 1. quality on an equal time budget, scored the same way
    t0 = time.perf_counter()
    run, m = trainlab_run(['-p', 'minutes', a.minutes, '-p', 'threads', a.threads, '--runs-dir', a.runs_dir, '--name', 'bench-lm'])
    command_seconds = time.perf_counter() - t0
    ck = run/'checkpoints'/'best.pt'
    from trainlab.checkpoint import load_checkpoint
    from trainlab.tasks.lm_model import LM
    c = load_checkpoint(ck)
    data = lm_data('shakespeare', vocab_size=c['config']['tokenizer']['vocab_size'])
    text = {k: ''.join(v) for k, v in data.texts.items()}
    chunks = test_chunks(text['test'])
    status = json.loads((run/'status.json').read_text())
    res['trainlab'] = dict(run=str(run), test=chunk_scores(trainlab_chunk_nats(LM.from_checkpoint(ck), chunks), chunks),
                           own_test_metrics=m, steps=c['progress']['step'], evaluations=len(c['history']), stop_reason=c['stop_reason'],
                           status=status['status'], valid_documents=c['config']['data']['valid_documents'],
                           test_documents=c['config']['data']['test_documents'],
                           params=sum(v.numel() for k, v in c['model'].items() if k != 'lm_head.weight'),
                           fit_seconds=[r for r in json.loads((run/'training_log.json').read_text())['records'] if 'elapsed' in r][-1]['elapsed'],
                           command_seconds=command_seconds, plan=json.loads((run/'plan.json').read_text()))
    print('trainlab:', json.dumps(res['trainlab']['test']), res['trainlab']['stop_reason'])
    chars = sorted(set(text['train']) | {'\n'})
    stoi = {ch: i + 1 for i, ch in enumerate(chars)}  # 0: a character unseen in training
    enc = lambda s: torch.tensor([stoi.get(ch, 0) for ch in s], dtype=torch.long)
    model, info = train_baseline(enc(text['train']), enc(text['valid']), len(chars) + 1, a.minutes * 60)
    res['baseline'] = dict(info, vocab=len(chars) + 1, test=chunk_scores(baseline_chunk_nats(model, chunks, stoi), chunks))
    print('baseline:', json.dumps(res['baseline']))
    res['equal'] = (f'both: {a.minutes:g} minutes of training on {a.threads} threads (trainlab\'s budget includes its validation '
                    f'passes and samples; the baseline does none), the same {len(data.names["train"])} training plays, and the same '
                    f'{res["trainlab"]["test"]["chars"]:,} test characters in chunks of {CONTEXT}, each chunk scored from its start')
    # 2. loop speed, 3. generation
    res['loop'] = loop_speed(threads=a.threads)
    res['generation'] = generation_speed(ck)
    print(json.dumps(res['loop']), json.dumps(res['generation']))
    # 4. forgetting, with and without replay
    res['continual'] = {}
    for replay in (0.0, 0.25):
        _, cm = trainlab_run(['-p', 'data', 'stdlib', '-p', 'init_from', ck, '-p', 'replay', replay, '-p', 'minutes', a.continual_minutes,
                              '-p', 'threads', a.threads, '-p', 'eval_every', 50, '-p', 'warmup', 20, '--runs-dir', a.runs_dir, '--name', f'bench-lm-stdlib-r{replay}'])
        res['continual'][str(replay)] = {k: cm[k] for k in ('base_valid_loss_before', 'base_valid_loss_after', 'forgetting', 'test_loss', 'test_bits_per_char')}
        print('continual', replay, res['continual'][str(replay)])
    out = Path(a.out)
    out.write_text(json.dumps(res, indent=1))
    print('wrote', out)

if __name__ == '__main__': main()
