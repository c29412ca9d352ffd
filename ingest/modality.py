"""How firmly a clause states a relation: asserted, hedged, investigational
or negated, with the words that decided it.

Negation follows NegEx: a trigger ("not", "neither ... nor", "no evidence
that") negates what follows it up to a terminating word, the end of the
clause or a few words.  A relation is negated when its predicate cue, or
its object after the cue ("causes no drowsiness"), lies in such a scope.
Investigational and hedging cues count anywhere in the clause outside its
asides.  When several apply: negated > investigational > hedged.

"can" is not a hedge: "can result in" states side effects as fact, while
"may result in" hedges them.
"""
from __future__ import annotations

import re

from .clauses import Clause
from .lexicon import Scan, WordPatterns
from .model import Modality

__all__ = ["LEXICONS", "assess", "negation_scopes"]

_NEGATION = WordPatterns([
    r"no evidence|little evidence|lack of evidence|not (?:been )?(?:shown|proven|found)",
    r"not|no|never|neither|nor|without|cannot|ca?n[’']t",
    r"(?:do|does|did|is|are|was|were|has|have|had|wo|would|should|could)n[’']t",
    r"fail(?:s|ed)? to|ruled out|absence of|free (?:of|from)"])
# Look like negation, negate nothing here: "not only", "no longer in the system".
_PSEUDO = WordPatterns([
    r"not only|not just|no longer|no doubt|not necessarily|whether or not|if not|no need|"
    r"not all|not completely|not fully|not well|no more than|not more than|"
    r"not (?:always|every|everyone|everybody)|nothing but"])
_TERMINATE = WordPatterns([r"but|however|although|though|whereas|while|which|who|yet|except|"
                           r"apart from|aside from|instead"])
_TERMINATE_MARK = re.compile(r"[;:]")
# Triggers whose scope runs to the end of the clause, not a few words.
_LONG_SCOPE = re.compile(r"evidence|shown|proven|found|ruled", re.I)
_SCOPE_WORDS = 8
_COORDINATOR = re.compile(r"\b(?:and|or|but)\b", re.I)
_WORD = re.compile(r"\S+")

_INVESTIGATIONAL = WordPatterns([
    r"(?:is|are|was|were|being|been|currently|now|still)\s+(?:\w+ly\s+)?(?:being\s+)?"
    r"(?:studied|investigated|tested|explored|evaluated|trialled|trialed|researched|examined)",
    r"under (?:investigation|study|development|evaluation|review)",
    r"in (?:\w+[ -]){0,3}trials? (?:for|of|to|as|in)",
    r"(?:trials?|studies|researchers|scientists|investigators) (?:are|is|have been) "
    r"(?:\w+ly )?(?:underway|under way|ongoing|exploring|studying|investigating|testing|"
    r"looking|evaluating|examining|assessing)",
    r"(?:researchers|scientists) (?:are )?(?:\w+ly |also |now |still )?(?:hope|hoping|exploring|"
    r"investigating|studying|testing)",
    r"experimental|investigational|in development|not yet approved",
    r"(?:is|are) being (?:developed|tried)"])

_HEDGE = WordPatterns([
    # "may affect up to 1 in 10 people" is how often, not whether.
    r"may(?!\s+affect\s+(?:up\s+to\s+|more\s+than\s+|less\s+than\s+|fewer\s+than\s+|"
    r"about\s+|around\s+)?(?:\d|one\b))",
    # "potentially severe reactions" grades the reaction, it does not hedge it.
    r"potentially(?!\s+(?:severe|serious|fatal|life[- ]threatening|dangerous|harmful|lethal|"
    r"deadly))",
    r"might|could|possibly|perhaps|probably|likely|unlikely|presumably|"
    r"reportedly|theoretically|in theory|conceivably",
    r"(?:possible|potential)(?!\s+(?:side[- ]effects?|adverse|risks?|complications?|hazards?|"
    r"harms?|dangers?|interactions?))",
    r"appears? to|appeared to|seems? to|seemed to|tends? to|tended to",
    r"(?:is|are|was|were|been) (?:\w+ly )?(?:believed|thought|suspected|hypothesi[sz]ed|"
    r"proposed|presumed|assumed|speculated|said|expected) to",
    r"ha(?:s|ve) the potential|it implies|implies that|suggest(?:s|ed)? that|suggestive",
    r"(?:believe|believes|believed|think|thinks|speculate|speculates|hypothesi[sz]e) that",
    r"(?:doctors|experts|scientists|researchers|some people|many people) (?:think|believe|"
    r"suspect|suggest)",
    r"some evidence|limited evidence|preliminary|tentative|unclear whether|not clear whether|"
    r"uncertain"])


#: The lexicons `assess` needs in the article's `Scan`.
LEXICONS = (_NEGATION, _PSEUDO, _TERMINATE, _INVESTIGATIONAL, _HEDGE)


def negation_scopes(text: str, start: int, end: int, scan: Scan) -> list[tuple[int, int, str]]:
    """NegEx scopes in `text[start:end]`: (scope start, scope end, trigger).

    Args:
        text: the article text.
        start: where to look from.
        end: where to stop.
        scan: the article scanned for `LEXICONS`.

    >>> from ingest.lexicon import Scanner
    >>> t = "Neither blood pressure nor breathing rate is lowered."
    >>> scan = Scanner(LEXICONS).scan(t)
    >>> [(t[a:b].strip(), cue) for a, b, cue in negation_scopes(t, 0, len(t), scan)][0]
    ('blood pressure nor breathing rate is lowered.', 'Neither')
    """
    triggers = scan.between(_NEGATION, start, end)
    if not triggers:
        return []  # most clauses: no need to find pseudo-triggers and terminators
    pseudo = [(m.start(), m.end()) for m in scan.between(_PSEUDO, start, end)]
    terminators = sorted([m.start() for m in scan.between(_TERMINATE, start, end)]
                         + [m.start() for m in _TERMINATE_MARK.finditer(text, start, end)])
    scopes = []
    for match in triggers:
        t_start, t_end, trigger = match.start(), match.end(), match.group(0)
        if any(a <= t_start < b for a, b in pseudo):
            continue
        stop = next((a for a in terminators if a >= t_end), end)
        if not _LONG_SCOPE.search(trigger):
            words = _WORD.finditer(text, t_end, stop)
            for count, word in enumerate(words, 1):
                if count == _SCOPE_WORDS:
                    stop = word.end()
                    break
        scopes.append((t_end, stop, trigger))
    return scopes


def _in_scope(pattern: WordPatterns, text: str, clause: Clause,
              cue: tuple[int, int], scan: Scan) -> list[str]:
    """Matches of `pattern` in the clause that bear on the cue: not inside an
    aside the cue is not in, and not after the cue in a coordinated verb
    phrase of its own ("treats X and may cause Y": "may" is not about
    "treats")."""
    found = []
    for match in scan.between(pattern, clause.start, clause.end):
        start, words = match.start(), match.group(0)
        aside = clause.aside_at(start)
        if aside is not None and not aside[0] <= cue[0] < aside[1]:
            continue
        if start >= cue[1] and _COORDINATOR.search(text, cue[1], start):
            continue
        found.append(words)
    return found


def assess(text: str, clause: Clause, cue: tuple[int, int], scan: Scan,
           target: tuple[int, int] | None = None,
           hedge_window: tuple[int, int] | None = None,
           scopes: list[tuple[int, int, str]] | None = None
           ) -> tuple[Modality, tuple[str, ...]]:
    """The modality of a relation stated by a predicate cue in a clause.

    Args:
        text: the article text.
        clause: the clause holding the cue.
        cue: span of the predicate cue.
        scan: the article scanned for `LEXICONS`.
        target: span of the relation's object, when known.
        hedge_window: where hedging and investigational cues count, when
            narrower than the clause (an "as an X antagonist" adjunct is
            hedged only by words right before it).
        scopes: the clause's `negation_scopes`, when the caller has them.

    Returns:
        The modality and the cue words that decided it (empty when asserted).

    >>> from ingest.clauses import clauses
    >>> from ingest.lexicon import Scanner
    >>> t = "Ketamine does not cause nausea."
    >>> assess(t, clauses(t, 0, len(t))[0], (18, 23), Scanner(LEXICONS).scan(t))
    (<Modality.NEGATED: 'negated'>, ('not',))
    """
    if scopes is None:
        scopes = negation_scopes(text, clause.start, clause.end, scan)
    for a, b, trigger in scopes:
        after_cue = a - len(trigger) >= cue[1]
        if a <= cue[0] < b or (target and after_cue and a <= target[0] < b):
            return Modality.NEGATED, (trigger,)
    window = clause
    if hedge_window is not None:
        window = Clause(max(clause.start, hedge_window[0]), min(clause.end, hedge_window[1]),
                        clause.asides)
    found = _in_scope(_INVESTIGATIONAL, text, window, cue, scan)
    if found:
        return Modality.INVESTIGATIONAL, tuple(found)
    found = _in_scope(_HEDGE, text, window, cue, scan)
    if found:
        return Modality.HEDGED, tuple(found)
    return Modality.ASSERTED, ()
