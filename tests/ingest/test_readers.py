"""Readers: every format gives exact text with block offsets, boilerplate is
left out, and anything that is not an article is refused with an
ArticleError naming the file."""
from __future__ import annotations

import codecs
import json

import pytest

from ingest import ArticleError, BlockKind, read_article
from ingest.readers import MAX_BYTES


def _blocks(doc):
    return [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks]


def test_txt_text_is_the_file_text(tmp_path):
    """A .txt article's text is the file's text, line ends normalised."""
    path = tmp_path / "Aspirin Guide.txt"
    path.write_bytes("Aspirin\r\n\r\nAspirin relieves pain.\r\n• nausea\r\n".encode())
    doc = read_article(path)
    assert doc.text == "Aspirin\n\nAspirin relieves pain.\n• nausea\n"
    assert (doc.id, doc.title, doc.format, doc.blocks) == ("aspirin-guide", "Aspirin", "txt", ())


def test_txt_utf8_bom_is_dropped(tmp_path):
    """A UTF-8 byte-order mark is not part of the text."""
    path = tmp_path / "a.txt"
    path.write_bytes(codecs.BOM_UTF8 + b"Caffeine may relieve headaches.")
    assert read_article(path).text == "Caffeine may relieve headaches."


def test_markdown_blocks_and_offsets(tmp_path):
    """Markdown headings, paragraphs and list items become blocks whose
    offsets slice their own text; markup and link targets are dropped."""
    path = tmp_path / "m.md"
    path.write_text("---\ntitle: Metformin\ndate: 2024-01-02\n---\n# Metformin\n\n"
                    "Metformin treats **type 2 diabetes** ([NHS](https://nhs.uk)).\n\n"
                    "- feeling sick\n- diarrhoea\n    - nested item\n")
    doc = read_article(path)
    assert doc.title == "Metformin" and doc.date == "2024-01-02"
    assert _blocks(doc) == [
        (BlockKind.HEADING, "Metformin"),
        (BlockKind.PARAGRAPH, "Metformin treats type 2 diabetes (NHS)."),
        (BlockKind.LIST_ITEM, "feeling sick"), (BlockKind.LIST_ITEM, "diarrhoea"),
        (BlockKind.LIST_ITEM, "nested item")]
    assert [b.level for b in doc.blocks[2:]] == [1, 1, 2]


def test_markdown_front_matter_at_end_of_file(tmp_path):
    """Front matter closed by the file's last line is still front matter,
    not text (so a file of nothing else has no text)."""
    only = tmp_path / "only.md"
    only.write_text("---\ntitle: X\n---")
    with pytest.raises(ArticleError, match="only.md: no readable text"):
        read_article(only)


def test_html_boilerplate_removed(tmp_path):
    """Navigation, scripts, cookie banners and the site header and footer are
    left out; the article's own header (its title) is kept."""
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Aspirin | Hospital</title>"
        '<meta property="og:title" content="Aspirin"><link rel="canonical" href="https://h/a">'
        "<script>var tracking = 1;</script><style>p{}</style></head><body>"
        '<header>Hospital logo</header><nav><a href="/">Home</a></nav>'
        '<div class="cookie-banner">We use cookies</div>'
        "<article><header><h1>Aspirin</h1></header>"
        "<p>Aspirin <b>relieves</b> pain.</p><ul><li>nausea</li><li>bleeding</li></ul>"
        '<aside>Related: ibuprofen</aside><div class="share-buttons">Share</div></article>'
        "<footer>Copyright</footer></body></html>")
    doc = read_article(path)
    assert _blocks(doc) == [(BlockKind.HEADING, "Aspirin"),
                            (BlockKind.PARAGRAPH, "Aspirin relieves pain."),
                            (BlockKind.LIST_ITEM, "nausea"), (BlockKind.LIST_ITEM, "bleeding")]
    assert (doc.title, doc.url) == ("Aspirin", "https://h/a")
    for gone in ("tracking", "cookies", "Home", "Copyright", "Hospital logo", "Related"):
        assert gone not in doc.text


def test_html_table_cells_are_blocks(tmp_path):
    """An infobox table keeps each cell as a block of its own."""
    path = tmp_path / "wiki.html"
    path.write_text("<body><main><table><tr><th>Routes of administration</th>"
                    "<td>Oral, intravenous</td></tr></table><p>Morphine is an opioid.</p>"
                    "</main></body>")
    assert [t for _, t in _blocks(read_article(path))] == [
        "Routes of administration", "Oral, intravenous", "Morphine is an opioid."]


def test_html_definition_terms_are_items(tmp_path):
    """A <dt> names an item as an <li> does; its <dd> is its description."""
    path = tmp_path / "dl.html"
    path.write_text("<body><article><h2>Side effects</h2><dl><dt>Nausea</dt>"
                    "<dd>Take it with food.</dd></dl></article></body>")
    assert _blocks(read_article(path)) == [(BlockKind.HEADING, "Side effects"),
                                           (BlockKind.LIST_ITEM, "Nausea"),
                                           (BlockKind.PARAGRAPH, "Take it with food.")]


def test_json_article(tmp_path):
    """A JSON article takes its text and metadata from the object."""
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"id": "Lithium Facts", "title": "Lithium", "url": "u",
                                "date": "2023", "text": "Lithium treats bipolar disorder."}))
    doc = read_article(path)
    assert (doc.id, doc.title, doc.url, doc.date, doc.format) == (
        "lithium-facts", "Lithium", "u", "2023", "json")
    assert doc.text == "Lithium treats bipolar disorder."


@pytest.mark.parametrize("content, reason", [
    ("[1, 2]", 'JSON must be an object with a "text" string'),
    ('{"title": "no text"}', 'JSON must be an object with a "text" string'),
    ('{"text": ', "invalid JSON at line 1"),
])
def test_json_bad(tmp_path, content, reason):
    """Malformed or text-less JSON is refused, naming the file."""
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ArticleError, match=f"bad.json: {reason}"):
        read_article(path)


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "file is empty"),
    ("blank.txt", b"  \n\t\n", "file is empty"),
    ("report.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "binary file"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "binary file"),
    ("wide.txt", codecs.BOM_UTF16_LE + "Aspirin relieves pain.".encode("utf-16-le"),
     "UTF-16 text; save the file as UTF-8"),
    ("wide-be.md", codecs.BOM_UTF16_BE + "Aspirin relieves pain.".encode("utf-16-be"),
     "UTF-16 text; save the file as UTF-8"),
    ("latin.txt", "Caf\u00e9 au lait causes nothing.".encode("latin-1"),
     r"not valid UTF-8 text \(byte 3\)"),
    ("digits.txt", b"1234 5678 9012 3456 7890 1234 5678", "does not look like prose"),
    ("notes.docx", b"Aspirin relieves pain.", "unsupported file type '.docx'"),
])
def test_bad_inputs(tmp_path, name, data, reason):
    """Each bad input raises ArticleError whose message starts with the file."""
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ArticleError, match=f"^{tmp_path / name}: {reason}") as err:
        read_article(path)
    assert err.value.path == str(path)


def test_over_size_limit(tmp_path):
    """A file over 5 MB is refused before it is read."""
    path = tmp_path / "huge.txt"
    with open(path, "wb") as out:
        out.truncate(MAX_BYTES + 1)
    with pytest.raises(ArticleError, match=r"huge.txt: file is 5.0 MB, over the 5 MB limit"):
        read_article(path)


def test_missing_file(tmp_path):
    """A path that does not exist is an ArticleError, not an OSError."""
    with pytest.raises(ArticleError, match="gone.txt: cannot read"):
        read_article(tmp_path / "gone.txt")
