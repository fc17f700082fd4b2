"""Write a notebook from a plain-text cell script (authoring aid; the .ipynb stays the source of truth).

Cells are separated by lines `# %% [markdown]` or `# %%` (optionally followed by `tags=["parameters"]`).
Usage: python tools/mknb.py SCRIPT.py OUT.ipynb
"""
import re, sys
import nbformat

def cells_from_script(text):
    cells, kind, tags, buf = [], None, [], []
    def flush():
        if kind is None: return
        src = '\n'.join(buf).strip('\n')
        if kind == 'md':
            src = '\n'.join(l[2:] if l.startswith('# ') else l.lstrip('#') for l in src.splitlines())
            cell = nbformat.v4.new_markdown_cell(src)
        else:
            cell = nbformat.v4.new_code_cell(src)
        if tags: cell.metadata['tags'] = tags
        cells.append(cell)
    for line in text.splitlines():
        m = re.match(r'^# %%( \[markdown\])?(.*)$', line)
        if m:
            flush()
            kind, buf = ('md' if m.group(1) else 'code'), []
            tags = re.findall(r'"(\w+)"', m.group(2)) if 'tags' in m.group(2) else []
        else: buf.append(line)
    flush()
    return cells

if __name__ == '__main__':
    src, out = sys.argv[1:3]
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "python3", "language": "python", "name": "python3"}}
    nb.cells = cells_from_script(open(src).read())
    nbformat.write(nb, out)
