"""Segmentation: structure read from plain-text lines, and sentences with
exact offsets that abbreviations do not split."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest import Block, BlockKind, Document
from ingest.segment import (_ABBREVIATION, _BOUNDARY, _may_close_abbreviation, segment,
                            split_sentences)


def _structure(text: str) -> list[tuple[str, bool, str]]:
    seg = segment(Document("d", "d", text, "txt"))
    return [(seg.kind(s).value, s.term, text[s.start:s.end]) for s in seg.sentences]


@pytest.mark.parametrize("bullet", ["•", "-", "*", "–", "1.", "2)", "a)", "▪"])
def test_bullets_are_list_items_without_the_marker(bullet):
    """Every common bullet style makes a list item whose text excludes it."""
    text = f"Side effects include:\n\n  {bullet} nausea\n  {bullet} dry mouth\n"
    assert _structure(text)[1:] == [("list_item", False, "nausea"),
                                    ("list_item", False, "dry mouth")]


@pytest.mark.parametrize("line", ["How Aspirin Works", "What is metformin used for?",
                                  "Benefits of therapy for anxiety"])
def test_short_lines_without_a_period_are_headings(line):
    """Title-case, question and short sentence-case lines are headings."""
    assert _structure(f"Title\n\nSome text here.\n\n{line}\n\nMore text.")[2][0] == "heading"


@pytest.mark.parametrize("line", ["Aspirin relieves pain.", "it is cheap and it works",
                                  "Oral, intravenous, intramuscular"])
def test_sentences_and_lists_of_names_are_not_headings(line):
    """A line ending in a period, starting lower-case, or listing names with
    commas stays a paragraph."""
    assert _structure(f"Title\n\n{line}\n\nMore text.")[1][0] == "paragraph"


def test_first_line_is_the_title():
    """The first line is the title, even with a "!" in it."""
    assert _structure("Aspirin – Read This Now ! Full Guide\n\nText.")[0] == (
        "title", False, "Aspirin – Read This Now ! Full Guide")


def test_definition_item_is_name_and_description():
    """A short "Name:" line followed by its description is one definition
    item; its name line is the term."""
    text = "Uses\n\nPanic Attacks:\n\nsudden fear with a racing heart\n\nNext heading"
    seg = segment(Document("d", "d", text, "txt"))
    item = [b for b in seg.blocks if b.kind is BlockKind.LIST_ITEM]
    assert [text[b.start:b.end] for b in item] == [
        "Panic Attacks:\n\nsudden fear with a racing heart"]
    assert _structure(text)[1:3] == [("list_item", True, "Panic Attacks:"),
                                     ("list_item", False, "sudden fear with a racing heart")]


@pytest.mark.parametrize("line", ["Side effects include:", "Side effects:",
                                  "It is used to treat these conditions:"])
def test_lead_ins_are_not_definition_terms(line):
    """Lines that announce a list or name a section are not terms."""
    assert not any(term for _, term, _ in _structure(f"T\n\n{line}\n\nnausea and headache"))


def test_numbered_line_alone_is_a_heading_but_a_numbered_run_is_a_list():
    """'4. Possible side effects' between paragraphs is a section heading;
    consecutive numbered lines are a list."""
    text = ("Leaflet\n\n1. What it is\n2. Side effects\n\n"
            "4. Possible side effects\nLike all medicines it has side effects.\n")
    kinds = [(kind, t) for kind, _, t in _structure(text)]
    assert kinds[1:4] == [("list_item", "What it is"), ("list_item", "Side effects"),
                          ("heading", "Possible side effects")]


def test_wrapped_lines_are_joined_into_one_paragraph():
    """A paragraph hard-wrapped at a fixed width is one block."""
    text = ("Title\n\nAspirin is a medicine that many people take every day for pain\n"
            "and it can cause stomach ulcers in some people.")
    assert [k for k, _, _ in _structure(text)] == ["title", "paragraph"]


def test_given_blocks_are_used():
    """Markdown and HTML blocks from the reader are kept, offsets and all."""
    text = "Aspirin\n\nIt relieves pain. It thins blood."
    doc = Document("d", "d", text, "md", blocks=(Block(BlockKind.HEADING, 0, 7, 1),
                                                 Block(BlockKind.PARAGRAPH, 9, len(text))))
    seg = segment(doc)
    assert [text[s.start:s.end] for s in seg.sentences] == [
        "Aspirin", "It relieves pain.", "It thins blood."]


@pytest.mark.parametrize("text, expected", [
    ("Dr. Smith prescribed it. It helped.", ["Dr. Smith prescribed it.", "It helped."]),
    ("Drugs, e.g. aspirin, help. Others do not.", ["Drugs, e.g. aspirin, help.",
                                                   "Others do not."]),
    ("Take 2.5 mg daily. Stop after a week.", ["Take 2.5 mg daily.", "Stop after a week."]),
    ("See J. Smith et al. for details.", ["See J. Smith et al. for details."]),
    ("Is it safe? Yes! Mostly.", ["Is it safe?", "Yes!", "Mostly."]),
    ("It works (see below). Then stop.", ["It works (see below).", "Then stop."]),
    ("It eases cramps.[3][12] Rashes are rare.[a] Take it daily.",
     ["It eases cramps.[3][12]", "Rashes are rare.[a]", "Take it daily."]),
])
def test_sentence_splitting(text, expected):
    """Sentences end at . ! ? before a capital, not after abbreviations,
    initials or decimals."""
    assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_run_on_sentences_are_cut():
    """A 'sentence' of thousands of characters is cut into bounded pieces."""
    text = "nausea, " * 1000
    spans = split_sentences(text)
    assert len(spans) > 5 and all(e - s <= 1000 for s, e in spans)
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)


# _BOUNDARY as first written; the module's version opens with the stop so the
# regex engine can skip to it.
_PLAIN_BOUNDARY = re.compile(r"(?:[.!?…]+[\"'”’)\]]*(?:\[(?:\d{1,3}|[a-z]|note \d+)\])*"
                             r"|(?<=[a-z])[.!?]\d{1,2})\s+(?=[\"'“‘(\[]?[A-Z0-9•])")


@given(st.text("a.!?…\"')][1 A•n3ote\n", max_size=16), st.integers(0, 16), st.integers(0, 16))
def test_sentence_boundaries_match_the_plain_pattern(text, a, b):
    """The faster boundary pattern finds exactly what the plain one does,
    over any part of a text."""
    start, end = min(a, b, len(text)), min(max(a, b), len(text))
    assert [m.span() for m in _BOUNDARY.finditer(text, start, end)] == \
        [m.span() for m in _PLAIN_BOUNDARY.finditer(text, start, end)]


@given(st.text("eg.iDrNoal5 (ſ\u212a", max_size=10))
def test_abbreviation_pre_check_never_rules_out_a_match(text):
    """Where the abbreviation pattern matches before a period, the cheap
    check lets it run."""
    head = text + "."
    if _ABBREVIATION.search(head):
        assert _may_close_abbreviation(head)
