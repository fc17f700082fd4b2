"""Generate README.md from nbs/index.ipynb offline (nbdev-readme needs Quarto, which is not installable here).

nbdev's own processors drop hidden cells and directives; nbconvert's Markdown exporter renders the rest
with the notebook's saved outputs. Numbers written as placeholders into bench/ JSON files (`{{FILE.json: KEY :FORMAT}}`,
see tools/claims.py) are filled in from those files. `--check` exits 1 when README.md differs from what would be generated.
"""
import sys, argparse
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter
from nbdev.process import NBProcessor
from nbdev.processors import hide_, rm_export, clean_magics, strip_hidden_metadata
sys.path.insert(0, str(Path(__file__).resolve().parent))
from claims import resolve, ClaimError

ROOT = Path(__file__).resolve().parent.parent
HEADER = '<!-- generated from nbs/index.ipynb by `make readme`: edit the notebook, not this file -->\n\n'

def render_readme(nb_path=ROOT/'nbs'/'index.ipynb', mark:bool=False) -> str:
    "The README text for the notebook at `nb_path`, its placeholders filled in (`mark`: wrapped for tools/claims.py's scan)."
    proc = NBProcessor(nb_path, procs=[hide_, rm_export, clean_magics, strip_hidden_metadata], rm_directives=True)
    proc.process()
    nb = nbformat.from_dict(proc.nb)
    for c in nb.cells:
        for k in [k for k in c if k.endswith('_')]: del c[k]  # nbdev's processing fields
        if c.cell_type == 'markdown': c.source = resolve(c.source, mark=mark)
    body, _ = MarkdownExporter().from_notebook_node(nb)
    return HEADER + body.strip() + '\n'

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--check', action='store_true', help='fail if README.md is stale instead of writing it')
    a = p.parse_args()
    try: text, readme = render_readme(), ROOT/'README.md'
    except ClaimError as e: sys.exit(f'nbs/index.ipynb: {e}')
    if a.check:
        if not readme.exists() or readme.read_text() != text:
            sys.exit('README.md is stale: it differs from nbs/index.ipynb and the bench JSON files it cites. Run `make readme` and commit it.')
        print('README.md is up to date with nbs/index.ipynb')
    else:
        readme.write_text(text)
        print('wrote README.md from nbs/index.ipynb')
