"""The predicate cue lexicon: which words state which relation, and where
the relation's subject and objects sit relative to them.

Each cue offers predicates in order of preference, each with the object
types it takes; the object's type picks one ("used in" + a procedure is
`usedIn`, + a condition is `treats`).  Cues are tried at each word, most
specific first, so "increases the risk of" wins over "increases" and "used
to treat" over "used".

Also here, because they are word lists too: drug-class nouns that imply a
use ("an antidepressant effect" -> treats depression), adjectives that name
an adverse effect ("addictive"), and section headings that frame the list
below them ("Side effects").
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from .lexicon import WordPatterns
from .model import EntityType

__all__ = ["ADJECTIVE_EFFECTS", "ADJECTIVE_WORDS", "CUES", "CUE_WORDS", "Cue", "HEADING_FRAMES",
           "LIST_NOUNS", "ROLES", "ROLE_WORDS", "SUBHEADING", "Side", "cue_for"]

C, AE, P, R = (EntityType.CONDITION, EntityType.ADVERSE_EFFECT, EntityType.PROCEDURE,
               EntityType.ROUTE)
RC, CH, M = EntityType.RECEPTOR, EntityType.CHEMICAL, EntityType.MECHANISM
Options = tuple[tuple[str, frozenset[EntityType]], ...]


def _options(*pairs: tuple[str, set[EntityType]]) -> Options:
    return tuple((predicate, frozenset(types)) for predicate, types in pairs)


TREAT = _options(("treats", {C, AE}))
TREAT_OR_USE = _options(("treats", {C, AE}), ("usedIn", {P}))
ADVERSE = _options(("hasAdverseEffect", {AE, C}))
ADVERSE_OR_USE = _options(("hasAdverseEffect", {AE, C}), ("usedIn", {P}))
# "glutamate opens the channel, causing an influx of calcium": a process
# caused is one increased.
CAUSE = ADVERSE_OR_USE + _options(("increases", {M}))
OPEN = _options(("activates", {RC}))
ROUTE = _options(("administeredVia", {R}))
BLOCK = _options(("antagonistOf", {RC}), ("decreases", {CH, M}))
ANTAGONIST = _options(("antagonistOf", {RC}))
ACTIVATE = _options(("activates", {RC, M}), ("increases", {CH, AE}))
INCREASE = _options(("increases", {CH, M, AE}))
LOWER = _options(("decreases", {CH, M, AE, C}))
REDUCE = _options(("treats", {C, AE}), ("decreases", {CH, M, AE}))
MECHANISM = _options(("hasMechanism", {M}))
AFFECT = _options(("affects", set(EntityType)))
TREAT_OR_AFFECT = _options(("treats", {C, AE}), ("affects", {M}))


class Side(enum.Enum):
    """Where an argument is looked for, relative to the cue."""

    LEFT = "left"
    RIGHT = "right"
    ANY = "any"  # left first, then right


@dataclass(frozen=True)
class Cue:
    """One way of stating a relation.

    Args:
        rule: stable rule id recorded on each claim ("treats.verb").
        options: (predicate, object types) in order of preference.
        subject: where the subject is.
        objects: where the objects are.
        passive: after a form of "be" ("is lowered", "was treated with")
            the objects come first and the subject after.
        implicit: with no subject in the sentence, the article's main drug
            is meant ("Common side effects include ...").
        anywhere: a subject not found on its side may be anywhere before
            the cue ("After the second dose, patients with X feel better").
        symmetric: either argument may come first ("X has been linked with
            Y" and "Y has been linked with X").
        spans_cues: objects may lie past later cues ("works by blocking X":
            X is how it works).
        adjacent: the objects must come right before the cue, as the subject
            of an intransitive verb does ("blood pressure may fall", not
            "confusion gets worse ... as falls are a risk").
    """

    rule: str
    options: Options
    subject: Side = Side.LEFT
    objects: Side = Side.RIGHT
    passive: bool = False
    implicit: bool = False
    anywhere: bool = False
    symmetric: bool = False
    spans_cues: bool = False
    adjacent: bool = False


_VERB_PREFIX = (r"(?:used|prescribed|given|approved|indicated|licensed|recommended|taken|"
                r"utili[sz]ed|employed|applied)\s+(?:\w+ly\s+|also\s+|off-label\s+)?")
_TREAT_VERBS = (r"(?:treat|manage|relieve|ease|prevent|control|reduce|alleviate|cure|calm|fight|"
                r"combat|improve|help(?:\s+(?:with|treat|manage|relieve|ease|reduce|prevent|"
                r"control))?)")

#: (pattern, cue), most specific first.
CUES: tuple[tuple[str, Cue], ...] = (
    (r"(?:increas|rais|heighten|elevat|doubl|tripl)\w*\s+(?:the\s+|your\s+|a\s+)?"
     r"(?:risk|chance|likelihood|odds|incidence)s?\s+(?:of|for)"
     r"|(?:higher|greater|increased|elevated)\s+risks?\s+(?:of|for)",
     Cue("adverse.risk", ADVERSE, Side.ANY)),
    (r"(?:lower|reduc|decreas|cut|minimi[sz]|halv)\w*\s+(?:the\s+|your\s+|a\s+)?"
     r"(?:risk|chance|likelihood|odds|incidence)s?\s+(?:of|for)",
     Cue("treats.lowers-risk", TREAT)),
    (r"risks?\s+(?:of|include|includes)|dangers?\s+of",
     Cue("adverse.risk", ADVERSE, Side.ANY)),
    (r"(?:trigger|stimulat|caus|induc|increas|boost|promot|enhanc)\w*\s+(?:the\s+)?release\s+of",
     Cue("increases.release", INCREASE)),
    (_VERB_PREFIX + r"(?:to\s+" + _TREAT_VERBS + r"|(?:for|in)\s+(?:the\s+)?(?:treatment|"
     r"management|relief|prevention|control)\s+of|(?:for|in)\s+treating|against)",
     Cue("treats.used-to", TREAT)),
    (_VERB_PREFIX + r"(?:as\s+(?:an?\s+)?(?:\w+\s+)?)?(?:for|in|during|before|ahead\s+of)"
     r"|" + _VERB_PREFIX + r"to\s+(?:provide|induce|maintain|achieve|produce|start|keep)"
     r"|useful\s+(?:for|in)",
     Cue("usedIn.used-for", TREAT_OR_USE)),
    (r"(?:reduc|lessen|improv|ameliorat|eas|reliev|alleviat|control|manag|treat)\w*\s+"
     r"(?:the\s+|their\s+|your\s+|many\s+|some\s+)?(?:\w+\s+)?(?:symptoms?|signs?|severity|"
     r"frequency|intensity|burden|episodes?)\s+(?:of|from|associated\s+with)",
     Cue("treats.symptoms", TREAT)),
    (r"(?:current|approved|main|licensed)\s+(?:approved\s+)?(?:indications?|uses)\s+"
     r"(?:include|includes|are|is)|indications?\s+(?:include|includes|are)|uses\s+include",
     Cue("treats.indications", TREAT, Side.ANY, implicit=True)),
    (r"(?:therap(?:y|ies)|treatments?|therapeutics?|medications?|medicines?|drugs?|"
     r"remed(?:y|ies)|options?|choices?|cures?)\s+(?:option\s+|choice\s+)?(?:for|against|of)",
     Cue("treats.nominal", TREAT, Side.ANY)),
    (r"(?:effective|efficacious|beneficial|useful|helpful|successful)\s+(?:\w+ly\s+)?"
     r"(?:for|against|in|at)(?:\s+(?:treating|managing|relieving|reducing|preventing))?",
     Cue("treats.effective", TREAT)),
    (r"(?:studied|investigated|tested|trialled|trialed|evaluated|explored|researched)\s+"
     r"(?:as\s+an?\s+(?:\w+\s+)?(?:treatment|therapy)\s+)?for|trials?\s+(?:of\s+[\w-]+\s+)?for",
     Cue("treats.studied-for", TREAT, Side.ANY)),
    (r"(?:is|are|was|were|be|been)\s+(?:an?\s+|the\s+|one\s+of\s+the\s+)?(?:[\w-]+\s+){0,3}?"
     r"(?:side[- ]effects?|adverse\s+effects?|complications?|risks?)\s+(?:of|from|with)",
     Cue("hasAdverseEffect.effect-of", ADVERSE, Side.RIGHT, Side.LEFT)),
    (r"prescrib(?:e|es|ing)|recommend(?:s|ing)?|(?:can|may|might|could|will|to)\s+(?:use|take|try)",
     Cue("treats.prescribe", TREAT, Side.RIGHT, Side.RIGHT)),
    (r"rise|rises|rising|go(?:es)?\s+up|spike|spikes|climb|climbs|soar|soars",
     Cue("increases.intransitive", INCREASE, Side.ANY, Side.LEFT, implicit=True, adjacent=True)),
    (r"fall|falls|falling|go(?:es)?\s+down|dips?",
     Cue("decreases.intransitive", LOWER, Side.ANY, Side.LEFT, implicit=True, adjacent=True)),
    (r"(?:(?:can|may|might|could|will|often|sometimes|rarely|also)\s+)?(?:occur|happen)s?",
     Cue("adverse.occur", ADVERSE, Side.ANY, Side.LEFT, implicit=True, adjacent=True)),
    (r"(?:caused|induced|triggered|provoked|brought\s+on)\s+by",
     Cue("adverse.caused-by", ADVERSE_OR_USE, Side.RIGHT, Side.LEFT)),
    (r"benefit(?:s|ed|ing)?\s+from|respond(?:s|ed|ing)?\s+(?:\w+ly\s+|well\s+)?to|"
     r"feel(?:s|ing)?\s+better|recover(?:y|ed|s|ing)?\s+from|"
     r"improv(?:e|es|ed)\s+(?:\w+ly\s+)?(?:with|after|on|following)|"
     r"(?:are|were|is|was)\s+relieved\s+by",
     Cue("treats.outcome", TREAT, Side.RIGHT, Side.LEFT, anywhere=True)),
    (r"treat(?:s|ed|ing)?|cur(?:e|es|ed|ing)|reliev(?:e|es|ed|ing)|alleviat(?:e|es|ed|ing)|"
     r"prevent(?:s|ed|ing)?|manag(?:e|es|ed|ing)|combat(?:s|ed|ing)?|fight(?:s|ing)?|"
     r"counteract(?:s|ed|ing)?|protect(?:s|ed|ing)?\s+against|heal(?:s|ed|ing)?|"
     r"sooth(?:e|es|ed|ing)|eas(?:e|es|ed|ing)|revers(?:e|es|ed|ing)|stop(?:s|ped|ping)?",
     Cue("treats.verb", TREAT, passive=True)),
    (r"help(?:s|ed)?\s+(?:to\s+)?(?:with|treat|manage|relieve|ease|reduce|control|prevent|"
     r"fight|combat|alleviate)|work(?:s|ed)?\s+(?:well\s+)?(?:for|against)|"
     r"help(?:s|ed)?\s+(?:some\s+|many\s+|most\s+)?(?:people|patients|those|adults|children|"
     r"anyone)\s+(?:with|who\s+have|"
     r"suffering\s+from)|"
     r"benefit(?:s|ed)?\s+(?:patients|people|those|individuals|adults|children|anyone)\s+"
     r"(?:with|suffering\s+from|who\s+have)",
     Cue("treats.helps", TREAT_OR_AFFECT)),
    (r"(?:(?:common|rare|serious|possible|potential|severe|mild|other|known)\s+)?"
     r"(?:side[- ]effects?|adverse\s+(?:effects?|reactions?|events?)|unwanted\s+effects?|"
     r"undesirable\s+effects?|negative\s+(?:effects?|consequences?)|harmful\s+effects?)",
     Cue("adverse.nominal", ADVERSE, Side.ANY, implicit=True)),
    (r"caus(?:e|es|ed|ing)|result(?:s|ed|ing)?\s+in|lead(?:s|ing)?\s+to|led\s+to|"
     r"trigger(?:s|ed|ing)?|induc(?:e|es|ed|ing)|produc(?:e|es|ed|ing)|provok(?:e|es|ed|ing)|"
     r"bring(?:s)?\s+on|brought\s+on|give(?:s)?\s+(?:you|some\s+people|people)|"
     r"make(?:s)?\s+(?:you|people|some\s+people)(?:\s+feel)?|"
     r"worsen(?:s|ed|ing)?|aggravat(?:e|es|ed|ing)|exacerbat(?:e|es|ed|ing)",
     Cue("adverse.cause", CAUSE, passive=True)),
    (r"(?:diverted|diversion)\s+(?:for|to|into)",
     Cue("adverse.diverted", ADVERSE)),
    (r"(?:associated|linked|connected)\s+with",
     Cue("adverse.associated", ADVERSE, symmetric=True)),
    (r"experienc(?:e|es|ed|ing)|develop(?:s|ed|ing)?|suffer(?:s|ed)?\s+from|"
     r"(?:can|may|might|could|will)\s+get",
     Cue("adverse.experience", ADVERSE)),
    (r"administ(?:er|ered|ers|ering|ration)|given|giv(?:e|es|ing)|deliver(?:s|ed|ing|y)?|"
     r"taken|tak(?:e|es|ing)|inject(?:ed|s|ing)?|infused|inhaled|sprayed|swallowed|"
     r"available\s+(?:as|in)|comes?\s+(?:as|in)|in\s+the\s+form\s+of|formulated\s+as|routes?",
     Cue("administeredVia.verb", ROUTE, Side.ANY)),
    (r"(?:antagonists?|negative\s+allosteric\s+modulators?)\s+(?:of|at|to)|"
     r"blockers?\s+of|inhibitors?\s+of",
     Cue("antagonistOf.nominal", ANTAGONIST, Side.ANY)),
    (r"(?:agonists?|positive\s+allosteric\s+modulators?)\s+(?:of|at)|"
     r"activators?\s+of",
     Cue("activates.nominal", ACTIVATE, Side.ANY)),
    (r"targets?\s+(?:for|of)",
     Cue("antagonistOf.target-of", ANTAGONIST, Side.RIGHT, Side.RIGHT)),
    (r"target(?:s|ed|ing)?",
     Cue("antagonistOf.target", ANTAGONIST, passive=True)),
    (r"block(?:s|ed|ing)?|antagoni[sz](?:e|es|ed|ing)|inhibit(?:s|ed|ing)?|"
     r"bind(?:s|ing)?\s+to\s+and\s+block(?:s)?|shut(?:s)?\s+down",
     Cue("antagonistOf.verb", BLOCK, passive=True)),
    (r"activat(?:e|es|ed|ing)|stimulat(?:e|es|ed|ing)|turn(?:s|ed)?\s+on|agonis(?:e|es|ed)",
     Cue("activates.verb", ACTIVATE, passive=True)),
    # What opens a channel activates it; only a receptor can be the object.
    (r"open(?:s|ed|ing)?",
     Cue("activates.open", OPEN, passive=True)),
    (r"increas(?:e|es|ed|ing)|boost(?:s|ed|ing)?|rais(?:e|es|ed|ing)|elevat(?:e|es|ed|ing)|"
     r"enhanc(?:e|es|ed|ing)|promot(?:e|es|ed|ing)|heighten(?:s|ed|ing)?|"
     r"amplif(?:y|ies|ied|ying)|up-?regulat(?:e|es|ed|ing)|strengthen(?:s|ed|ing)?",
     Cue("increases.verb", INCREASE, passive=True)),
    (r"lower(?:s|ed|ing)?|decreas(?:e|es|ed|ing)|suppress(?:es|ed|ing)?|"
     r"diminish(?:es|ed|ing)?|dampen(?:s|ed|ing)?|down-?regulat(?:e|es|ed|ing)|"
     r"deplet(?:e|es|ed|ing)|weaken(?:s|ed|ing)?|slow(?:s|ed)?\s+down|curb(?:s|ed)?",
     Cue("decreases.verb", LOWER, passive=True)),
    (r"reduc(?:e|es|ed|ing)|lessen(?:s|ed|ing)?|minimi[sz](?:e|es|ed|ing)",
     Cue("decreases.reduce", REDUCE, passive=True)),
    (r"work(?:s|ed|ing)?\s+(?:\w+ly\s+)?(?:by|through|via)|"
     r"act(?:s|ed|ing)?\s+(?:\w+ly\s+)?(?:by|through|via)|"
     r"mechanisms?\s+of\s+action\s+(?:is|involves?|includes?)|(?:is|are)\s+mediated\s+by|"
     r"exert(?:s|ed)?\s+(?:its|their)\s+effects?\s+(?:by|through|via)",
     Cue("hasMechanism.verb", MECHANISM, spans_cues=True)),
    (r"affect(?:s|ed|ing)?|influenc(?:e|es|ed|ing)|modulat(?:e|es|ed|ing)|"
     r"impact(?:s|ed|ing)?|alter(?:s|ed|ing)?|regulat(?:e|es|ed|ing)|"
     r"play(?:s|ed)?\s+a\s+(?:\w+\s+)?role\s+in|(?:is|are)\s+involved\s+in",
     Cue("affects.verb", AFFECT, passive=True)),
    (r"help(?:s|ed)?",
     Cue("treats.help", TREAT_OR_AFFECT)),
)

#: Every cue, tried at each word in priority order.
CUE_WORDS = WordPatterns([pattern for pattern, _ in CUES])


def cue_for(match: re.Match) -> Cue:
    """The cue a `CUE_WORDS` match found."""
    return CUES[CUE_WORDS.index(match)][1]


#: Drug-class nouns and adjectives -> (predicate, names of the object, first
#: found in the vocabulary wins).  "an antidepressant effect", "used as an
#: anaesthetic", "ketamine, a dissociative anaesthetic".
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "antidepressant": ("treats", ("depression", "depressive disorder")),
    "anxiolytic": ("treats", ("anxiety", "anxiety disorder")),
    "anti-anxiety": ("treats", ("anxiety", "anxiety disorder")),
    "analgesic": ("treats", ("pain",)),
    "pain reliever": ("treats", ("pain",)),
    "painkiller": ("treats", ("pain",)),
    "pain killer": ("treats", ("pain",)),
    "antiemetic": ("treats", ("nausea", "vomiting")),
    "anti-nausea": ("treats", ("nausea",)),
    "anticonvulsant": ("treats", ("seizure", "epilepsy")),
    "anti-convulsant": ("treats", ("seizure", "epilepsy")),
    "anti-epileptic": ("treats", ("epilepsy", "seizure")),
    "anti-depressant": ("treats", ("depression", "depressive disorder")),
    "anti-psychotic": ("treats", ("psychosis", "schizophrenia")),
    "antiepileptic": ("treats", ("epilepsy", "seizure")),
    "anti-seizure": ("treats", ("seizure", "epilepsy")),
    "antipsychotic": ("treats", ("psychosis", "schizophrenia")),
    "antihypertensive": ("treats", ("hypertension",)),
    "antipyretic": ("treats", ("fever",)),
    "anti-inflammatory": ("treats", ("inflammation",)),
    "antihistamine": ("treats", ("allergy", "allergic reaction")),
    "antibiotic": ("treats", ("bacterial infection",)),
    "antiviral": ("treats", ("viral infection",)),
    "antifungal": ("treats", ("fungal infection",)),
    "anticoagulant": ("treats", ("blood clot", "thrombosis")),
    "blood thinner": ("treats", ("blood clot", "thrombosis")),
    "bronchodilator": ("treats", ("asthma", "bronchospasm")),
    "decongestant": ("treats", ("nasal congestion",)),
    "muscle relaxant": ("treats", ("muscle spasm",)),
    "antispasmodic": ("treats", ("muscle spasm",)),
    "antidiabetic": ("treats", ("diabetes", "type 2 diabetes")),
    "antimigraine": ("treats", ("migraine",)),
    "antiarrhythmic": ("treats", ("arrhythmia",)),
    "antitussive": ("treats", ("cough",)),
    "cough suppressant": ("treats", ("cough",)),
    "laxative": ("treats", ("constipation",)),
    "sleep aid": ("treats", ("insomnia",)),
    "anesthetic": ("usedIn", ("general anesthesia", "anesthesia")),
    "anaesthetic": ("usedIn", ("general anesthesia", "anesthesia")),
    "sedative": ("usedIn", ("sedation", "procedural sedation")),
}
#: A role word where it describes the drug: before "effect(s)", "properties"...
#: or after "an", "as", "of" ("a type of antidepressant").  Groups: `role` or `role2`.
ROLE_WORDS = WordPatterns([
    r"(?P<role>" + "|".join(sorted((re.escape(k) for k in ROLES), key=len, reverse=True))
    + r")s?\b(?=\s+(?:effects?|propert(?:y|ies)|actions?|activity|agents?|medications?|"
      r"drugs?|medicines?|benefits?|qualities|potential|in\b|for\b|during\b|and\b|or\b)"
      r"|\s*[(,.;:)]|$)"
    r"|(?<=\b(?:an|as|of)\s)(?P<role2>" + "|".join(re.escape(k) for k in ROLES) + r")"])

#: Adjectives that name an adverse effect -> names of the effect.
ADJECTIVE_EFFECTS: dict[str, tuple[str, ...]] = {
    "addictive": ("addiction", "drug dependence", "dependence"),
    "habit-forming": ("addiction", "drug dependence", "dependence"),
    "habit forming": ("addiction", "drug dependence", "dependence"),
    "sedating": ("sedation", "drowsiness"),
    "hepatotoxic": ("liver damage", "hepatotoxicity"),
    "toxic to the liver": ("liver damage", "hepatotoxicity"),
    "nephrotoxic": ("kidney damage", "nephrotoxicity"),
    "toxic to the kidneys": ("kidney damage", "nephrotoxicity"),
    "cardiotoxic": ("cardiotoxicity", "heart damage"),
    "ototoxic": ("hearing loss", "ototoxicity"),
    "teratogenic": ("birth defects",),
    "carcinogenic": ("cancer",),
    "deadly": ("death",),
    "fatal": ("death",),
    "lethal": ("death",),
}
#: "is (highly) addictive", "can be habit-forming".  Group: `adj`.
ADJECTIVE_WORDS = WordPatterns([
    r"(?:is|are|be|been|being|become|becomes|proven|considered|remains?)\s+"
    r"(?:\w+ly\s+|very\s+|quite\s+|also\s+|not\s+)*(?P<adj>"
    + "|".join(sorted((re.escape(k) for k in ADJECTIVE_EFFECTS), key=len, reverse=True))
    + r")"])

#: Subheadings that sort a section's list without changing what it lists
#: ("Very common (may affect more than 1 in 10 people)", "Serious").
SUBHEADING = re.compile(r"(?:(?:very\s+|less\s+|more\s+)?(?:common|uncommon|rare)|"
                        r"frequency\s+not\s+known|not\s+known|serious|severe|mild|other)\b",
                        re.I)

#: Heading words -> the relations a list under the heading states.
HEADING_FRAMES: tuple[tuple[re.Pattern, Options], ...] = (
    (re.compile(r"\b(?:side[- ]effects?|adverse (?:effects?|reactions?|events?)|"
                r"unwanted effects?|risks?|complications?|dangers?)\b", re.I), ADVERSE),
    (re.compile(r"\b(?:uses|used (?:for|to treat|in)|indications?|"
                r"conditions? (?:it )?treat(?:s|ed)?|"
                r"what (?:is |are )?\w+ (?:is |are )?used for|treats?|treatments? for)\b", re.I),
     TREAT_OR_USE),
    (re.compile(r"\b(?:routes? of administration|administration|how (?:to (?:take|use)|"
                r"(?:it|\w+) is (?:given|taken|administered))|dosage forms?|forms? available)\b",
                re.I), ROUTE),
)
#: What a lead-in calls its items ("... procedures such as:") -> their type.
LIST_NOUNS: tuple[tuple[re.Pattern, EntityType], ...] = (
    (re.compile(r"\b(?:procedures?|operations?|surger(?:y|ies)|tests|examinations|scans)\b",
                re.I), P),
    (re.compile(r"\b(?:side[- ]effects?|symptoms|reactions|effects)\b", re.I), AE),
    (re.compile(r"\b(?:conditions|disorders|illnesses|diseases|infections)\b", re.I), C),
    (re.compile(r"\b(?:ways|routes|forms)\b", re.I), R),
)
