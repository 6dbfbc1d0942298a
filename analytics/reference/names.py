"""Bengali-aware name normalisation and matching (services, and places in the gazetteer).

Pure functions and one small class; nothing here imports Streamlit or reads files.

Normalisation (:func:`fold`, :func:`tokens`, :func:`key`)
---------------------------------------------------------
1. Unicode NFKC, casefold, Bengali digits to ASCII.
2. Bengali spelling variants folded to one spelling: nukta dropped (য়/য, ড়/ড, ঢ়/ঢ, in both
   precomposed and decomposed form), ী/ি, ূ/ু, ঈ/ই, ঊ/উ, ণ/ন, ঙ/ং (so ঙ্গ/ংগ), ৎ/ত,
   শ/ষ/স, chandrabindu (ঁ), visarga (ঃ), hasanta/virama (্: জন্ম/জনম, লজিস্টিক/লজিষ্টিক)
   and zero-width (non-)joiners removed. "¦" is the Bijoy (SutonnyMJ) glyph of ব-ফলা that
   survives badly converted text ("হজ¦" for "হজ্ব"): it is read as ব.
3. Split into word tokens at anything that is not a letter, mark or digit; dots and
   apostrophes are deleted first ("S.A." -> "sa", "pilgrims'" -> "pilgrims"). A single letter
   is joined to the next token ("e-mail", "ই-মেইল", "S A porcha").
4. Filler words are dropped: "and", "&", "of", "the", "for", "from", "to", "or", "ও", "এবং",
   "বা", "থেকে", "হতে", "সহ", "এর", "র", and years (1900-2099). Words that tell services
   apart ("application", "আবেদন", "online", "অনলাইন", "correction", "সংশোধন") are kept.
5. Light stemming (``stem_words=True``): English plurals ("results", "copies"); Bengali plural
   suffixes (গুলো, গুলি, সমূহ), the "সহ" ("along with") suffix, and one case ending: "দের",
   "ের", "র" after a vowel sign, locative "তে"/"য়" after a vowel sign and "ে" after a
   consonant ("নকলের" -> "নকল", "পরীক্ষার" -> "পরীক্ষা", "অনলাইনে" -> "অনলাইন"). Both sides of
   a comparison go through the same function, so a stem need not be a real word.

The *key* of a text is its tokens joined without spaces, so joined and split words are the
same key ("জন্মনিবন্ধন" / "জন্ম নিবন্ধন", "e-mail" / "email"). Equal keys are an **exact** match.

Matching (:class:`Matcher`)
---------------------------
Every catalogue name is compared token by token with the query. Each pair of tokens gets a
similarity and is either *explained* by a rule or only *looks alike*:

=====================  =====  ====================================================================
relation               sim    example
=====================  =====  ====================================================================
same token             1.00   "birth" / "birth"
synonym                0.95   "apply" / "application", "govt" / "government"
abbreviation           0.90   query token a Latin prefix (3+ letters) of the name's: "reg" / "registration",
                              "elec" / "electricity"; or the name's plus an ending: "printing" / "print"
spelling variant       0.90   Latin (5+ letters): same consonants and vowel count, vowels free,
                              aspirate h, doubled letters, v/b, z/j folded: "sonod" / "sanad",
                              "parcha" / "porca"; Bengali (4+ letters): same letters without vowel
                              signs: "চাকুরি" / "চাকরি"
joined / split         1.00   "জন্মনিবন্ধন" against "জন্ম" + "নিবন্ধন"
looks alike (typo)     ratio  rapidfuzz ``fuzz.ratio`` >= 75 % on 4+ letter tokens: "regstration"
=====================  =====  ====================================================================

Tokens are paired greedily, best similarity first; a name's score is the Dice coefficient
``2 * sum(similarities) / (query tokens + name tokens)`` (1.0 = same tokens in any order;
missing or extra tokens cost). A service or place scores what its best name scores. Two
scores are kept: *all* pairs (ranking suggestions) and *explained* pairs only (acceptance).

A query is accepted as **approximate** only when

* its explained score is at least :data:`ACCEPT` (0.85), and
* it is at least :data:`MARGIN` (0.10) ahead of the runner-up code's score *including*
  look-alike pairs, and
* its key has at least 4 characters.

Why these numbers. 0.85 accepts a query whose words all match a name by a rule, in any order
("Public exam results" scores 0.97 against "Public examination results", "passport apply"
0.975), and tolerates one word of the name missing only when the name has four words or more
(3 of 4: 6/7 = 0.86). It refuses a query that lacks or adds the one word that tells two short
names apart: "birth registration" against "birth registration correction" scores 0.80, "death
registration correction" against "death registration" 0.80, "porcha" against "SA porcha" 0.67,
a lone "application" or "আবেদন" 0.67. The margin of 0.10 is the gap that one extra or missing
word opens between neighbours of up to four words (1.0 against 2n/(2n+1) = 0.89 for n = 4): a
query as close to two neighbours ("mobile financial services cash" between "... cash in" and
"... cash out", "নকলের আবেদন গ্রহণ" between FD01 and FD10) ties and goes to a person.
Measuring the runner-up with look-alike pairs means that a near-typo of another service also
blocks acceptance.

Look-alike (typo) pairs never make a match acceptable on their own: one letter separates
real services and places (SA/CS/BS/RS porcha, "নিবন্ধ" is a word, not "নিবন্ধন"; Kalakhali /
Malikhali), and a person who confirms a value once can have it remembered. They rank the
suggestions: anything scoring at least :data:`SUGGEST` (0.5) is a candidate, best first.
Everything else is **unknown**: the value must be decided by a person.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from analytics.i18n import FROM_BN_DIGITS

Kind = Literal["exact", "approximate", "unknown"]

#: Minimum explained score for an automatic (approximate) match; see the module docstring.
ACCEPT: float = 0.85
#: Minimum lead of the accepted code over the runner-up code's score.
MARGIN: float = 0.10
#: Minimum score (any pairs) for a code to be offered as a candidate.
SUGGEST: float = 0.5
#: Minimum rapidfuzz ratio (0..1) for two tokens to count as look-alikes.
TYPO: float = 0.75
#: Shortest key that may be matched approximately.
MIN_KEY: int = 4

SIM_SYNONYM = 0.95
SIM_ABBREVIATION = 0.90
SIM_VARIANT = 0.90

_BN_FOLD = str.maketrans({
    "ী": "ি", "ূ": "ু", "ঈ": "ই", "ঊ": "উ", "ণ": "ন", "ঙ": "ং", "ৎ": "ত", "শ": "স", "ষ": "স",
    "¦": "ব",  # Bijoy ব-ফলা glyph left behind by legacy-font conversion ("হজ¦" = "হজ্ব")
    "\u09bc": None,  # nukta: য়/য, ড়/ড, ঢ়/ঢ (NFKC leaves these decomposed)
    "\u09cd": None,  # hasanta / virama
    "ঁ": None, "ঃ": None, "৳": " ",
    "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None, "\u00ad": None,
})
_DROP_CHARS = re.compile(r"[.'’‘`´]")
_SEPARATORS = re.compile(r"[^\w\u0980-\u09ff]+|_")
_BENGALI = re.compile(r"[\u0980-\u09ff]")
_LATIN_WORD = re.compile(r"^[a-z]+$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_VOWEL_SIGNS = frozenset("ািুৃেৈোৌ")  # after folding (ী ূ are gone)
_ONE_LETTER = re.compile(r"^(?:[a-z]|[\u0985-\u09b9\u09dc-\u09df])$")


def fold(text: str) -> str:
    """Character-level folding only (steps 1-2 of the module docstring); spaces are kept."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return text.translate(FROM_BN_DIGITS).translate(_BN_FOLD)


#: Filler words, in folded form.
STOPWORDS: frozenset[str] = frozenset(fold(w) for w in (
    "and", "of", "the", "for", "from", "to", "or",
    "ও", "এবং", "বা", "থেকে", "হতে", "সহ", "এর", "র",
))


def _stem_latin(token: str) -> str:
    if not _LATIN_WORD.match(token) or len(token) < 4:
        return token
    if len(token) >= 5 and token.endswith("ies"):
        return token[:-3] + "y"
    if token.endswith(("xes", "ches", "shes", "sses")):
        return token[:-2]
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def _stem_bengali(token: str) -> str:
    for suffix in ("গুলো", "গুলি", "সমুহ"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 2:
            token = token[: -len(suffix)]
            break
    if token.endswith("সহ") and len(token) > 3:
        token = token[:-2]
    n = len(token)
    if n >= 5 and token.endswith("দের"):
        return token[:-3]
    if n >= 4 and token.endswith("ের"):
        return token[:-2]
    if n >= 4 and token[-1] == "র" and token[-2] in _VOWEL_SIGNS:
        return token[:-1]
    if n >= 5 and token.endswith("তে") and token[-3] in _VOWEL_SIGNS:
        return token[:-2]
    if n >= 4 and token[-1] == "য" and token[-2] in _VOWEL_SIGNS:
        return token[:-1]
    if n >= 4 and token[-1] == "ে" and token[-2] not in _VOWEL_SIGNS:
        return token[:-1]
    return token


def stem(token: str) -> str:
    """The stem of one folded token (English plural, Bengali suffixes); see the module docstring."""
    return _stem_bengali(token) if _BENGALI.search(token) else _stem_latin(token)


def words(text: str | None) -> list[str]:
    """The raw words of ``text`` (steps 1-3 of the module docstring, without joining single
    letters): folded, dots and apostrophes deleted, split at anything not a letter or digit."""
    return [t for t in _SEPARATORS.split(_DROP_CHARS.sub("", fold(text))) if t] if text else []


def tokens(text: str | None, *, stem_words: bool = True, drop: Collection[str] = STOPWORDS) -> tuple[str, ...]:
    """Word tokens of ``text`` after folding, joining single letters, dropping filler and years."""
    if not text:
        return ()
    raw = [t for t in words(text) if t not in drop]
    joined: list[str] = []
    i = 0
    while i < len(raw):
        token = raw[i]
        if _ONE_LETTER.match(token) and i + 1 < len(raw) and not raw[i + 1].isdigit():
            i += 1
            token += raw[i]  # "e-mail" -> "email", "S A" -> "sa"
        joined.append(token)
        i += 1
    out = []
    for token in joined:
        if _YEAR.match(token):
            continue
        if stem_words:
            token = stem(token)
        if token and token not in drop:
            out.append(token)
    return tuple(out)


def key(text: str | None, *, stem_words: bool = True) -> str:
    """The exact-match key: :func:`tokens` joined without spaces."""
    return "".join(tokens(text, stem_words=stem_words))


# ---------------------------------------------------------------- token similarity
SYNONYMS: dict[str, str] = {
    "apply": "application", "applied": "application", "appl": "application", "applicaton": "application",
    "govt": "government", "gov": "government", "info": "information", "cert": "certificate",
    "certificat": "certificate", "regn": "registration", "regd": "registration",
    "colour": "color", "licence": "license", "programme": "program", "centre": "center",
}
_ASPIRATE = re.compile(r"(?<=[bcdgjkpst])h")
_DOUBLE = re.compile(r"(.)\1+")
_VOWELS = re.compile(r"[aeiou]")
_GLIDE = re.compile(r"(?<=[aeiou])y(?=[aeiou])")  # a y between vowels, written or not
_INFLECTIONS = frozenset({"s", "es", "ed", "d", "ing", "er", "ion", "ation", "ment"})


def latin_variant(token: str) -> str | None:
    """Romanisation key of a Latin token of 5+ letters (None otherwise): a y between vowels, aspirate
    h, doubled letters, v/b and z/j folded and every vowel made the same ("sonod" = "sanad")."""
    if len(token) < 5 or not _LATIN_WORD.match(token):
        return None
    token = _GLIDE.sub("", token)  # "Bhandariya" = "Bhandaria", "Ziyanagar" = "Zianagar"
    token = _DOUBLE.sub(r"\1", _ASPIRATE.sub("", token).replace("v", "b").replace("z", "j"))
    return _VOWELS.sub("a", token)


def bengali_variant(token: str) -> str | None:
    """Letters of a Bengali token of 4+ characters without vowel signs and doubled letters
    ("চাকুরি" = "চাকরি", "হজ্জযাত্রী" = "হজযাত্রী"), ড় and র one letter, or None when fewer than 3
    letters remain."""
    if len(token) < 4 or not _BENGALI.search(token):
        return None
    # ড় is often written র ("মঠবারিয়া" for মঠবাড়িয়া; folded, ড় is ড)
    skeleton = _DOUBLE.sub(r"\1", "".join(ch for ch in token if ch not in _VOWEL_SIGNS).replace("ড", "র"))
    return skeleton if len(skeleton) >= 3 else None


def token_similarity(a: str, b: str, *, abbreviations: bool = True) -> tuple[float, bool]:
    """(similarity 0..1, explained) of query token ``a`` against name token ``b``; see the module
    docstring. Not symmetric: ``a`` may abbreviate ``b`` ("reg" / "registration"), while ``b``
    may be a prefix of ``a`` only up to an inflection ("printing" / "print").
    ``abbreviations=False`` turns off synonyms and abbreviations (for place names)."""
    if a == b:
        return 1.0, True
    if any(ch.isdigit() for ch in a + b):
        return 0.0, False
    if abbreviations and SYNONYMS.get(a, a) == SYNONYMS.get(b, b):
        return SIM_SYNONYM, True
    latin = _LATIN_WORD.match(a) and _LATIN_WORD.match(b)
    if latin:
        if abbreviations and len(a) >= 3 and b.startswith(a):
            return SIM_ABBREVIATION, True
        if abbreviations and len(b) >= 3 and a.startswith(b) and a[len(b):] in _INFLECTIONS:
            return SIM_ABBREVIATION, True
        va = latin_variant(a)
        if va is not None and va == latin_variant(b):
            return SIM_VARIANT, True
    else:
        va = bengali_variant(a)
        if va is not None and va == bengali_variant(b):
            return SIM_VARIANT, True
    if min(len(a), len(b)) >= 4:
        ratio = fuzz.ratio(a, b) / 100
        if ratio >= TYPO:
            return ratio, False
    return 0.0, False


def _resegment(target: Collection[str], seq: tuple[str, ...]) -> tuple[str, ...]:
    """``seq`` with runs of 2-3 consecutive tokens merged where their concatenation is in ``target``."""
    if len(seq) < 2:
        return seq
    out: list[str] = []
    i = 0
    while i < len(seq):
        for n in (3, 2):
            if i + n <= len(seq) and (joined := "".join(seq[i : i + n])) in target:
                out.append(joined)
                i += n
                break
        else:
            out.append(seq[i])
            i += 1
    return tuple(out)


@dataclass(frozen=True)
class Match:
    """The outcome of matching one text.

    ``kind`` is ``"exact"`` (same key), ``"approximate"`` (confident, accepted automatically)
    or ``"unknown"`` (a person decides; ``candidates`` are suggestions). ``code`` is set for
    exact and approximate matches only. ``score`` is 1.0 for exact, the explained score for
    approximate, and the best candidate's score (0.0 without candidates) for unknown.
    An exact key shared by several codes (a place name used twice) is ``unknown`` with score 1.0
    and those codes as candidates.
    """

    code: str | None
    kind: Kind
    score: float
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Entry:
    code: str
    tokens: tuple[str, ...]


class Matcher:
    """Matches texts against named codes (a code may have many names).

    ``names`` are ``(code, name)`` pairs, best-known name first; ``exact_only`` pairs (such as
    the codes themselves) are matched by key only, never approximately. Options are
    keyword-only: ``tokenize`` (default :func:`tokens` with and without stemming; a text's
    keys are its tokens joined), ``abbreviations`` (see :func:`token_similarity`), ``accept``,
    ``margin``, ``suggest``.
    """

    def __init__(self, names: Iterable[tuple[str, str]], *, exact_only: Iterable[tuple[str, str]] = (),
                 tokenize: Callable[[str], tuple[str, ...]] | None = None, abbreviations: bool = True,
                 accept: float = ACCEPT, margin: float = MARGIN, suggest: float = SUGGEST) -> None:
        self.accept, self.margin, self.suggest = accept, margin, suggest
        self.abbreviations = abbreviations
        self._tokenize = tokenize or tokens
        self._custom = tokenize is not None
        self._order: dict[str, int] = {}
        self._exact: dict[str, list[str]] = {}
        self._entries: list[_Entry] = []
        self._by_token: dict[str, list[int]] = {}
        self._by_concat: dict[str, list[int]] = {}
        names = list(names)
        for code, name in [*names, *exact_only]:
            self._order.setdefault(code, len(self._order))
        for code, name in [*names, *exact_only]:
            for k in self._keys(name):
                if k and code not in (codes := self._exact.setdefault(k, [])):
                    codes.append(code)
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for code, name in names:
            toks = self._tokenize(name)
            if not toks or (code, toks) in seen:
                continue
            seen.add((code, toks))
            index = len(self._entries)
            self._entries.append(_Entry(code, toks))
            for t in set(toks):
                self._by_token.setdefault(t, []).append(index)
            for n in (2, 3):
                for i in range(len(toks) - n + 1):
                    self._by_concat.setdefault("".join(toks[i : i + n]), []).append(index)
        self._vocab = sorted(self._by_token)
        self._latin = [t for t in self._vocab if _LATIN_WORD.match(t)]
        self._variants: dict[str, list[str]] = {}
        for t in self._vocab:
            v = latin_variant(t) or bengali_variant(t)
            if v is not None:
                self._variants.setdefault(v, []).append(t)
        self._synonyms: dict[str, list[str]] = {}
        for t in self._vocab:
            self._synonyms.setdefault(SYNONYMS.get(t, t), []).append(t)
        self._related_cache: dict[str, tuple[str, ...]] = {}
        self._sim_cache: dict[tuple[str, str], tuple[float, bool]] = {}

    @property
    def codes(self) -> list[str]:
        return list(self._order)

    def _keys(self, text: str) -> list[str]:
        """Exact-match keys of ``text``: tokens joined (stemmed first, then unstemmed)."""
        if self._custom:
            return ["".join(self._tokenize(text))]
        return list(dict.fromkeys(("".join(tokens(text)), "".join(tokens(text, stem_words=False)))))

    # -------------------------------------------------------------- shortlist
    def _related(self, token: str) -> tuple[str, ...]:
        """Vocabulary tokens with a non-zero similarity to ``token``."""
        if token in self._related_cache:
            return self._related_cache[token]
        found: set[str] = set()
        if token in self._by_token:
            found.add(token)
        found.update(self._synonyms.get(SYNONYMS.get(token, token), ()))
        if _LATIN_WORD.match(token):
            if len(token) >= 3:  # vocabulary tokens that ``token`` abbreviates
                i = bisect_left(self._latin, token)
                while i < len(self._latin) and self._latin[i].startswith(token):
                    found.add(self._latin[i])
                    i += 1
            found.update(token[:n] for n in range(3, len(token)) if token[:n] in self._by_token)
        variant = latin_variant(token) or bengali_variant(token)
        if variant is not None:
            found.update(self._variants.get(variant, ()))
        if len(token) >= 4:
            for other, _, _ in process.extract(token, self._vocab, scorer=fuzz.ratio,
                                               score_cutoff=TYPO * 100, limit=None):
                found.add(other)
        result = tuple(t for t in found if self._similarity(token, t)[0] > 0)
        if len(self._related_cache) > 50_000:
            self._related_cache.clear()
        self._related_cache[token] = result
        return result

    def _similarity(self, a: str, b: str) -> tuple[float, bool]:
        pair = (a, b)
        if pair not in self._sim_cache:
            if len(self._sim_cache) > 500_000:
                self._sim_cache.clear()
            self._sim_cache[pair] = token_similarity(a, b, abbreviations=self.abbreviations)
        return self._sim_cache[pair]

    def _score(self, query: tuple[str, ...], name: tuple[str, ...]) -> tuple[float, float]:
        """(score with all pairs, score with explained pairs only) of one name."""
        query = _resegment(set(name), query)
        name = _resegment(set(query), name)
        pairs = []
        for i, q in enumerate(query):
            for j, n in enumerate(name):
                sim, explained = self._similarity(q, n)
                if sim > 0:
                    pairs.append((sim, explained, i, j))
        total = len(query) + len(name)

        def dice(usable: list[tuple[float, bool, int, int]]) -> float:
            used_q: set[int] = set()
            used_n: set[int] = set()
            score = 0.0
            for sim, _, i, j in sorted(usable, key=lambda p: (-p[0], not p[1], p[2], p[3])):
                if i not in used_q and j not in used_n:
                    used_q.add(i)
                    used_n.add(j)
                    score += sim
            return 2 * score / total

        return dice(pairs), dice([p for p in pairs if p[1]])

    # -------------------------------------------------------------- matching
    def match(self, text: str | None, *, within: Collection[str] | None = None, limit: int = 3) -> Match:
        """Match ``text``; ``within`` restricts to these codes; ``limit`` caps the candidates."""
        allowed = (lambda code: True) if within is None else (lambda code: code in within)
        query = self._tokenize(text or "")
        if not query:
            return Match(None, "unknown", 0.0)
        query_key = "".join(query)
        for k in self._keys(text or ""):
            exact = [c for c in self._exact.get(k, ()) if allowed(c)]
            if len(exact) == 1:
                return Match(exact[0], "exact", 1.0, (exact[0],))
            if exact:
                return Match(None, "unknown", 1.0, tuple(sorted(exact, key=self._order.__getitem__))[:limit])

        shortlist: set[int] = set()
        for q in query:
            for t in self._related(q):
                shortlist.update(self._by_token[t])
            shortlist.update(self._by_concat.get(q, ()))
        for n in (2, 3):
            for i in range(len(query) - n + 1):
                for t in self._related("".join(query[i : i + n])):
                    shortlist.update(self._by_token[t])

        best_all: dict[str, float] = {}
        best_explained: dict[str, float] = {}
        for index in shortlist:
            entry = self._entries[index]
            if not allowed(entry.code):
                continue
            score_all, score_explained = self._score(query, entry.tokens)
            if score_all > best_all.get(entry.code, 0.0):
                best_all[entry.code] = score_all
            if score_explained > best_explained.get(entry.code, 0.0):
                best_explained[entry.code] = score_explained

        ranked = sorted(best_all, key=lambda c: (-best_all[c], -best_explained.get(c, 0.0), self._order[c]))
        candidates = tuple(c for c in ranked if best_all[c] >= self.suggest)[:limit]
        if best_explained and len(query_key) >= MIN_KEY:
            code = max(best_explained, key=lambda c: (best_explained[c], -self._order[c]))
            score = best_explained[code]
            runner_up = max((s for c, s in best_all.items() if c != code), default=0.0)
            if score >= self.accept and score - runner_up >= self.margin - 1e-9:
                rest = tuple(c for c in candidates if c != code)
                return Match(code, "approximate", round(score, 4), ((code,) + rest)[:limit])
        return Match(None, "unknown", round(best_all[candidates[0]], 4) if candidates else 0.0, candidates)
