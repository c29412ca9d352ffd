"""ingest: article files in, claims out.

Pure core: `read_article` turns a file into a `Document`, `extract` turns a
Document into an `Extraction` (mentions and claims with evidence).  Nothing
here writes to a store or opens the network; the only file read besides the
article is the vocabulary (`load_vocabulary`).

>>> from ingest import Document, extract
>>> doc = Document("demo", "Demo", "Ibuprofen is used to treat pain.", "txt")
>>> vocabulary = Vocabulary([Entity("ibuprofen", "ibuprofen", EntityType.DRUG),
...                          Entity("pain", "pain", EntityType.CONDITION)])
>>> [(c.subject.label, c.predicate, c.object.label, c.modality.value)
...  for c in extract(doc, vocabulary).claims]
[('ibuprofen', 'treats', 'pain', 'asserted')]
"""
from .errors import ArticleError
from .extract import EXTRACTOR_VERSION, extract
from .model import (PREDICATES, Block, BlockKind, Claim, Document, Entity, EntityType,
                    Extraction, Mention, Modality)
from .readers import read_article
from .vocab import Vocabulary, load_vocabulary

__all__ = ["ArticleError", "Block", "BlockKind", "Claim", "Document", "EXTRACTOR_VERSION",
           "Entity", "EntityType", "Extraction", "Mention", "Modality", "PREDICATES",
           "Vocabulary", "extract", "load_vocabulary", "read_article"]
