"""Structure and sentences with exact character offsets.

Markdown and HTML readers hand over blocks; plain text (.txt, .json) arrives
as bare lines, so structure is read from them here: bullets ("•", "-", "*",
"1.") are list items, a short line without a final period is a heading, and
a short "Name:" line followed by a line of description is one definition
item, like a <dl> entry.  Sentences are then split inside each block and
never cross one.  Every span satisfies `text[start:end]` == the stripped
content it names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .folding import fold
from .model import Block, BlockKind, Document

__all__ = ["Segmentation", "Sentence", "line_blocks", "segment", "split_sentences"]

_BULLET = re.compile(r"[ \t]*(?:[•◦▪▫●○■□‣⁃∙·–—*+>✓✔➢➤-]|\(?(?:\d{1,3}|[a-zA-Z])[.)])[ \t]+(?=\S)")
_INLINE_TERM = re.compile(r"(?P<term>[^\W\d_][^.:;!?\n]{1,60}:)[ \t]+(?=\S)")
_NUMBER = re.compile(r"[ \t]*\(?(\d{1,3})[.)][ \t]+")
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$")
_WORDS = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# A lead-in or a sentence, not a name: these words do not occur in terms.
_CLAUSE_WORD = re.compile(
    r"\b(?:is|are|was|were|be|been|can|could|may|might|will|would|should|must|do|does|"
    r"include|includes|including|following|these|this|such|like|you|your|we|it|they|"
    r"has|have|had)\b", re.I)
# A "Side effects:" line announces what follows instead of naming a thing.
_FRAME_TERM = re.compile(
    r"\b(?:side[- ]effects?|adverse (?:effects?|reactions?)|risks?|complications?|"
    r"uses?|indications?|dosage|doses?|warnings?|interactions?|benefits?|"
    r"how (?:to|it)|what (?:is|are)|notes?|tips?|important|remember|caution|summary|"
    r"answer|question|q|a|sources?|references?|updated?|reviewed|published|by|author|"
    r"contents?|key (?:points|facts))\b", re.I)
# Reference markers may follow the stop: "... thirst.[2] Serious ...", "pain.1 It".
# Written to open with the stop itself (the second branch checks the letter
# before it by looking back over it), so the regex engine skips ahead to the
# next stop instead of trying both branches at every character: 6x faster,
# the same matches.
_BOUNDARY = re.compile(r"[.!?…](?:[.!?…]*[\"'”’)\]]*(?:\[(?:\d{1,3}|[a-z]|note \d+)\])*"
                       r"|(?<=[a-z][.!?])\d{1,2})\s+(?=[\"'“‘(\[]?[A-Z0-9•])")
_ABBREVIATIONS = tuple("""e.g i.e etc vs cf approx incl esp viz al fig figs no nos vol ch
    dr drs mr mrs ms prof st sr jr inc ltd co corp dept univ gen gov jan feb mar apr
    jun jul aug sep sept oct nov dec u.s u.k a.m p.m ph.d m.d b.i.d t.i.d""".split())
_ABBREVIATION = re.compile(r"(?:\b(?:" + "|".join(map(re.escape, _ABBREVIATIONS))
                           + r")|\b[A-Z]|\d)\.$", re.I)
_MAX_HEADING_WORDS = 12
_MAX_TERM_WORDS = 8
#: Longer sentences are cut (see `_cut`).
_MAX_SENTENCE = 1000


@dataclass(frozen=True)
class Sentence:
    """A sentence (or a list item's line) inside one block.

    Args:
        start: offset of its first character.
        end: offset one past its last character.
        block: index of its block in `Segmentation.blocks`.
        term: True for the name line of a definition item.
    """

    start: int
    end: int
    block: int
    term: bool = False


@dataclass(frozen=True)
class Segmentation:
    """A document's blocks and the sentences inside them, in text order."""

    text: str
    blocks: tuple[Block, ...]
    sentences: tuple[Sentence, ...]

    def kind(self, sentence: Sentence) -> BlockKind:
        """The kind of block a sentence belongs to."""
        return self.blocks[sentence.block].kind


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def line_blocks(text: str) -> tuple[Block, ...]:
    """Blocks read from the lines of plain text.

    Bullet lines become list items (without their bullet), lines of a
    paragraph wrapped at a fixed width are joined, and the first line is the
    title when it looks like one.  Headings and definition items are found
    later by `segment`, for every format alike.

    >>> [(b.kind.value, b.start, b.end) for b in line_blocks("Title\\n\\n• one\\n• two")]
    [('title', 0, 5), ('list_item', 9, 12), ('list_item', 15, 18)]
    """
    blocks: list[Block] = []
    open_block: list | None = None  # [kind, start, end, level]
    pos = 0
    for line in text.split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        start, end = _strip(text, line_start, line_start + len(line))
        if start == end:
            if open_block:
                blocks.append(Block(*open_block))
            open_block = None
            continue
        bullet = _BULLET.match(text, line_start, end)
        if bullet:
            if open_block:
                blocks.append(Block(*open_block))
            indent = len(line) - len(line.lstrip(" \t"))
            open_block = [BlockKind.LIST_ITEM, bullet.end(), end, 1 + indent // 4]
            continue
        if open_block and _continues(text, open_block, start, line_start):
            open_block[2] = end
            continue
        if open_block:
            blocks.append(Block(*open_block))
        open_block = [BlockKind.PARAGRAPH, start, end, 0]
    if open_block:
        blocks.append(Block(*open_block))
    if blocks and blocks[0].kind is BlockKind.PARAGRAPH and _title_like(text, blocks[0]):
        blocks[0] = Block(BlockKind.TITLE, blocks[0].start, blocks[0].end, 1)
    return tuple(blocks)


def _continues(text: str, block: list, start: int, line_start: int) -> bool:
    """Whether a line continues the open block (text wrapped at a width, or
    an indented continuation of a list item) instead of starting a new one."""
    previous = text[block[1]:block[2]]
    if block[0] is BlockKind.LIST_ITEM:
        return start > line_start and not _TERMINAL.search(previous)
    return (len(previous.rsplit("\n", 1)[-1]) >= 50 and not _TERMINAL.search(previous)
            and not previous.endswith(":") and text[start].islower())


def _heading_like(text: str, block: Block) -> bool:
    content = text[block.start:block.end]
    if "\n" in content or content.endswith((":", ";", ",")) or not content[:1].isupper() \
            and not content[:1].isdigit():
        return False
    # Two commas make a list of names ("Oral, intravenous, rectal"), not a title.
    if content.endswith(".") or _BOUNDARY.search(content) or content.count(",") >= 2:
        return False
    return len(_WORDS.findall(content)) <= _MAX_HEADING_WORDS and len(content) <= 120


def _number(text: str, block: Block) -> int | None:
    """The number a numbered list item starts with, if it is one."""
    if block.kind is not BlockKind.LIST_ITEM:
        return None
    match = _NUMBER.fullmatch(text, text.rfind("\n", 0, block.start) + 1, block.start)
    return int(match.group(1)) if match else None


def _numbered_heading(text: str, blocks: tuple[Block, ...], i: int) -> bool:
    """A numbered line that does not continue a numbered run ("4. Possible
    side effects" between paragraphs) is a section heading, not a list."""
    number = _number(text, blocks[i])
    if number is None:
        return False
    before = _number(text, blocks[i - 1]) if i else None
    after = _number(text, blocks[i + 1]) if i + 1 < len(blocks) else None
    return (before != number - 1 and after != number + 1
            and _heading_like(text, Block(BlockKind.PARAGRAPH, blocks[i].start, blocks[i].end)))


def _title_like(text: str, block: Block) -> bool:
    """A first line that names the article: titles may hold a "!" or "?"
    and run longer than headings, but never end like a sentence."""
    content = text[block.start:block.end]
    return ("\n" not in content and not content.endswith((".", ":", ";", ","))
            and len(_WORDS.findall(content)) <= 2 * _MAX_HEADING_WORDS)


def _term_like(text: str, block: Block) -> bool:
    content = text[block.start:block.end]
    if not content.endswith(":") or "\n" in content or _BOUNDARY.search(content):
        return False
    words = _WORDS.findall(content)
    return (0 < len(words) <= _MAX_TERM_WORDS and not _CLAUSE_WORD.search(content)
            and not _FRAME_TERM.search(content))


def _restructure(text: str, blocks: tuple[Block, ...]) -> tuple[list[Block], set[int]]:
    """Find headings among short paragraphs and pair "Name:" lines with
    their description into definition items.

    Returns:
        The blocks and the indices of those that are definition items.
    """
    out: list[Block] = []
    definitions: set[int] = set()
    i = 0
    while i < len(blocks):
        block = blocks[i]
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        if (block.kind is BlockKind.PARAGRAPH and after is not None
                and after.kind is BlockKind.PARAGRAPH and _term_like(text, block)
                and not text[after.start:after.end].endswith(":")):
            definitions.add(len(out))
            out.append(Block(BlockKind.LIST_ITEM, block.start, after.end, 1))
            i += 2
            continue
        inline = _INLINE_TERM.match(text, block.start, block.end)
        if block.kind is BlockKind.PARAGRAPH and inline and _term_like(
                text, Block(block.kind, block.start, inline.end("term"))):
            # "Nausea: take it with food." is a definition item on one line.
            definitions.add(len(out))
            out.append(Block(BlockKind.LIST_ITEM, block.start, block.end, 1))
            i += 1
            continue
        if (block.kind is BlockKind.PARAGRAPH and _heading_like(text, block)) or \
                _numbered_heading(text, blocks, i):
            block = Block(BlockKind.HEADING, block.start, block.end, 2)
        out.append(block)
        i += 1
    return out, definitions


def _may_close_abbreviation(head: str) -> bool:
    """False where `_ABBREVIATION` cannot match `head` (which ends with the
    period): the letters before it are neither a digit, nor a single letter,
    nor the end of an abbreviation.  Cheaper than the pattern, which most
    periods fail."""
    before = head[:-1]
    if not before or before[-1].isdecimal():
        return bool(before)
    if len(before) == 1 or not (before[-2].isalnum() or before[-2] == "_"):
        return True  # a single letter ("J. Smith")
    folded = fold(before)
    return folded is None or folded.endswith(_ABBREVIATIONS)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside `text[start:end]`, stripped of whitespace.

    A period ends a sentence when an upper-case word follows it and it does
    not close an abbreviation ("e.g.", "Dr.") or an initial.

    >>> text = "Dr. Lee uses it, e.g. for pain. It works! Fine"
    >>> [text[s:e] for s, e in split_sentences(text)]
    ['Dr. Lee uses it, e.g. for pain.', 'It works!', 'Fine']
    """
    end = len(text) if end is None else end
    spans = []
    begin = start
    for match in _BOUNDARY.finditer(text, start, end):
        stop = match.end()
        head = text[max(begin, match.start() - 12):match.start() + 1]
        if text[match.start()] == "." and _may_close_abbreviation(head) \
                and _ABBREVIATION.search(head):
            continue
        span = _strip(text, begin, stop)
        if span[0] < span[1]:
            spans.append(span)
        begin = stop
    span = _strip(text, begin, end)
    if span[0] < span[1]:
        spans.append(span)
    if any(e - s > _MAX_SENTENCE for s, e in spans):
        spans = [piece for s, e in spans for piece in _cut(text, s, e)]
    return spans


def _cut(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A run-on "sentence" (pasted tables, text without stops) cut into
    pieces of at most `_MAX_SENTENCE` characters, at a comma or space where
    there is one, so later stages do bounded work per sentence."""
    pieces = []
    while end - start > _MAX_SENTENCE:
        limit = start + _MAX_SENTENCE
        stop = max(text.rfind(", ", start, limit) + 1, text.rfind("; ", start, limit) + 1)
        if stop <= start:
            stop = text.rfind(" ", start, limit)
        if stop <= start:
            stop = limit
        piece = _strip(text, start, stop)
        if piece[0] < piece[1]:
            pieces.append(piece)
        start = stop
    piece = _strip(text, start, end)
    if piece[0] < piece[1]:
        pieces.append(piece)
    return pieces


def segment(document: Document) -> Segmentation:
    """Blocks and sentences of a document.

    Args:
        document: an article; its `blocks` are used when present, otherwise
            they are read from its lines.

    Returns:
        The segmentation, with every span inside `document.text`.

    >>> doc = Document("d", "t", "Uses\\n\\nPanic attacks:\\nsudden fear. It passes.", "txt")
    >>> s = segment(doc)
    >>> [(s.kind(x).value, x.term, doc.text[x.start:x.end]) for x in s.sentences]
    [('title', False, 'Uses'), ('list_item', True, 'Panic attacks:'), \
('list_item', False, 'sudden fear.'), ('list_item', False, 'It passes.')]
    """
    text = document.text
    given = document.blocks or line_blocks(text)
    blocks, definitions = _restructure(text, tuple(
        Block(b.kind, *_strip(text, b.start, b.end), b.level) for b in given
        if 0 <= b.start < b.end <= len(text)))
    sentences: list[Sentence] = []
    for index, block in enumerate(blocks):
        if index in definitions:
            newline = text.find("\n", block.start, block.end)
            if newline < 0:  # "Term: description" on one line
                newline = text.index(":", block.start, block.end) + 1
            term_end = _strip(text, block.start, newline)[1]
            sentences.append(Sentence(block.start, term_end, index, term=True))
            spans = split_sentences(text, newline, block.end)
        elif block.kind in (BlockKind.TITLE, BlockKind.HEADING):
            spans = [(block.start, block.end)]
        else:
            spans = split_sentences(text, block.start, block.end)
        sentences.extend(Sentence(s, e, index) for s, e in spans)
    return Segmentation(text, tuple(blocks), tuple(sentences))
