"""G2P quality vs. training time on this CPU: train a configuration with a plain fastai `fit_one_cycle`,
record the test PER/WER after every epoch against the training seconds spent so far, then the final
valid/test scores (greedy and beam, with and without stress, first or closest reference).

    python bench/bench_g2p.py                       # re-run the default configuration (~12 min on 2 idle cores)
    python bench/bench_g2p.py --name big --set d_model=192 --set epochs=5
    python bench/bench_g2p.py --quick               # a 1-minute smoke run (a 3,000-word subset)

Results are merged into bench/g2p_quality.json under `runs[<name>]`; `default` names the configuration
that the library uses as its defaults (`MODEL_DEFAULTS` and `G2P_DEFAULTS`). Timings are only comparable on the same (idle) machine:
the JSON keeps steps and epochs too, so a result can be re-timed elsewhere.
"""
import argparse, json, os, platform, sys, time, ast
from pathlib import Path
import torch
from fastai.callback.core import Callback
from fastai.callback.schedule import *  # noqa: F401  (fit_one_cycle)
from trainlab.tasks.g2p_model import G2P, per_wer, MODEL_DEFAULTS
from trainlab.tasks.g2p import g2p_data, g2p_learner, evaluate, G2P_DEFAULTS

# the library's defaults as `run` takes them: the model's settings and the training's (`g2p_learner` calls the batch size `bs`)
DEFAULTS = dict({k: v for k, v in MODEL_DEFAULTS.items() if k not in ('max_len', 'tie_embeddings')}, bs=G2P_DEFAULTS['batch_size'],
                label_smoothing=G2P_DEFAULTS['label_smoothing'], epochs=G2P_DEFAULTS['epochs'], lr=G2P_DEFAULTS['lr'])

OUT = Path(__file__).with_suffix('').with_name('g2p_quality.json')
MADE_UP = ['sunshine', 'trainlab', 'blorft', 'quizzaciously', 'zygotastic', 'fastai', 'pytorch', 'grapheme']

class TestCurve(Callback):
    "After each epoch: test PER/WER (greedy, first reference) against training seconds so far."
    order = 90
    def __init__(self, g2p, test): self.g2p, self.test, self.curve, self.train_s = g2p, test, [], 0.
    def before_train(self): self.t0 = time.perf_counter()
    def after_train(self): self.train_s += time.perf_counter() - self.t0
    def after_epoch(self):
        t = time.perf_counter()
        r = evaluate(self.g2p, self.test)
        valid = dict(zip(self.recorder.metric_names[1:-1], map(float, self.recorder.values[-1]))) if self.recorder.values else {}
        self.curve.append(dict(epoch=self.epoch + 1, steps=self.train_iter, train_s=round(self.train_s, 1),
                               test_per=round(r['per'], 4), test_wer=round(r['wer'], 4),
                               test_per_no_stress=round(r['per_no_stress'], 4), test_wer_no_stress=round(r['wer_no_stress'], 4),
                               eval_s=round(time.perf_counter() - t, 1), **{k: round(v, 4) for k, v in valid.items()}))
        print(json.dumps(self.curve[-1]), flush=True)

class CPUBFloat16(Callback):
    "Training forward passes and losses under CPU bfloat16 autocast (the weights and the optimizer stay float32)."
    order = 10
    def before_batch(self):
        if self.training: self.ac = torch.autocast('cpu', dtype=torch.bfloat16); self.ac.__enter__()
    def after_pred(self): self.learn.pred = self.pred.float()
    def after_loss(self):
        if self.training: self.ac.__exit__(None, None, None)

def run(name, cfg, beam=5):
    torch.set_num_threads(cfg.pop('threads', 2))
    torch.manual_seed(cfg.get('seed', 42))
    epochs, lr, bf16 = cfg.pop('epochs'), cfg.pop('lr'), cfg.pop('bf16', False)
    data = g2p_data('cmudict', seed=cfg.pop('seed', 42), max_samples=cfg.pop('max_samples', None))
    learn = g2p_learner(data, **cfg)
    g = G2P(learn.model, learn.trainlab_config)
    curve = TestCurve(g, data.test)
    t = time.perf_counter()
    with learn.no_bar(): learn.fit_one_cycle(epochs, lr, cbs=[curve] + ([CPUBFloat16()] if bf16 else []))
    wall = time.perf_counter() - t
    hist = [dict(zip(['epoch', *learn.recorder.metric_names[1:-1]], [i + 1, *map(float, v)])) for i, v in enumerate(learn.recorder.values)]
    res = dict(config=dict(cfg, epochs=epochs, lr=lr, bf16=bf16), data=data.info, params=sum(p.numel() for p in learn.model.parameters()),
               steps=learn.train_iter, epochs=epochs, train_s=round(curve.train_s, 1), fit_wall_s=round(wall, 1),
               s_per_step=round(curve.train_s / learn.train_iter, 4), history=hist, test_curve=curve.curve)
    for split, b in (('valid', 1), ('test', 1), ('test', beam)):
        items, t = getattr(data, split), time.perf_counter()
        hyps = g.predict_tokens([w for w, _ in items], beam=b)
        dt = time.perf_counter() - t
        for refs in ('first', 'closest'):
            rs = [ps[:1] if refs == 'first' else ps for _, ps in items]
            a, n = per_wer(hyps, rs), per_wer(hyps, rs, stress=False)
            res.setdefault(split, {})[f"{'greedy' if b == 1 else f'beam{b}'}_{refs}_ref"] = dict(
                per=round(a['per'], 4), wer=round(a['wer'], 4), per_no_stress=round(n['per'], 4),
                wer_no_stress=round(n['wer'], 4), n_words=len(items), decode_s=round(dt, 1))
    res['samples'] = dict(zip(MADE_UP, g.predict(MADE_UP, beam=beam)))
    res['machine'] = dict(cpu=platform.processor() or platform.machine(), cpu_count=os.cpu_count(),
                          threads=torch.get_num_threads(), torch=torch.__version__,
                          load_avg_after=[round(x, 2) for x in os.getloadavg()])
    return res

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--name', default='default')
    p.add_argument('--set', action='append', default=[], metavar='KEY=VALUE', help='override one setting of DEFAULTS')
    p.add_argument('--quick', action='store_true', help='a smoke run on a 3,000-word subset, not saved as default')
    p.add_argument('--out', default=str(OUT))
    a = p.parse_args(argv)
    cfg = dict(DEFAULTS)
    if a.quick: cfg.update(max_samples=3000, epochs=2)
    for kv in a.set:
        k, v = kv.split('=', 1)
        try: cfg[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError): cfg[k] = v
    name = a.name + ('-quick' if a.quick else '')
    res = run(name, cfg)
    out = Path(a.out)
    allres = json.loads(out.read_text()) if out.exists() else {}
    allres.setdefault('runs', {})[name] = res
    if name == 'default': allres['default'] = dict(DEFAULTS)
    out.write_text(json.dumps(allres, indent=1))
    t = res['test']['greedy_first_ref']
    print(f"{name}: {res['steps']} steps, {res['train_s']}s training; test PER {t['per']:.2%} "
          f"(no stress {t['per_no_stress']:.2%}), WER {t['wer']:.2%}; -> {out}")

if __name__ == '__main__': main()
