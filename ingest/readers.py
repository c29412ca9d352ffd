"""Article files -> Documents with exact text and block offsets.

One reader per suffix, looked up in `READERS`.  Every reader returns text
that is NFC-normalised, uses ``\\n`` line ends and holds no control
characters other than newline and tab; block offsets point into that text.
Readers refuse what cannot be an article with an `ArticleError` naming the
file and the reason, before any extraction or storage happens.
"""
from __future__ import annotations

import codecs
import json
import re
import unicodedata
from pathlib import Path
from typing import Any, Callable

from .errors import ArticleError
from .model import Block, BlockKind, Document

__all__ = ["MAX_BYTES", "READERS", "article_id", "clean_text", "read_article",
           "read_html", "read_json", "read_markdown", "read_text"]

#: Files larger than this are refused before they are read.
MAX_BYTES = 5 * 1024 * 1024

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
_ID_CLEAN = re.compile(r"[^a-z0-9._-]+")
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff",
                 b"\x7fELF", b"\xd0\xcf\x11\xe0", b"\x1f\x8b")


def clean_text(text: str) -> str:
    """Normalise text as every reader stores it.

    >>> clean_text("caf\\u0065\\u0301\\r\\nok\\x00")
    'café\\nok'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub("", text)


def article_id(name: str) -> str:
    """A stable, URL-safe article id from a file stem or a JSON id.

    >>> article_id("Ketamine for Anxiety (2024)")
    'ketamine-for-anxiety-2024'
    """
    slug = _ID_CLEAN.sub("-", unicodedata.normalize("NFKC", name).lower()).strip("-._")
    return slug[:120]


def _decode(path: Path, data: bytes) -> str:
    """Bytes -> str: UTF-8, with or without a BOM.

    UTF-16 and UTF-32 files (recognised by their BOM) are refused with a
    hint to save them as UTF-8: articles are UTF-8 throughout the service.
    """
    if not data.strip():
        raise ArticleError(path, "file is empty")
    for bom, codec in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                       (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if data.startswith(bom):
            raise ArticleError(path, f"{codec} text; save the file as UTF-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if data.startswith(_BINARY_MAGIC) or data.count(b"\x00") > len(data) // 100:
        raise ArticleError(path, "binary file, not a text article")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ArticleError(path, f"not valid UTF-8 text (byte {err.start})") from None


def _load(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError as err:
        raise ArticleError(path, f"cannot read: {err.strerror}") from None
    if size > MAX_BYTES:
        raise ArticleError(path, f"file is {size / 1048576:.1f} MB, over the "
                                 f"{MAX_BYTES // 1048576} MB limit")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ArticleError(path, f"cannot read: {err.strerror}") from None
    return _decode(path, data)


def _require_words(path: Path, text: str) -> None:
    if not re.search(r"\w{2,}", text):
        raise ArticleError(path, "no readable text")
    letters = sum(ch.isalpha() for ch in text)
    if letters < len(text) * 0.3:
        raise ArticleError(path, "does not look like prose (too few letters)")


class _Builder:
    """Accumulates text and blocks, keeping offsets exact."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.blocks: list[Block] = []

    def add(self, kind: BlockKind, text: str, level: int = 0) -> None:
        text = re.sub(r"[ \t\n]+", " ", clean_text(text)).strip()
        if not text:
            return
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        self.blocks.append(Block(kind, self.length, self.length + len(text), level))
        self.parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        return "".join(self.parts)


def _title_from(text: str, fallback: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()[:300]
    return fallback


def read_text(path: Path) -> Document:
    """A plain-text article: the file's text is the article's text.

    Blocks are left to the segmenter, which reads structure from lines.
    """
    text = clean_text(_load(path))
    _require_words(path, text)
    return Document(id=article_id(path.stem), title=_title_from(text, path.stem),
                    text=text, format="txt", source=path.name)


def _front_matter(source: str) -> tuple[dict[str, str], str]:
    """Split simple `key: value` YAML front matter from Markdown."""
    match = re.match(r"---\n(.*?)\n---[ \t]*(?:\n|\Z)", source, re.S)
    if not match:
        return {}, source
    meta = {}
    for line in match.group(1).split("\n"):
        key, sep, value = line.partition(":")
        if sep and key.strip().isidentifier():
            meta[key.strip().lower()] = value.strip().strip("'\"")
    return meta, source[match.end():]


def _inline_text(token) -> str:
    """The visible text of a markdown-it inline token (no markup)."""
    out = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image":
            out.append(child.content)
        elif child.type == "html_inline":
            continue
    return "".join(out)


def read_markdown(path: Path) -> Document:
    """A Markdown article rendered to plain text, one block per heading,
    paragraph or list item.  Raw HTML in the Markdown is reduced to its
    text; links keep their text only.
    """
    from markdown_it import MarkdownIt

    meta, source = _front_matter(clean_text(_load(path)))
    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    builder = _Builder()
    kind, level, depth = BlockKind.PARAGRAPH, 0, 0
    title = meta.get("title", "")
    for token in tokens:
        if token.type == "heading_open":
            kind, level = BlockKind.HEADING, int(token.tag[1])
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "list_item_open":
            kind, level = BlockKind.LIST_ITEM, depth
        elif token.type == "inline":
            text = _inline_text(token)
            if kind is BlockKind.HEADING and level == 1 and not title:
                title = text.strip()
            builder.add(kind, text, level)
            if kind is BlockKind.HEADING:
                kind, level = BlockKind.PARAGRAPH, 0
        elif token.type in ("fence", "code_block"):
            builder.add(BlockKind.PARAGRAPH, token.content)
        elif token.type == "html_block":
            builder.add(BlockKind.PARAGRAPH, _html_fragment_text(token.content))
        elif token.type == "list_item_close":
            kind, level = BlockKind.PARAGRAPH, 0
    text = builder.text()
    _require_words(path, text)
    return Document(id=article_id(meta.get("id") or path.stem),
                    title=title or _title_from(text, path.stem), text=text,
                    format="md", source=path.name, date=meta.get("date", ""),
                    url=meta.get("url", ""), blocks=tuple(builder.blocks))


_BOILERPLATE = ("script", "style", "noscript", "template", "nav", "header", "footer",
                "aside", "form", "iframe", "svg", "button", "select", "object", "embed")
_BOILERPLATE_HINT = re.compile(r"cookie|consent|banner|newsletter|subscribe|share|social|"
                               r"advert|sidebar|menu|breadcrumb|related|comment", re.I)
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BLOCKS = {"p", "div", "li", "dt", "dd", "blockquote", "pre", "td", "th", "caption",
           "figcaption", "section", "article", "main", "ul", "ol", "dl", "table", "tr",
           "body", "br", "hr", *_HEADINGS}


def _html_fragment_text(fragment: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(fragment, "lxml").get_text(" ")


def _is_boilerplate(tag, in_article: bool) -> bool:
    # A <header> inside <article> or <main> holds the article's own title,
    # not the site's masthead.
    if tag.name in _BOILERPLATE and not (in_article and tag.name == "header"):
        return True
    attrs = " ".join([tag.get("id") or "", *(tag.get("class") or []), tag.get("role") or ""])
    return bool(attrs.strip()) and bool(_BOILERPLATE_HINT.search(attrs)) \
        and tag.name not in ("article", "main", "body")


def _walk_html(root, builder: _Builder) -> None:
    """Iterative walk (deeply nested pages must not exhaust the stack)."""
    in_article = root.name in ("article", "main")
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    skip = (Comment, Declaration, Doctype, ProcessingInstruction)
    pending: list[str] = []
    state: dict[str, Any] = {"kind": BlockKind.PARAGRAPH, "level": 0}
    depth = 0

    def flush() -> None:
        builder.add(state["kind"], "".join(pending), state["level"])
        pending.clear()

    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):  # closing marker
            flush()
            if node[0] in ("ul", "ol"):
                depth -= 1
            state["kind"], state["level"] = BlockKind.PARAGRAPH, 0
            continue
        if isinstance(node, NavigableString):
            if not isinstance(node, skip):
                pending.append(str(node))
            continue
        if not isinstance(node, Tag) or _is_boilerplate(node, in_article):
            continue
        name = node.name
        if name in _BLOCKS:
            flush()
            if name in _HEADINGS:
                state["kind"], state["level"] = BlockKind.HEADING, _HEADINGS[name]
            elif name in ("li", "dt"):  # a <dt> names an item, as an <li> does
                state["kind"], state["level"] = BlockKind.LIST_ITEM, depth
            elif name in ("ul", "ol"):
                depth += 1
            stack.append((name,))
        elif name == "img" and node.get("alt"):
            pending.append(" " + str(node["alt"]) + " ")
        stack.extend(reversed(node.contents))
    flush()


def read_html(path: Path) -> Document:
    """An HTML page: boilerplate (navigation, scripts, cookie banners,
    headers and footers) removed, the article body kept as blocks.
    """
    from bs4 import BeautifulSoup

    source = _load(path)
    soup = BeautifulSoup(source, "lxml")
    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = str(tag.get("name") or tag.get("property") or "").lower()
        if key and tag.get("content"):
            meta.setdefault(key, str(tag["content"]).strip())
    canonical = soup.find("link", rel="canonical")
    title_tag = soup.find("title")
    root = soup.find("article") or soup.find("main") or soup.body or soup
    builder = _Builder()
    _walk_html(root, builder)
    text = builder.text()
    _require_words(path, text)
    h1 = next((b for b in builder.blocks if b.kind is BlockKind.HEADING and b.level == 1),
              None)
    title = (meta.get("og:title") or (title_tag.get_text(" ", strip=True) if title_tag else "")
             or (text[h1.start:h1.end] if h1 else "") or _title_from(text, path.stem))
    return Document(id=article_id(path.stem), title=clean_text(title)[:300], text=text,
                    format="html", source=path.name,
                    date=meta.get("article:published_time") or meta.get("date", ""),
                    url=(str(canonical.get("href", "") if canonical else "")
                         or meta.get("og:url", "")),
                    blocks=tuple(builder.blocks))


def read_json(path: Path) -> Document:
    """A JSON article `{"id", "title", "url", "date", "text"}`; only `text`
    is required.  The text is treated as plain text, like a `.txt` file.
    """
    try:
        data = json.loads(_load(path))
    except json.JSONDecodeError as err:
        raise ArticleError(path, f"invalid JSON at line {err.lineno} column {err.colno}") \
            from None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise ArticleError(path, 'JSON must be an object with a "text" string')
    text = clean_text(data["text"])
    _require_words(path, text)
    fields = {k: clean_text(str(data.get(k) or "")).strip() for k in ("id", "title", "url", "date")}
    ident = article_id(fields["id"] or path.stem)
    if not ident:
        raise ArticleError(path, f"unusable article id {fields['id']!r}")
    return Document(id=ident, title=fields["title"] or _title_from(text, path.stem),
                    text=text, format="json", source=path.name, date=fields["date"],
                    url=fields["url"])


#: Suffix -> reader.  Add a format by adding an entry.
READERS: dict[str, Callable[[Path], Document]] = {
    ".txt": read_text, ".text": read_text,
    ".md": read_markdown, ".markdown": read_markdown,
    ".html": read_html, ".htm": read_html,
    ".json": read_json,
}


def read_article(path: str | Path) -> Document:
    """Read one article file with the reader for its suffix.

    Raises:
        ArticleError: unsupported suffix, empty, binary, undecodable, too
            large, or no readable text.  Nothing has been stored.
    """
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ArticleError(path, f"unsupported file type {path.suffix or '(none)'!r}; "
                                 f"expected one of {', '.join(sorted(READERS))}")
    doc = reader(path)
    if not doc.id:
        raise ArticleError(path, "cannot derive an article id from the file name")
    return doc
