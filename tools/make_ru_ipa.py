"""Write examples/ru_ipa.csv: frequent Russian words with their IPA pronunciation, stress marked.

The words are the most frequent Russian words of the `wordfreq` package (Robyn Speer et al., word list data
CC BY-SA 4.0) made only of Cyrillic letters, and each pronunciation is what Debian's `espeak-ng` (1.51, GPL-3.0)
says for the word on its own, with the primary and secondary stress marks ˈ ˌ before the stressed vowel.
Only this script needs them (`apt-get install espeak-ng`, `pip install wordfreq`); trainlab does not: the CSV is
committed. Usage: python tools/make_ru_ipa.py [N_WORDS] [OUT]
"""
import csv, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOWELS = set('аеёиоуыэюя')

def russian_words(n:int) -> list[str]:
    "The `n` most frequent Russian words of two or more Cyrillic letters with a vowel (no digits, Latin or abbreviations like 'рф')."
    from wordfreq import top_n_list
    out = []
    for w in top_n_list('ru', 20 * n):
        if re.fullmatch('[а-яё]{2,}', w) and VOWELS & set(w): out.append(w)
        if len(out) == n: return out
    raise SystemExit(f'wordfreq has fewer than {n} such Russian words')

def espeak_phonemes(words:list[str]) -> list[list[str]]:
    "espeak-ng's phonemes for each word (read one word per line), a stress mark kept on the vowel after it."
    r = subprocess.run(['espeak-ng', '-v', 'ru', '-q', '--ipa', '--sep=_'], input='\n'.join(words) + '\n',
                       capture_output=True, text=True, check=True)
    lines = [l.strip() for l in r.stdout.splitlines() if l.strip()]
    if len(lines) != len(words): raise SystemExit(f'espeak-ng gave {len(lines)} lines for {len(words)} words')
    # espeak-ng 1.51 leaves an empty phoneme before some r's and two of its ASCII phoneme marks (u" and ɪ^) in the IPA
    return [[p for p in (x.replace('"', '').replace('^', '') for x in l.split('_')) if p] for l in lines]

AFFRICATE = re.compile('([ˈˌ]?[td])([sʃɕzʒʑ].*)')

def ipa_string(phonemes:list[str]) -> str:
    "One IPA string; a tie bar joins the two letters of an affricate (ts -> t͡s) so that it reads back as one phone."
    return ''.join(AFFRICATE.sub('\\1\u0361\\2', p) for p in phonemes)

def main(n:int=5000, out:Path=ROOT/'examples'/'ru_ipa.csv'):
    from trainlab.tasks.g2p_model import ipa_tokens
    words = russian_words(n)
    rows = []
    for w, ph in zip(words, espeak_phonemes(words)):
        ipa = ipa_string(ph)
        n_affricates = sum(bool(AFFRICATE.fullmatch(p)) for p in ph)
        if sum('\u0361' in t for t in ipa_tokens(ipa)) != n_affricates: raise SystemExit(f'{w}: {ipa!r} splits an affricate')
        rows.append((w, ipa))
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, 'w', newline='', encoding='utf-8') as f:
        csv.writer(f, lineterminator='\n').writerows([('word', 'pronunciation'), *rows])
    print(f'{out}: {len(rows)} words')

if __name__ == '__main__':
    main(*(int(sys.argv[1]),) if len(sys.argv) > 1 else (), *(Path(sys.argv[2]),) if len(sys.argv) > 2 else ())
