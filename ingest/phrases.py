"""Relations stated by a phrase's shape rather than by a verb.

- "ketamine for depression", "X therapy for people with Y": treats;
- "esketamine nasal spray", "IV (racemic) ketamine": administeredVia;
- "an NMDA receptor antagonist", "a mu-opioid receptor agonist":
  antagonistOf / activates; after "as a", only words right before "as"
  hedge it ("may act as ..."), since the role itself is presupposed;
- "an antidepressant effect", "used as an anaesthetic": the class noun names
  the use (`cues.ROLES`);
- "is highly addictive": the adjective names the effect
  (`cues.ADJECTIVE_EFFECTS`);
- "a process called synaptogenesis": the process is how the drug acts;
- "ketamine-induced cystitis": the drug causes it.
"""
from __future__ import annotations

import re
import weakref

from .cues import ADJECTIVE_EFFECTS, ADJECTIVE_WORDS, ROLE_WORDS, ROLES
from .folding import has_any
from .items import mint
from .lexicon import WordPatterns
from .model import EntityType, Mention, Modality
from .modality import assess
from .relations import Relation, SentenceContext, described_drug, instance_of, tail
from .vocab import Vocabulary, is_drug_class

__all__ = ["LEXICONS", "phrase_relations"]

D, C, AE, R = (EntityType.DRUG, EntityType.CONDITION, EntityType.ADVERSE_EFFECT,
               EntityType.ROUTE)
_FOR = re.compile(
    r"\s*(?:(?:therapy|treatment|infusions?|injections?|use|tablets?|pills?|sprays?|"
    r"medication|medicine)\s+)?for\s+(?:(?:patients|people|those|adults|children|"
    r"individuals)\s+(?:with|suffering\s+from|who\s+have)\s+)?(?:the\s+)?"
    r"(?:(?:severe|chronic|acute|mild|moderate|major|persistent|refractory)\s+)?$", re.I)
_ARE = re.compile(r"\bare\s+(?:[\w-]+\s+){0,2}$", re.I)
_AND = re.compile(r"\s*(?:,\s*)?(?:and|or|&)?\s*", re.I)
_ROUTE_AFTER = re.compile(r"[\s‐-]*(?:\d+(?:[.,]\d+)?\s*(?:mg|mcg|micrograms?|ml|%)"
                          r"(?:/\w+)?\s+)?$")
_ROUTE_BEFORE = re.compile(r"\s*(?:\([^()]{0,30}\)\s*)?(?:[\w-]+\s+)?(?:of\s+)?$")
_RECEPTOR_ROLE = re.compile(r"\s*(?:(?:partial|full|inverse|selective|potent|weak|strong|"
                            r"competitive|non-?competitive|allosteric)\s+)*"
                            r"(?P<word>(?P<anta>antagonists?|blockers?|inhibitors?)|"
                            r"agonists?|activators?|stimulants?)\b", re.I)
_AS_ROLE = re.compile(r"\bas\s+(?:an?\s+)?(?:[\w-]+\s+){0,2}$", re.I)
_WORDS_BEFORE_AS = re.compile(r"(?:\S+\s+){0,3}$")
_NAMING = WordPatterns([r"(?:process|mechanism|pathway|phenomenon|effect|action),?\s+"
                        r"(?:called|dubbed|known\s+as|termed|referred\s+to\s+as|named)"])
_NAMED = re.compile(r"\s+(?:the\s+)?")
#: The lexicons these rules need in the article's `Scan`.
LEXICONS = (ROLE_WORDS, ADJECTIVE_WORDS, _NAMING)
# Pharmacokinetic rows name a route only to qualify a figure ("Bioavailability
# | Oral: <5%", "Half-life 14 hours (IV)").
_KINETICS = re.compile(r"[|\s]*(?:bioavailability|(?:biological|elimination|plasma)\s+half|"
                       r"half-life|onset|duration|metabolism|excretion|protein\s+binding|"
                       r"pharmacokinetic)", re.I)
_QUALIFIER = re.compile(r"\s*[:)]")
_CLASS_SUFFIX = re.compile(r"\b(inhibitor|agonist|antagonist|blocker)s?$", re.I)
_MECHANISM_NOUN = {"inhibitor": "inhibition", "agonist": "agonism", "antagonist": "antagonism",
                   "blocker": "blockade"}
# What a drug is ("is an oral X inhibitor", "a potent X inhibitor").
_DESCRIBES = re.compile(r"\b(?:an?|the)\s+(?:[\w-]+\s+){0,3}$", re.I)
_OTHER = re.compile(r"\b(?:other|another)\s+(?:[\w-]+\s+)?$", re.I)
_OWN_CLASS = re.compile(r"\s+class\b", re.I)
# "affects brain areas that influence ...", "disrupts the cerebellum, brain
# areas that regulate ..."
_CHAIN = re.compile(
    r"\b(?P<verb>affect|affects|alter|alters|influence|influences|disrupt|disrupts|impair|"
    r"impairs|damage|damages|interferes?\s+with)\b[^.;]{0,120}?\b(?:brain\s+)?"
    r"(?:areas?|regions?|structures?|circuits?|systems?)\s+(?:that|which)\s+"
    r"(?:\w+\s+)?(?:influences?|regulates?|controls?|governs?|are\s+involved\s+in|"
    r"is\s+involved\s+in|underlies?|underlie)\s+(?P<list>)", re.I)
_IMPAIR_VERBS = ("disrupt", "impair", "damage", "interfere")
_IMPAIR = re.compile(r"\bimpair(?:s|ed|ing)?\b(?!\s+(?:by|with)\b)", re.I)
_FUNCTION_WORD = re.compile(r"[a-z]{4,}")
_IMPAIR_REACH = 8
_CHAIN_SPLIT = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")
_CHAIN_END = re.compile(r"[.;:(]|\s[–—]\s|,?\s+(?:which|that|but|and\s+other)\b")
_CHAIN_LEAD = re.compile(r"^(?:the|a|an|our|your|their|its|one's)\s+", re.I)
_QUALIFIER_WORD = re.compile(r"\b([a-z]+)\s+$")
# A role word -> the noun of the use it names, for its qualified forms.
_ROLE_NOUNS = {"anesthetic": "anesthesia", "anaesthetic": "anaesthesia", "sedative": "sedation",
               "analgesic": "analgesia"}
_INDUCED = re.compile(r"[\s‐-](?:induced|related)\s+", re.I)


def _add(out: list[Relation], relation: Relation | None) -> None:
    if relation is not None:
        out.append(relation)


def _relation(ctx: SentenceContext, subject: Mention, predicate: str, obj, rule: str,
              cue: tuple[int, int], hedge_window: tuple[int, int] | None = None,
              asserted: bool = False) -> Relation | None:
    """The relation, its modality assessed at `cue`; None when the subject is
    a class noun that describes no drug of the article (`instance_of`)."""
    described = instance_of(ctx, subject)
    if described is None:
        return None
    words: tuple[str, ...]
    if asserted:
        modality, words = Modality.ASSERTED, ()
    else:
        modality, words = assess(ctx.text, ctx.clause_at(cue[0]), cue, ctx.scan,
                                 hedge_window=hedge_window)
    return Relation(described.entity, predicate, obj, modality, rule,
                    (ctx.text[cue[0]:cue[1]],) + words)


def _treats_for(ctx: SentenceContext) -> list[Relation]:
    out: list[Relation] = []
    names = ctx.names
    for drug in (m for m in names if m.entity.type is D):
        for condition in (m for m in names if m.start >= drug.end and m.entity.type in (C, AE)):
            gap = ctx.text[drug.end:condition.start]
            # (No character but "f", "o", "r" in either case matches them
            # case-insensitively, so the test on the lower case is exact.)
            if "for" in gap.lower() and _FOR.match(gap):
                cue = drug.end + gap.lower().index("for")
                for subject in _coordinated_before(ctx, names, drug):
                    _add(out, _relation(ctx, subject, "treats", condition.entity, "treats.for",
                                        (cue, cue + 3)))
            break
    return out


def _coordinated_before(ctx: SentenceContext, names: list[Mention], drug: Mention
                        ) -> list[Mention]:
    """The drug and the drugs coordinated right before it ("Ketamine and
    esketamine for depression")."""
    group = [drug]
    for mention in reversed([m for m in names if m.end <= drug.start]):
        if mention.entity.type is not D \
                or not _AND.fullmatch(ctx.text, mention.end, group[-1].start):
            break
        group.append(mention)
    return group


def _route_compounds(ctx: SentenceContext) -> list[Relation]:
    out: list[Relation] = []
    names = ctx.names
    for i, mention in enumerate(names):
        if mention.entity.type is not R:
            continue
        before = instance_of(ctx, names[i - 1]) if i else None
        after = instance_of(ctx, names[i + 1]) if i + 1 < len(names) else None
        if before is not None and before.entity.type is D \
                and _ROUTE_AFTER.fullmatch(ctx.text, before.end, mention.start):
            _add(out, _relation(ctx, before, "administeredVia", mention.entity,
                                "administeredVia.compound", (mention.start, mention.end),
                                asserted=True))
        elif after is not None and after.entity.type is D \
                and _ROUTE_BEFORE.fullmatch(ctx.text, mention.end, after.start):
            _add(out, _relation(ctx, after, "administeredVia", mention.entity,
                                "administeredVia.compound", (mention.start, mention.end),
                                asserted=True))
    return out


def _route_mentions(ctx: SentenceContext) -> list[Relation]:
    """A route named anywhere in a sentence ("It is usually taken by mouth",
    "is also used intravenously") is how the sentence's drug is given: the
    nearest drug before it (a name or an anaphor), else the article's drug
    when the sentence names no other."""
    out: list[Relation] = []
    if _KINETICS.match(ctx.text, ctx.start, ctx.end):
        return out
    drugs = [m for m in ctx.mentions if m.entity.type is D]
    # The sentence's subject, when a drug opens it, is what the route is of
    # ("It is mixed with heroin and cocaine and made into pills").
    opening = drugs[0] if drugs and len(ctx.text[ctx.start:drugs[0].start].split()) <= 1 \
        else None
    for route in ctx.mentions:
        if route.entity.type is not R or _QUALIFIER.match(ctx.text, route.end, ctx.end):
            continue
        left = [m for m in drugs if m.end <= route.start]
        subject = opening if opening is not None and left else (
            instance_of(ctx, left[-1]) if left else None)
        if subject is None and not drugs and ctx.article.main_drug is not None:
            subject = Mention(ctx.article.main_drug, route.start, route.start)
        if subject is not None:
            _add(out, _relation(ctx, subject, "administeredVia", route.entity,
                                "administeredVia.mention", (route.start, route.end)))
    return out


def class_mechanism(entity, vocabulary: Vocabulary):
    """The mechanism a drug class is named for ("selective serotonin reuptake
    inhibitor" -> "... inhibition", "opioid agonist" -> "... agonism"), or
    the entity itself when it is a mechanism; None otherwise."""
    if entity.type is EntityType.MECHANISM:
        return entity
    if not is_drug_class(entity):
        return None
    known = _MECHANISM_OF.setdefault(vocabulary, {})
    if entity.label not in known:
        name = _CLASS_SUFFIX.sub(lambda m: _MECHANISM_NOUN[m.group(1).lower()], entity.label)
        found = vocabulary.find(name) if name != entity.label else None
        known[entity.label] = found if found is not None \
            and found.type is EntityType.MECHANISM else None
    return known[entity.label]


# vocabulary -> class label -> its mechanism (labels are few and fixed).
_MECHANISM_OF: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _class_mechanisms(ctx: SentenceContext, vocabulary: Vocabulary) -> list[Relation]:
    """"Xanol is a selective serotonin reuptake inhibitor", "an oral
    acetylcholinesterase inhibitor", "of the SNRI class": what the drug is,
    by class, is how it works."""
    out: list[Relation] = []
    for mention in ctx.mentions:
        mechanism = class_mechanism(mention.entity, vocabulary)
        if mechanism is None:
            out += _class_receptor(ctx, mention, vocabulary)
            continue
        if mention.entity.type is EntityType.MECHANISM:
            # Named by its agent noun only: "an oral acetylcholinesterase inhibitor".
            if not _CLASS_SUFFIX.search(ctx.text, mention.start, mention.end) \
                    or not _DESCRIBES.search(ctx.text, tail(ctx.text, ctx.start, mention.start),
                                             mention.start):
                continue
            subject = described_drug(ctx, mention)
        else:
            subject = instance_of(ctx, mention)
            if subject is mention:
                continue
        if subject is None:
            continue
        _add(out, _relation(ctx, subject, "hasMechanism", mechanism, "hasMechanism.class",
                            (mention.start, mention.end)))
    return out


def _class_receptor(ctx: SentenceContext, mention: Mention, vocabulary: Vocabulary
                    ) -> list[Relation]:
    """"X is a beta blocker", "an opioid antagonist": a class named for what
    it blocks or stimulates acts on that receptor."""
    match = _CLASS_SUFFIX.search(mention.entity.label) if is_drug_class(mention.entity) \
        else None
    if match is None or match.group(1).lower() == "inhibitor":
        return []
    target = vocabulary.find(f"{mention.entity.label[:match.start()].strip()} receptor")
    subject = instance_of(ctx, mention)
    if target is None or target.type is not EntityType.RECEPTOR or subject is None \
            or subject is mention:
        return []
    predicate = "activates" if match.group(1).lower() == "agonist" else "antagonistOf"
    out: list[Relation] = []
    _add(out, _relation(ctx, subject, predicate, target, f"{predicate}.class",
                        (mention.start, mention.end)))
    return out


def _area_chains(ctx: SentenceContext, vocabulary: Vocabulary) -> list[Relation]:
    """"X affects brain areas that influence memory, thinking and movement":
    X affects each function those areas govern; "X disrupts ... areas that
    regulate balance and posture": X impairs each."""
    out: list[Relation] = []
    if not has_any(ctx.folded, ctx.start, ctx.end, (" that ", " which ")) or (
            ctx.folded is None and " that " not in ctx.text[ctx.start:ctx.end].lower()
            and " which " not in ctx.text[ctx.start:ctx.end].lower()):
        return out  # no "areas that ..." here: skip the costly pattern
    for chain in _CHAIN.finditer(ctx.text, ctx.start, ctx.end):
        verb = chain.start("verb")
        subject = ctx.nearest(verb, {D, EntityType.CHEMICAL}, left_only=True)
        if subject is None:
            continue
        impairs = chain.group("verb").lower().startswith(_IMPAIR_VERBS)
        pos = chain.start("list")
        end = _CHAIN_END.search(ctx.text, pos, ctx.end)
        stop = end.start() if end else ctx.end
        for piece in _CHAIN_SPLIT.split(ctx.text[pos:stop]):
            name = _CHAIN_LEAD.sub("", piece.strip(" ,.")).strip()
            if not name or len(name.split()) > 3:
                break
            if impairs:
                target = vocabulary.find(f"impaired {name}") or mint(f"impaired {name}", AE,
                                                                     vocabulary)
                _add(out, _relation(ctx, subject, "hasAdverseEffect", target,
                                    "hasAdverseEffect.area-chain", (verb, chain.end("verb"))))
            else:
                target = vocabulary.find(name) or mint(name, EntityType.MECHANISM, vocabulary)
                _add(out, _relation(ctx, subject, "affects", target, "affects.area-chain",
                                    (verb, chain.end("verb"))))
    return out


def _impairs(ctx: SentenceContext, vocabulary: Vocabulary) -> list[Relation]:
    """"X impairs learning", "has been found to impair the acquisition of
    learning tasks": the impairment the vocabulary names for the function."""
    out: list[Relation] = []
    if not has_any(ctx.folded, ctx.start, ctx.end, ("impair",)) or (
            ctx.folded is None and "impair" not in ctx.text[ctx.start:ctx.end].lower()):
        return out
    for verb in _IMPAIR.finditer(ctx.text, ctx.start, ctx.end):
        words = _FUNCTION_WORD.findall(ctx.text, verb.end(), min(ctx.end, verb.end() + 80))
        target = next(filter(None, (vocabulary.find(f"impaired {w}") or
                                    vocabulary.find(f"{w} impairment")
                                    for w in words[:_IMPAIR_REACH])), None)
        subject = ctx.nearest(verb.start(), {D}, left_only=True)
        if subject is None and ctx.article.main_drug is not None and not any(
                m.entity.type is D for m in ctx.mentions):
            subject = Mention(ctx.article.main_drug, verb.start(), verb.start())
        if target is not None and subject is not None:
            _add(out, _relation(ctx, subject, "hasAdverseEffect", target,
                                "hasAdverseEffect.impairs", verb.span()))
    return out


def _receptor_roles(ctx: SentenceContext, vocabulary: Vocabulary) -> list[Relation]:
    """"an NMDA receptor antagonist", and "a dopamine agonist": an agonist
    or antagonist of a transmitter acts at its receptor."""
    out: list[Relation] = []
    for receptor in ctx.mentions:
        if receptor.entity.type not in (EntityType.RECEPTOR, EntityType.CHEMICAL) \
                and not is_drug_class(receptor.entity):
            continue
        role = _RECEPTOR_ROLE.match(ctx.text, receptor.end, ctx.end)
        if not role:
            continue
        if receptor.entity.type is EntityType.CHEMICAL or is_drug_class(receptor.entity):
            # "a dopamine agonist", "a full opioid agonist": at its receptor.
            target = vocabulary.find(f"{receptor.entity.label} receptor")
            if target is None or target.type is not EntityType.RECEPTOR:
                continue
            receptor = Mention(target, receptor.start, receptor.end)
        classes = [m for m in ctx.mentions if is_drug_class(m.entity)]
        subject = ctx.nearest(receptor.start, {D}, exclude=classes) \
            or ctx.nearest(receptor.start, {EntityType.CHEMICAL})
        if subject is None and classes and ctx.article.main_drug is not None:
            subject = described_drug(ctx, receptor)
        if subject is None:
            continue
        predicate = "antagonistOf" if role.group("anta") else "activates"
        cue = (role.start("word"), role.end("word"))
        window = None
        as_role = _AS_ROLE.search(ctx.text, tail(ctx.text, ctx.start, receptor.start),
                                  receptor.start)
        if as_role:
            before = _WORDS_BEFORE_AS.search(ctx.text, tail(ctx.text, ctx.start, as_role.start()),
                                             as_role.start())
            window = (before.start() if before else as_role.start(), cue[1])
        _add(out, _relation(ctx, subject, predicate, receptor.entity,
                            f"{predicate}.compound", cue, hedge_window=window))
    return out


def _roles(ctx: SentenceContext, vocabulary: Vocabulary) -> list[Relation]:
    out: list[Relation] = []
    for match in ctx.scan.between(ROLE_WORDS, ctx.start, ctx.end):
        # Inside a longer name the word is part of that name; as a whole name
        # of a drug class ("a type of antidepressant") it still names a use.
        inside = [m for m in ctx.mentions if m.start <= match.start() < m.end]
        if any(m.entity.type is not D or m.end - m.start > match.end() - match.start() + 1
               for m in inside):
            continue
        word = (match.group("role") or match.group("role2")).lower()
        if match.group(0).lower() != word and not _ARE.search(
                ctx.text, tail(ctx.text, ctx.start, match.start()), match.start()):
            continue  # "unlike other antidepressants": the class, not this drug
        if _OTHER.search(ctx.text, tail(ctx.text, ctx.start, match.start()), match.start()) \
                or _OWN_CLASS.match(ctx.text, match.end()):
            continue  # "with other anticonvulsant drugs", "an anticonvulsant class of its own"
        predicate, names = ROLES[word]
        # The most specific use: "a dissociative anaesthetic" is used in
        # dissociative anaesthesia before anaesthesia in general.
        qualifier = _QUALIFIER_WORD.search(ctx.text, tail(ctx.text, ctx.start, match.start()),
                                           match.start())
        noun = _ROLE_NOUNS.get(word.rstrip("s"))
        specific = [f"{qualifier.group(1)} {noun}"] if qualifier and noun else []
        target = next(filter(None, (vocabulary.find(n) for n in (*specific, *names))), None)
        subject = ctx.nearest(match.start(), {D}, exclude=inside)
        if target is None or subject is None:
            continue
        _add(out, _relation(ctx, subject, predicate, target, f"{predicate}.drug-class",
                            (match.start(), match.end())))
    return out


def _adjectives(ctx: SentenceContext, vocabulary: Vocabulary) -> list[Relation]:
    out: list[Relation] = []
    for match in ctx.scan.between(ADJECTIVE_WORDS, ctx.start, ctx.end):
        names = ADJECTIVE_EFFECTS[match.group("adj").lower()]
        target = next(filter(None, (vocabulary.find(n) for n in names)), None) \
            or mint(names[0], AE, vocabulary)
        subject = ctx.nearest(match.start(), {D}, left_only=True)
        if subject is not None:
            _add(out, _relation(ctx, subject, "hasAdverseEffect", target,
                                "hasAdverseEffect.adjective",
                                (match.start("adj"), match.end("adj"))))
    return out


def _naming(ctx: SentenceContext) -> list[Relation]:
    out: list[Relation] = []
    for match in ctx.scan.between(_NAMING, ctx.start, ctx.end):
        gap = _NAMED.match(ctx.text, match.end())
        named = gap and next((m for m in ctx.mentions if m.start == gap.end()
                              and m.entity.type is EntityType.MECHANISM), None)
        if named is None:
            continue
        subject = ctx.nearest(match.start(), {D})
        if subject is None and ctx.article.main_drug is not None:
            subject = Mention(ctx.article.main_drug, match.start(), match.start())
        if subject is not None:
            _add(out, _relation(ctx, subject, "hasMechanism", named.entity,
                                "hasMechanism.naming", (match.start(), match.end())))
    return out


def _induced(ctx: SentenceContext) -> list[Relation]:
    out: list[Relation] = []
    for drug in ctx.mentions:
        if drug.entity.type is not D or ctx.article.is_anaphor(drug):
            continue
        match = _INDUCED.match(ctx.text, drug.end, ctx.end)
        effect = match and next((m for m in ctx.mentions if m.start == match.end()
                                 and m.entity.type in (AE, C)), None)
        if match and effect:
            _add(out, _relation(ctx, drug, "hasAdverseEffect", effect.entity,
                                "hasAdverseEffect.induced", (match.start(), match.end())))
    return out


def phrase_relations(ctx: SentenceContext, vocabulary: Vocabulary) -> list[Relation]:
    """Relations stated by the shape of phrases in the sentence, in rule
    order; rules that need a kind of mention the sentence lacks are skipped.

    Args:
        ctx: the sentence.
        vocabulary: where drug-class and adjective targets are looked up.

    Returns:
        The relations.
    """
    types = {m.entity.type for m in ctx.mentions}
    out: list[Relation] = []
    if D in types:  # each of these relates a drug named in the sentence
        out += _treats_for(ctx) + _route_compounds(ctx) + _induced(ctx)
    if R in types:
        out += _route_mentions(ctx)
    if types & {EntityType.RECEPTOR, EntityType.CHEMICAL, D}:
        out += _receptor_roles(ctx, vocabulary)
    return out + _roles(ctx, vocabulary) + _adjectives(ctx, vocabulary) + _naming(ctx) \
        + _class_mechanisms(ctx, vocabulary) + _area_chains(ctx, vocabulary) \
        + _impairs(ctx, vocabulary)
