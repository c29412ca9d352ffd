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
from .model import Modality

__all__ = ["assess", "negation_scopes"]

_NEGATION = re.compile(
    r"\b(?:no evidence|little evidence|lack of evidence|not (?:been )?(?:shown|proven|found)|"
    r"not|no|never|neither|nor|without|cannot|ca?n[’']t|(?:do|does|did|is|are|was|were|has|"
    r"have|had|wo|would|should|could)n[’']t|fail(?:s|ed)? to|ruled out|absence of|"
    r"free (?:of|from))\b", re.I)
# Look like negation, negate nothing here: "not only", "no longer in the system".
_PSEUDO = re.compile(
    r"\b(?:not only|not just|no longer|no doubt|not necessarily|whether or not|if not|"
    r"no need|not all|not completely|not fully|not well|no more than|not more than|"
    r"not (?:always|every|everyone|everybody)|nothing but)\b", re.I)
_TERMINATE = re.compile(
    r"\b(?:but|however|although|though|whereas|while|which|who|yet|except|apart from|"
    r"aside from|instead)\b|[;:]", re.I)
# Triggers whose scope runs to the end of the clause, not a few words.
_LONG_SCOPE = re.compile(r"evidence|shown|proven|found|ruled", re.I)
_SCOPE_WORDS = 8
_COORDINATOR = re.compile(r"\b(?:and|or|but)\b", re.I)
_WORD = re.compile(r"\S+")

_INVESTIGATIONAL = re.compile(
    r"\b(?:(?:is|are|was|were|being|been|currently|now|still)\s+(?:\w+ly\s+)?(?:being\s+)?"
    r"(?:studied|investigated|tested|explored|evaluated|trialled|trialed|researched|examined)|"
    r"under (?:investigation|study|development|evaluation|review)|"
    r"in (?:\w+[ -]){0,3}trials? (?:for|of|to|as|in)|"
    r"(?:trials?|studies|researchers|scientists|investigators) (?:are|is|have been) "
    r"(?:\w+ly )?(?:underway|under way|ongoing|exploring|studying|investigating|testing|"
    r"looking|evaluating|examining|assessing)|"
    r"(?:researchers|scientists) (?:are )?(?:hope|hoping|exploring|investigating)|"
    r"experimental|investigational|in development|not yet approved|"
    r"(?:is|are) being (?:developed|tried))\b", re.I)

_HEDGE = re.compile(
    r"\b(?:may|might|could|possibly|perhaps|probably|likely|unlikely|potentially|"
    r"presumably|reportedly|theoretically|in theory|conceivably|"
    r"(?:possible|potential)(?!\s+(?:side[- ]effects?|adverse|risks?|complications?|hazards?|"
    r"harms?|dangers?|interactions?))|"
    r"appears? to|appeared to|seems? to|seemed to|"
    r"(?:is|are|was|were|been) (?:\w+ly )?(?:believed|thought|suspected|hypothesi[sz]ed|"
    r"proposed|presumed|assumed|speculated|said|expected) to|"
    r"ha(?:s|ve) the potential|it implies|implies that|suggest(?:s|ed)? that|suggestive|"
    r"(?:believe|believes|believed|think|thinks|speculate|speculates|hypothesi[sz]e) that|"
    r"some evidence|limited evidence|preliminary|tentative|unclear whether|not clear whether|"
    r"uncertain)\b", re.I)


def negation_scopes(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """NegEx scopes in `text[start:end]`: (scope start, scope end, trigger).

    >>> t = "Neither blood pressure nor breathing rate is lowered."
    >>> [(t[a:b].strip(), cue) for a, b, cue in negation_scopes(t, 0, len(t))][0]
    ('blood pressure nor breathing rate is lowered.', 'Neither')
    """
    pseudo = [(m.start(), m.end()) for m in _PSEUDO.finditer(text, start, end)]
    scopes = []
    for trigger in _NEGATION.finditer(text, start, end):
        if any(a <= trigger.start() < b for a, b in pseudo):
            continue
        stop = end
        terminate = _TERMINATE.search(text, trigger.end(), end)
        if terminate:
            stop = terminate.start()
        if not _LONG_SCOPE.search(trigger.group(0)):
            words = list(_WORD.finditer(text, trigger.end(), stop))
            if len(words) > _SCOPE_WORDS:
                stop = words[_SCOPE_WORDS - 1].end()
        scopes.append((trigger.end(), stop, trigger.group(0)))
    return scopes


def _in_scope(pattern: re.Pattern, text: str, clause: Clause,
              cue: tuple[int, int]) -> list[str]:
    """Matches of `pattern` in the clause that bear on the cue: not inside an
    aside the cue is not in, and not after the cue in a coordinated verb
    phrase of its own ("treats X and may cause Y": "may" is not about
    "treats")."""
    found = []
    for match in pattern.finditer(text, clause.start, clause.end):
        aside = clause.aside_at(match.start())
        if aside is not None and not aside[0] <= cue[0] < aside[1]:
            continue
        if match.start() >= cue[1] and _COORDINATOR.search(text, cue[1], match.start()):
            continue
        found.append(match.group(0))
    return found


def assess(text: str, clause: Clause, cue: tuple[int, int],
           target: tuple[int, int] | None = None,
           hedge_window: tuple[int, int] | None = None) -> tuple[Modality, tuple[str, ...]]:
    """The modality of a relation stated by a predicate cue in a clause.

    Args:
        text: the article text.
        clause: the clause holding the cue.
        cue: span of the predicate cue.
        target: span of the relation's object, when known.
        hedge_window: where hedging and investigational cues count, when
            narrower than the clause (an "as an X antagonist" adjunct is
            hedged only by words right before it).

    Returns:
        The modality and the cue words that decided it (empty when asserted).

    >>> from ingest.clauses import clauses
    >>> t = "Ketamine does not cause nausea."
    >>> assess(t, clauses(t, 0, len(t))[0], (18, 23))
    (<Modality.NEGATED: 'negated'>, ('not',))
    """
    for a, b, trigger in negation_scopes(text, clause.start, clause.end):
        after_cue = a - len(trigger) >= cue[1]
        if a <= cue[0] < b or (target and after_cue and a <= target[0] < b):
            return Modality.NEGATED, (trigger,)
    window = clause
    if hedge_window is not None:
        window = Clause(max(clause.start, hedge_window[0]), min(clause.end, hedge_window[1]),
                        clause.asides)
    found = _in_scope(_INVESTIGATIONAL, text, window, cue)
    if found:
        return Modality.INVESTIGATIONAL, tuple(found)
    found = _in_scope(_HEDGE, text, window, cue)
    if found:
        return Modality.HEDGED, tuple(found)
    return Modality.ASSERTED, ()
