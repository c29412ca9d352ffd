"""A seeded generator of realistic health articles for benchmarks.

Articles use the vocabulary's entities in varied sentence templates: each
predicate in several phrasings, hedges, study reports, negations, bullet
lists of side effects under a lead-in, headings.  Entity choice is skewed
(a few hub drugs appear in many articles) as in real collections.  The same
seed always gives the same corpus.

    python -m benchmarks.generator 1000 /tmp/corpus     # writes 1000 .txt files
"""
from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Iterator

from rdflib import RDF, RDFS, Graph

import ontology

HKG = "https://w3id.org/health-kg/ontology#"
TYPES = ("Drug", "Chemical", "Receptor", "Mechanism", "Condition", "AdverseEffect",
         "Procedure", "Route")

TEMPLATES = {
    ("Drug", "Condition"): [
        "{s} is used to treat {o}.", "{s} may help people with {o}.",
        "{s} is being studied for {o} in several trials.", "Doctors prescribe {s} for {o}.",
        "{s} does not treat {o}.", "Some evidence suggests {s} could relieve {o}.",
        "{s} is approved for the treatment of {o}."],
    ("Drug", "AdverseEffect"): [
        "{s} can cause {o}.", "{s} may cause {o} in some patients.",
        "{s} does not cause {o}.", "A common side effect of {s} is {o}.",
        "People taking {s} sometimes report {o}."],
    ("Drug", "Receptor"): [
        "{s} blocks the {o}.", "{s} is an antagonist of the {o}.",
        "{s} appears to act on the {o}.", "{s} activates the {o}."],
    ("Drug", "Mechanism"): [
        "{s} works through {o}.", "The effect of {s} is believed to involve {o}.",
        "{s} increases {o}.", "{s} may reduce {o}."],
    ("Drug", "Chemical"): [
        "{s} increases the release of {o}.", "{s} appears to boost {o} levels.",
        "{s} lowers {o} in the brain.", "{s} does not change {o} levels."],
    ("Drug", "Procedure"): [
        "{s} is used during {o}.", "{s} is commonly given for {o}.",
        "Hospitals use {s} in {o}."],
    ("Drug", "Route"): [
        "{s} is given {o}.", "{s} can be administered by the {o} route.",
        "{s} is also available as an {o} formulation."],
}
FILLER = [
    "Talk to your doctor before starting or stopping any medicine.",
    "The dose depends on age, weight and other medicines you take.",
    "Researchers continue to publish new findings every year.",
    "Patients should report any unusual symptoms to their care team.",
    "This section summarises what is known from published studies.",
    "Most people tolerate the treatment well when it is supervised.",
    "Follow-up visits help the care team adjust the plan over time.",
    "Guidelines differ between countries and change as evidence grows.",
]


def load_entities() -> dict[str, list[str]]:
    """Vocabulary labels by entity type."""
    graph = Graph().parse(ontology.VOCABULARY, format="turtle", publicID="http://localhost/")
    by_type: dict[str, list[str]] = {t: [] for t in TYPES}
    for entity, _, cls in graph.triples((None, RDF.type, None)):
        name = str(cls)[len(HKG):] if str(cls).startswith(HKG) else ""
        if name in by_type:
            label = graph.value(entity, RDFS.label)
            if label:
                by_type[name].append(str(label))
    return {t: sorted(v) for t, v in by_type.items()}


class Generator:
    def __init__(self, seed: int = 20261127, entities: dict[str, list[str]] | None = None):
        self.rng = random.Random(seed)
        self.entities = entities or load_entities()
        self.drugs = self.entities["Drug"]
        # Zipf-like weights: the first drugs are hubs.
        self.drug_weights = [1.0 / (i + 1) ** 0.9 for i in range(len(self.drugs))]

    def _pick(self, kind: str) -> str:
        return self.rng.choice(self.entities[kind])

    def _sentence(self, drug: str) -> str:
        pair = self.rng.choice(list(TEMPLATES))
        template = self.rng.choice(TEMPLATES[pair])
        obj = self._pick(pair[1])
        text = template.format(s=drug, o=obj)
        return text[0].upper() + text[1:]

    def article(self, index: int, words: int = 600) -> tuple[str, str]:
        """(file name, text) of article number `index`."""
        drug = self.rng.choices(self.drugs, self.drug_weights)[0]
        title = f"{drug[0].upper()}{drug[1:]}: uses, effects and research ({index})"
        lines = [title, "", "Sample article generated for benchmarks. Not medical advice.", ""]
        count = 0
        section = 0
        while count < words:
            section += 1
            lines += [f"{self.rng.choice(['How', 'Why', 'When', 'What'])} "
                      f"{drug} {self.rng.choice(['works', 'helps', 'is used', 'is studied'])}", ""]
            paragraph = []
            for _ in range(self.rng.randint(3, 6)):
                sentence = self._sentence(drug) if self.rng.random() < 0.6 \
                    else self.rng.choice(FILLER)
                paragraph.append(sentence)
            lines += [" ".join(paragraph), ""]
            if section % 2 == 1:
                lead = self.rng.choice(["Common side effects include:",
                                        f"{drug[0].upper()}{drug[1:]} may result in the following:",
                                        "Possible adverse effects include the following:"])
                items = self.rng.sample(self.entities["AdverseEffect"],
                                        k=min(self.rng.randint(3, 7),
                                              len(self.entities["AdverseEffect"])))
                lines += [lead, ""] + [f"  • {item[0].upper()}{item[1:]}" for item in items] + [""]
            count = sum(len(line.split()) for line in lines)
        return f"generated-{index:06d}.txt", "\n".join(lines)

    def articles(self, n: int) -> Iterator[tuple[str, str]]:
        for i in range(n):
            yield self.article(i)


def write_corpus(n: int, folder: Path, seed: int = 20261127) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in Generator(seed).articles(n):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    write_corpus(int(sys.argv[1]), Path(sys.argv[2]))
