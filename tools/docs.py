"""trainlab's offline docs site: `make docs` builds it into _site/, `make test` looks at it in headless Chromium.

    python tools/docs.py build   # nbs/ -> _site/, no network
    python tools/docs.py test    # build, serve on 127.0.0.1, check it in headless Chromium
    python tools/docs.py check nbs/NN_x.ipynb ...   # does nbdev's docs processing get through these notebooks?

How: nbdev does the notebook work exactly as `nbdev-docs` does before it hands over to Quarto (refresh nbs/nbdev.yml,
regenerate nbs/sidebar.yml, `proc_nbs` into _proc/: show_doc cells added and executed, hidden cells and nbdev
directives dropped, symbols linked). A thin pass turns the few Quarto-only constructs left in _proc/ into MyST, and
Sphinx + MyST-NB (Furo theme) renders the pages. Numbers that markdown states as placeholders into bench/ JSON files
(`{{FILE.json: KEY :FORMAT}}`, tools/claims.py) are filled in on the way. Every notebook in nbdev's sidebar becomes a page, in its order,
nbs/train/ and nbs/tutorials/ included (one section each). Quarto users can still run `nbdev-docs` on the same nbs/.

Why Sphinx + MyST-NB: tried against MkDocs Material + mkdocs-jupyter on these notebooks; both showed the show_doc
signatures, docstrings and saved outputs. Sphinx, MyST-NB (Jupyter Book's renderer) and Furo are actively released,
where MkDocs 1.x has had no release since 2024-08 and Material is in maintenance mode. MyST reads nbdev's output as
page content (show_doc headings get anchors, a table of contents and search; pandoc link attributes are understood),
where mkdocs-jupyter pastes nbconvert HTML into each page (~650 KB of JupyterLab CSS a page, `In [ ]:` prompts, a
Google Fonts request unless switched off). And Sphinx resolves every internal link while building: warnings are
errors here, so a broken link fails `make docs` before a browser is even started.

Why selenium (with Debian's chromedriver, so nothing is downloaded) for the browser: the standard WebDriver API for
waits, visibility, console logs and screenshots; driving the DevTools protocol by hand would be more code to keep.
"""
import os, re, sys, json, shutil, argparse, tempfile, threading, time, urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import ThreadingHTTPServer, SimpleHTTPRequestHandler
from pathlib import Path, PurePosixPath
from urllib.parse import urldefrag, urlparse
import yaml
sys.path.insert(0, str(Path(__file__).resolve().parent))
from claims import resolve_or_exit  # numbers written as placeholders into bench/ JSON files (tools/claims.py)

ROOT = Path(__file__).resolve().parent.parent
NBS, PROC, SITE = ROOT/'nbs', ROOT/'_proc', ROOT/'_site'
MYST_SRC = PROC/'.myst'  # Sphinx's sources: in nbdev's git-ignored cache, in a dot-folder its stale-file sweep skips
QUARTO_FILES = {'_quarto.yml', 'nbdev.yml', 'sidebar.yml', 'styles.css'}  # Quarto's project files, not site content
API_SYMBOL = 'trainlab.repro.seed_everything'  # the symbol whose API entry the browser test looks for
EXAMPLE_NB = '00_repro.ipynb'  # the notebook whose first saved example output the browser test looks for
SITE_CSS = """
/* nbdev's show_doc asks for its [source] link to float right of the symbol's heading, as Quarto shows it */
p:has(> a.reference.external[target="_blank"]:only-child) { float: right; font-size: smaller; margin: 0; }
"""

# ---------------------------------------------------------------------------------------------------- build

@dataclass
class Page:
    src: str  # the notebook, relative to nbs/ (e.g. '00_repro.ipynb')
    doc: str  # its Sphinx document name: nbdev's output-file, so URLs match a Quarto build (e.g. 'repro')
    section: str | None  # the sidebar section (a folder of nbs/), None at the top level

def nbdev_process() -> Path:
    "Run the steps of `nbdev-docs` that come before Quarto; return the folder of processed notebooks."
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
    from nbdev.serve import proc_nbs
    refresh_quarto_yml()  # nbs/nbdev.yml from pyproject.toml (and nbs/_quarto.yml if it is missing)
    nbdev_sidebar.__wrapped__()  # nbs/sidebar.yml lists every notebook, new ones included
    try: return proc_nbs(force=True, n_workers=2)  # force: links to other notebooks' symbols would go stale
    except Exception as e: raise SystemExit(f'docs: nbdev could not process the notebooks: {nbdev_error(e)}')

def nbdev_error(e:Exception) -> str:
    "nbdev's error for a notebook cell, on one line: notebook and cell, the cell's first line, the error."
    lines = str(e).strip().splitlines()  # nbdev's message: notebook and cell, the cell's source, the error
    return f'{lines[0]} `{lines[1]}` ... {lines[-1]}' if len(lines) > 2 else ' '.join(lines)

def check_notebooks(paths:list[str]) -> int:
    "Put each notebook through nbdev's docs processing on its own, as `build` does to all; 1 if any fails."
    from nbdev.serve_drv import main as process
    from nbdev.processors import FilterDefaults
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        for p in paths:
            name = os.path.relpath(p, ROOT)
            try: process((Path(p), Path(d)/'out.ipynb', FilterDefaults)); print(f'ok   {name}')
            except Exception as e: print(f'FAIL {name}: {nbdev_error(e)}'); failed = 1
    return failed

def check_quarto_config():
    "Fail if the Quarto configuration that `nbdev-docs` users rely on names files that are not there."
    conf = yaml.safe_load((NBS/'_quarto.yml').read_text())
    needed = conf.get('metadata-files', []) + [conf['format']['html'].get('css', 'styles.css')]
    missing = [f for f in needed if not (NBS/f).exists()]
    if missing: raise SystemExit(f'docs: nbs/_quarto.yml names missing files: {missing}')

def frontmatter(nb:dict) -> dict:
    "The YAML front matter nbdev puts in a processed notebook's first cell (title, description, output-file)."
    first = nb['cells'][0] if nb['cells'] else {}
    src = ''.join(first.get('source', ''))
    if first.get('cell_type') != 'raw' or not src.startswith('---'): return {}
    return yaml.safe_load(src.split('---')[1]) or {}

def site_pages(proc:Path) -> list[Page]:
    "The pages in nbdev's sidebar order, each named after its output-file."
    def page(src, section):
        if not src.endswith('.ipynb'): raise SystemExit(f'docs: only notebooks are rendered here, not {src}')
        name = frontmatter(json.loads((proc/src).read_text())).get('output-file', Path(src).stem + '.html')
        return Page(src, str(PurePosixPath(src).parent/Path(name).stem), section)
    def walk(entries, section=None):
        for e in entries:
            if isinstance(e, str): yield page(e, section)
            else:  # a folder: nbdev puts its index notebook (if any) in href, the others in contents
                if 'href' in e: yield page(e['href'], e['section'])
                yield from walk(e.get('contents', []), e['section'])
    sidebar = yaml.safe_load((proc/'sidebar.yml').read_text())
    return list(walk(sidebar['website']['sidebar']['contents']))

_re_link = re.compile(r'\]\(([^)\s]+)\)')
_re_option = re.compile(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
# Quarto cell options that nbdev leaves in processed code cells, and the MyST-NB cell tags that mean the same
QUARTO_TAGS = {('echo', 'false'): 'remove-input', ('output', 'false'): 'remove-output', ('include', 'false'): 'remove-cell'}

def relink(md:str, page:Page, pages:list[Page], doc_url:str) -> str:
    "Point markdown links to pages (nbdev's absolute doc URLs, `x.html`, `NN_x.ipynb`) at their MyST documents."
    from mdit_py_plugins.anchors.index import slugify  # MyST's own heading ids, so the anchors match
    by_name = {n: p for p in pages for n in (p.src, p.doc + '.html')}
    here = PurePosixPath(page.src).parent
    def fix(m):
        url, frag = urldefrag(m[1])
        if url.startswith(doc_url): url = url[len(doc_url):]
        elif url and not url.startswith(('#', '/')) and ':' not in url: url = os.path.normpath(here/url)
        if (target := by_name.get(url)) is None: return m[0]  # an external link, an asset, or an anchor here
        return f"]({os.path.relpath(target.doc + '.ipynb', here)}{'#' + slugify(frag) if frag else ''})"
    return _re_link.sub(fix, md)

def md_cell(source:str, id:str) -> dict: return dict(cell_type='markdown', id=id, metadata={}, source=source)

def cell_options(cell:dict) -> tuple[dict, str]:
    "The Quarto options (`#| echo: false`, ...) at the top of a processed code cell, and the code without them."
    lines, opts = ''.join(cell.get('source', '')).splitlines(), {}
    while lines and (m := _re_option.match(lines[0])):  # nbdev writes them first, as `#| name: value`
        opts[m[1]] = m[2].strip('"\'').lower()
        lines.pop(0)
    return opts, '\n'.join(lines)

def quarto_to_myst(nb:dict, page:Page, pages:list[Page], doc_url:str) -> dict:
    """Turn what only Quarto understands in a processed notebook into MyST: front matter, cell options, page links;
    and fill in the numbers that markdown states as placeholders into bench/ JSON files (tools/claims.py)."""
    fm = frontmatter(nb)
    title = f"# {fm.get('title', page.doc)}\n" + (f"\n> {fm['description']}\n" if fm.get('description') else '')
    cells = [md_cell(resolve_or_exit(title, page.src), 'docs-title')]
    for i, c in enumerate(nb['cells'][1 if fm else 0:], 1):
        c.setdefault('id', f'docs-{i}')  # the cells nbdev inserts have none, and nbformat is about to require one
        if c['cell_type'] == 'markdown':
            c['source'] = relink(resolve_or_exit(''.join(c['source']), f'nbs/{page.src}'), page, pages, doc_url)
        if c['cell_type'] != 'code': cells.append(c); continue
        opts, c['source'] = cell_options(c)
        if opts.get('output') == 'asis':  # show_doc: Quarto splices the markdown it displays into the page
            md = ''.join(''.join(o.get('data', {}).get('text/markdown', '')) for o in c.get('outputs', []))
            cells.append(md_cell(relink(md, page, pages, doc_url), c['id'])); continue
        c.setdefault('metadata', {})['tags'] = c['metadata'].get('tags', []) + [
            tag for (opt, val), tag in QUARTO_TAGS.items() if opts.get(opt) == val]
        cells.append(c)
    nb['cells'] = cells
    return nb

def toctree(pages:list[Page], section:str|None) -> str:
    "A hidden MyST toctree for one sidebar section: Sphinx builds the site's navigation from these."
    docs = '\n'.join(p.doc for p in pages if p.section == section and p.doc != 'index')
    caption = f':caption: {section.replace("_", " ").capitalize()}\n' if section else ''
    return f'```{{toctree}}\n:hidden:\n{caption}\n{docs}\n```' if docs else ''

def write_sources(proc:Path, pages:list[Page], dest:Path, doc_url:str):
    "Write the MyST-ready notebooks, the assets they use and the site's CSS into `dest` for Sphinx."
    shutil.rmtree(dest, ignore_errors=True)
    skip = lambda folder, names: [n for n in names if n.endswith('.ipynb') or n in QUARTO_FILES or n.startswith('.')]
    shutil.copytree(proc, dest, ignore=skip)
    for p in pages:
        nb = quarto_to_myst(json.loads((proc/p.src).read_text()), p, pages, doc_url)
        if p.doc == 'index':
            nav = [toctree(pages, s) for s in dict.fromkeys(p.section for p in pages)]
            nb['cells'].append(md_cell('\n\n'.join(n for n in nav if n), 'docs-nav'))
        (dest/(p.doc + '.ipynb')).parent.mkdir(parents=True, exist_ok=True)
        (dest/(p.doc + '.ipynb')).write_text(json.dumps(nb, indent=1))
    (dest/'_static').mkdir(exist_ok=True)
    (dest/'_static'/'site.css').write_text(SITE_CSS)

def sphinx_conf(cfg) -> dict:
    "Sphinx's configuration (there is no conf.py: it is all here)."
    return dict(
        project=cfg.title, author=cfg.author, copyright=cfg.author, html_title=cfg.title, html_theme='furo',
        extensions=['myst_nb'], source_suffix={'.ipynb': 'myst-nb'},
        html_static_path=['_static'], html_css_files=['site.css'],
        html_copy_source=False, html_show_sourcelink=False,
        nb_execution_mode='off',  # the outputs are the ones saved in the notebooks: nothing runs while building
        nb_render_markdown_format='myst',  # markdown that cells display is parsed like the page's own markdown
        myst_enable_extensions=['attrs_inline'],  # nbdev writes pandoc link attributes: [source](url){target="_blank"}
        myst_heading_anchors=4,  # ids from heading text (#seed_everything), as Quarto makes them
        suppress_warnings=['myst.header'],  # show_doc's ### right under the page's # is nbdev's layout
        smartquotes=False,  # docstrings and signatures keep their straight quotes
    )

def sphinx_build(src:Path, out:Path, conf:dict):
    "Render `src` into `out` with Sphinx; any warning (a broken link above all) fails the build."
    from sphinx.application import Sphinx
    with tempfile.TemporaryDirectory() as tmp:  # MyST-NB writes a jupyter_execute/ folder beside the output folder
        html = Path(tmp)/'html'
        app = Sphinx(src, None, html, Path(tmp)/'doctrees', 'html', confoverrides=conf, status=None,
                     warningiserror=True, keep_going=True)
        app.build()
        if app.statuscode: raise SystemExit('docs: Sphinx warned (above), so the site was not written')
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(html, out)

def build() -> Path:
    "Build the site from nbs/ into _site/; return its folder."
    from nbdev.config import get_config
    t, cfg = time.time(), get_config()
    proc = nbdev_process()
    check_quarto_config()
    pages = site_pages(proc)
    write_sources(proc, pages, MYST_SRC, doc_url=f'{cfg.doc_host}{cfg.doc_baseurl}/')
    sphinx_build(MYST_SRC, SITE, sphinx_conf(cfg))
    print(f'docs: built {len(pages)} pages into {SITE.relative_to(ROOT)}/ in {time.time() - t:.0f}s')
    return SITE

# ---------------------------------------------------------------------------------------------------- test

class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args): pass  # a line per request would bury the test's own output

class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # the browser drops connections it no longer needs
        if not isinstance(sys.exc_info()[1], ConnectionError): super().handle_error(request, client_address)

@contextmanager
def serve(folder:Path):
    "Serve `folder` on 127.0.0.1 at a free port; yield its base URL."
    httpd = _QuietServer(('127.0.0.1', 0), partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try: yield f'http://127.0.0.1:{httpd.server_address[1]}/'
    finally: httpd.shutdown(); httpd.server_close()

@contextmanager
def chromium():
    "Debian's Chromium, headless, with a fresh profile, driven through Debian's chromedriver."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    with tempfile.TemporaryDirectory() as profile:
        opts = webdriver.ChromeOptions()
        opts.binary_location = shutil.which('chromium')
        for a in ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                  f'--user-data-dir={profile}', '--window-size=1440,1200']: opts.add_argument(a)
        opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})  # the console, for the crawl's error check
        driver = webdriver.Chrome(options=opts, service=Service(shutil.which('chromedriver')))
        driver.set_page_load_timeout(30)
        try: yield driver
        finally: driver.quit()

class DocsFailure(Exception): "A check of the site failed; the message is the one-line reason."

def expect(ok, msg):
    if not ok: raise DocsFailure(msg)

def visible_text(driver, css) -> str:
    "The text of the displayed elements matching `css`."
    return '\n'.join(e.text for e in driver.find_elements('css selector', css) if e.is_displayed())

def check_home(driver, base):
    "The home page shows the title and summary of nbs/index.ipynb."
    fm = frontmatter(json.loads((PROC/'index.ipynb').read_text()))
    driver.get(base + 'index.html')
    expect(fm['title'] in visible_text(driver, 'h1'), f"home page: title {fm['title']!r} not visible")
    expect(fm['description'][:40] in visible_text(driver, 'article'), 'home page: summary not visible')
    driver.save_screenshot('/tmp/docs_home.png')

def check_api(driver, base):
    "The API entry of API_SYMBOL, at the URL nbdev links it with, shows its signature and docstring."
    import importlib
    from nbdev.doclinks import NbdevLookup
    mod, name = API_SYMBOL.rsplit('.', 1)
    doc = getattr(importlib.import_module(mod), name).__doc__.replace('`', '')  # backticks render as code
    url = NbdevLookup().doc(API_SYMBOL).split('/')[-1]  # e.g. repro.html#seed_everything
    driver.get(base + url)
    section = driver.execute_script('return document.getElementById(arguments[0])?.closest("section")', url.split('#')[1])
    expect(section and section.is_displayed(), f'{url}: no visible API entry for {name}')
    driver.execute_script('arguments[0].scrollIntoView()', section)
    expect(f'def {name}(' in section.text, f'{url}: the signature of {name} is not visible')
    expect(doc in section.text, f'{url}: the docstring of {name} is not visible')
    driver.save_screenshot('/tmp/docs_api.png')

def first_example_output(nb_path:Path) -> str:
    "The first line of the first saved text output of a plain code cell (an example) in a source notebook."
    for c in json.loads(nb_path.read_text())['cells']:
        if c['cell_type'] != 'code' or ''.join(c['source']).startswith('#|'): continue
        for o in c.get('outputs', []):
            text = ''.join(o.get('data', {}).get('text/plain', '') or o.get('text', '')).strip()
            if text: return text.splitlines()[0]
    raise DocsFailure(f'{nb_path.name} has no saved example output to look for')

def check_example(driver, base, pages):
    "The page of EXAMPLE_NB shows the saved output of its first example."
    page, want = next(p for p in pages if p.src == EXAMPLE_NB), first_example_output(NBS/EXAMPLE_NB)
    driver.get(f'{base}{page.doc}.html')
    expect(want in visible_text(driver, '.cell_output'), f'{page.doc}.html: example output {want!r} not visible')

_PAGE_JS = """return {
  links: [...document.querySelectorAll('[href],[src]')].map(e => [e.tagName,
           new URL(e.getAttribute('href') ?? e.getAttribute('src'), document.baseURI).href]),
  ids: [...document.querySelectorAll('[id],a[name]')].map(e => e.id || e.name),
  code: [...document.querySelectorAll('.cell_input')].map(e => e.textContent)}"""
_re_leak = re.compile(r'^\s*#\||nbdev_export\(\)', re.MULTILINE)  # a directive, or the hidden cell that ends each notebook

def crawl(driver, base, pages) -> list[str]:
    "Visit every page reachable from the home page; return what is wrong (links, assets, anchors, console, leaks)."
    todo, ids, anchors, internal, problems = [base + 'index.html'], {}, [], set(), []
    while todo:
        if (url := todo.pop()) in ids: continue
        driver.get(url)
        found = driver.execute_script(_PAGE_JS)
        ids[url] = set(found['ids'])
        problems += [f'{url}: shows {m[0]!r} (a hidden cell or a directive)' for c in found['code'] if (m := _re_leak.search(c))]
        problems += [f'{url}: {e["message"]}' for e in driver.get_log('browser')
                     if e['level'] == 'SEVERE' and '/favicon.ico' not in e['message']]  # Chromium asks on its own
        for tag, link in found['links']:
            target, frag = urldefrag(link)
            if not target.startswith(base):  # the site must not need the network to look right
                if tag in ('SCRIPT', 'LINK', 'IMG') and urlparse(target).scheme in ('http', 'https'):
                    problems.append(f'{url}: loads {target} from the network')
                continue
            if tag == 'A' and target.endswith('.html'): todo.append(target)
            internal.add(target)
            if frag: anchors.append((url, target, frag))
    for u in sorted(internal):  # pages and assets alike must be there (the server says 404 otherwise)
        try: urllib.request.urlopen(u, timeout=10).close()
        except Exception as e: problems.append(f'{u}: {e}')
    problems += [f'{src}: no anchor #{f} in {t}' for src, t, f in anchors if t in ids and f not in ids[t]]
    problems += [f'{p.src}: not reachable from the home page' for p in pages if f'{base}{p.doc}.html' not in ids]
    return problems

def test() -> int:
    "Build the site and check it in headless Chromium; 0 when it passed, 1 on a failure, 77 when Chromium is missing (skipped)."
    t, site = time.time(), build()
    if missing := [b for b in ('chromium', 'chromedriver') if not shutil.which(b)]:
        print(f'SKIPPED docs browser test: {missing[0]} not installed')
        return 77  # "skipped": tools/test.py counts it as such, never as passed
    pages = site_pages(PROC)
    try:
        with serve(site) as base, chromium() as driver:
            check_home(driver, base)
            check_api(driver, base)
            check_example(driver, base, pages)
            problems = crawl(driver, base, pages)
            expect(not problems, f'{len(problems)} broken: ' + '; '.join(problems[:5]))
    except Exception as e:  # a failed check, or the browser itself (its messages run to many lines)
        reason = str(e) if isinstance(e, DocsFailure) else f'{type(e).__name__}: {str(e).strip().splitlines()[0]}'
        print(f'FAIL docs browser test: {reason}', file=sys.stderr)
        return 1
    print(f'docs browser test passed in {time.time() - t:.0f}s: home page, API entry of {API_SYMBOL}, example output,'
          f' {len(pages)} pages and every internal link (screenshots: /tmp/docs_home.png, /tmp/docs_api.png)')
    return 0

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('command', choices=['build', 'test', 'check'])
    p.add_argument('notebooks', nargs='*', help='for check: the notebooks (default: all of nbs/)')
    a = p.parse_args()
    a.notebooks = [str(Path(n).resolve()) for n in a.notebooks]
    os.chdir(ROOT)  # nbdev finds pyproject.toml from the working folder
    if a.command == 'check':
        from nbdev.doclinks import nbglob
        sys.exit(check_notebooks(a.notebooks or sorted(map(str, nbglob(NBS, as_path=True)))))
    sys.exit(test() if a.command == 'test' else (build() and 0))
