"""The OpenAPI 3.1 document of the JSON API, served at /api/openapi.json.

Written out by hand (it is the contract), and kept equal to the app's
routes by tests/webapp/test_api.py: every /api/ route and method is
documented here and every documented one exists.
"""
from __future__ import annotations

from ingest import domain
from kg.claimlist import SORTS

__all__ = ["openapi_document"]

_MODALITY = {"type": "string", "enum": list(domain.MODALITIES)}
_PREDICATE = {"type": "string", "enum": list(domain.PREDICATES)}


def _q(name: str, description: str, schema: dict | None = None, required: bool = False,
       where: str = "query") -> dict:
    return {"name": name, "in": where, "required": required or where == "path",
            "description": description, "schema": schema or {"type": "string"}}


def _ok(description: str, schema: dict | str, media: str = "application/json") -> dict:
    if isinstance(schema, str):
        schema = {"$ref": f"#/components/schemas/{schema}"}
    return {"description": description, "content": {media: {"schema": schema}}}


_ERRORS = {"400": {"$ref": "#/components/responses/Error"},
           "404": {"$ref": "#/components/responses/Error"}}
_SELECTION = [
    _q("predicate", "Only these relations (repeat, or comma-separate).",
       {"type": "array", "items": _PREDICATE}),
    _q("modality", "Only claims stated so (repeat, or comma-separate).",
       {"type": "array", "items": _MODALITY}),
]
_TYPE = {"type": "string", "enum": list(domain.TYPES)}
#: The claims list's filters (`kg.claimlist.FILTERS`): AND between
#: parameters, OR between the values of one (repeat it, or comma-separate).
_CLAIM_FILTERS = [
    _q("modality", "Only claims stated so.", {"type": "array", "items": _MODALITY}),
    _q("predicate", "Only these relations.", {"type": "array", "items": _PREDICATE}),
    _q("subject_type", "Only claims whose subject is of these types.",
       {"type": "array", "items": _TYPE}),
    _q("object_type", "Only claims whose object is of these types.",
       {"type": "array", "items": _TYPE}),
    _q("article", "Only these articles' claims (ids; an unknown one is a 404).",
       {"type": "array", "items": {"type": "string"}}),
    _q("entity", "Only claims naming these entities as subject or object (key, name or "
       "IRI; an unknown one is a 404).", {"type": "array", "items": {"type": "string"}}),
    _q("sort", "Order: article (default: article, then place in it), subject, predicate, "
       "object or modality; a leading - reverses it.",
       {"type": "string", "enum": [f"{d}{k}" for k in SORTS for d in ("", "-")]}),
]
_FACET = {"type": "object", "properties": {
    "values": {"type": "array", "items": {"type": "object", "properties": {
        "value": {"type": "string"}, "label": {"type": "string"},
        "count": {"type": "integer"}, "selected": {"type": "boolean"}}}},
    "truncated": {"type": "boolean", "description": "article and entity list the 30 with "
                                                    "most claims"}}}
_PAGING = [_q("limit", "Items per page.", {"type": "integer", "minimum": 1}),
           _q("offset", "Items to skip.", {"type": "integer", "minimum": 0})]
_WRITE_ERRORS = {"401": {"$ref": "#/components/responses/Error"},
                 "403": {"$ref": "#/components/responses/Error"}}


def _schemas() -> dict:
    entity = {"type": "object", "required": ["iri", "label", "type"], "properties": {
        "iri": {"type": "string", "format": "iri"}, "label": {"type": "string"},
        "type": {"type": "string"}, "synonyms": {"type": "array", "items": {"type": "string"}},
        "ids": {"type": "array", "items": {"type": "string"}}, "mapped": {"type": "boolean"},
        "page": {"type": ["string", "null"]}}}
    evidence = {"type": "object", "properties": {
        "claim": {"type": "string"}, "article": {"type": "string"}, "title": {"type": "string"},
        "modality": _MODALITY, "evidence": {"type": "string"},
        "start": {"type": "integer"}, "end": {"type": "integer"}, "url": {"type": "string"},
        "review": {"type": "string", "enum": list(domain.REVIEW_STATES), "description":
                   "The claim's review state, in exported subgraphs (absent: as extracted)."}}}
    relation = {"type": "object", "properties": {
        "subject": {"$ref": "#/components/schemas/Entity"}, "predicate": _PREDICATE,
        "object": {"$ref": "#/components/schemas/Entity"}, "summary": {"type": "string"},
        "modality": _MODALITY, "articles": {"type": "integer"},
        "contradicted": {"type": "boolean"},
        "articles_by_modality": {"type": "object", "additionalProperties": {"type": "integer"}},
        "claims_by_modality": {"type": "object", "additionalProperties": {"type": "integer"}},
        "evidence_complete": {"type": "boolean", "description":
                              "False on entity pages, which carry a sample (the first and "
                              "last article per modality); the relation has every quote."},
        "evidence": {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}}}}
    claim = {"type": "object", "description": "The claims JSONL contract (README, `kg claims`).",
             "properties": {
                 "article": {"type": "string"}, "claim": {"type": "string"},
                 "subject": {"$ref": "#/components/schemas/Entity"}, "predicate": _PREDICATE,
                 "object": {"$ref": "#/components/schemas/Entity"}, "modality": _MODALITY,
                 "evidence": {"type": "string"}, "start": {"type": "integer"},
                 "end": {"type": "integer"},
                 "belief": {"description": "The relation's belief (in /api/claims; null "
                                           "while it has none).",
                            "oneOf": [{"$ref": "#/components/schemas/Belief"},
                                      {"type": "null"}]},
                 "review_state": {"description": "The claim's review state (in /api/claims; "
                                                 "null as extracted).",
                                  "enum": [*domain.REVIEW_STATES, None]}}}
    hit = {"type": "object", "properties": {
        "kind": {"type": "string", "enum": ["entity", "article", "claim"]},
        "iri": {"type": "string"}, "label": {"type": "string"}, "type": {"type": "string"},
        "score": {"type": "number"},
        "highlight": {"type": "string", "description": "Escaped text with <mark> added."},
        "predicate": _PREDICATE, "modality": _MODALITY, "article": {"type": "string"}}}
    group = {"type": "object", "properties": {
        "predicate": _PREDICATE, "total": {"type": "integer"}, "offset": {"type": "integer"},
        "limit": {"type": "integer"},
        "relations": {"type": "array", "items": {"$ref": "#/components/schemas/Relation"}}}}
    node = {"type": "object", "properties": {
        "id": {"type": "string"}, "label": {"type": "string"}, "type": {"type": "string"},
        "mapped": {"type": "boolean"}, "ids": {"type": "array", "items": {"type": "string"}},
        "href": {"type": ["string", "null"]}}}
    edge = {"type": "object", "properties": {
        "id": {"type": "string"}, "source": {"type": "string"}, "target": {"type": "string"},
        "predicate": _PREDICATE, "modality": _MODALITY, "articles": {"type": "integer"},
        "negated": {"type": "boolean"}, "href": {"type": "string"},
        "modalities": {"type": "object", "additionalProperties": {"type": "integer"}},
        "claims": {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}}}}
    article = {"type": "object", "properties": {
        "id": {"type": "string"}, "iri": {"type": "string"}, "title": {"type": "string"},
        "source": {"type": "string"}, "date": {"type": "string"},
        "modified": {"type": "string"}, "claims": {"type": "integer"}}}
    return {
        "Entity": entity, "Evidence": evidence, "Relation": relation, "Claim": claim,
        "Node": node, "Edge": edge, "ArticleSummary": article,
        "SearchResponse": {"type": "object", "required": ["query", "total", "hits"],
                           "properties": {
                               "query": {"type": "string"}, "total": {"type": "integer"},
                               "suggestion": {"type": ["string", "null"]},
                               "hits": {"type": "array", "items": hit},
                               "facets": {"type": "object", "additionalProperties": {
                                   "type": "object",
                                   "additionalProperties": {"type": "integer"}}},
                               "page": {"type": "integer"}, "limit": {"type": "integer"}}},
        "EntityPage": {"type": "object", "properties": {
            "entity": {"$ref": "#/components/schemas/Entity"},
            "outgoing": {"type": "array", "items": group},
            "incoming": {"type": "array", "items": group}, "truncated": {"type": "boolean"},
            "articles": {"type": "array", "items": {"type": "object"},
                         "description": "The first 50 mentioning articles by title"},
            "articles_total": {"type": "integer",
                               "description": "Every article that mentions the entity"}}},
        "Article": {"type": "object", "properties": {
            "id": {"type": "string"}, "iri": {"type": "string"}, "title": {"type": "string"},
            "source": {"type": "string"}, "date": {"type": "string"},
            "modified": {"type": "string"}, "format": {"type": "string"},
            "text": {"type": "string"},
            "claims": {"type": "array", "items": {"$ref": "#/components/schemas/Claim"}},
            "mentions": {"type": "array", "items": {"type": "object"}},
            "changes": {"type": "object", "properties": {
                "added": {"type": "array", "items": {"type": "string"}},
                "removed": {"type": "array", "items": {"type": "string"}}}}}},
        "JsonArticle": {"type": "object", "required": ["text"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "url": {"type": "string"},
            "date": {"type": "string"}, "text": {"type": "string"}}},
        "IngestResult": {"type": "object", "properties": {
            "article": {"type": "string"},
            "status": {"type": "string", "enum": ["added", "replaced", "unchanged"]},
            "claims": {"type": "integer"}, "url": {"type": "string"}}},
        "Error": {"type": "object", "required": ["error", "message", "status"], "properties": {
            "error": {"type": "string"}, "message": {"type": "string"},
            "status": {"type": "integer"}}},
    }


def _paths() -> dict:
    return {
        "/api/openapi.json": {"get": {
            "summary": "This document.", "operationId": "openapi",
            "description": "JSON, unless the client names text/html above JSON in Accept "
                           "(a browser), which gets the document rendered as a page.",
            "parameters": [_q("format", "`json` or `html`, over the Accept header.",
                              {"type": "string", "enum": ["json", "html"]})],
            "responses": {"200": {"description": "The OpenAPI document.", "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/html": {"schema": {"type": "string"}}}}}}},
        "/api/search": {"get": {
            "summary": "Full-text search over entities, articles and claims.",
            "operationId": "search",
            "parameters": [
                _q("q", 'Words, "phrases", -exclusions, prefix*.', required=True),
                _q("limit", "Hits per page.", {"type": "integer", "minimum": 1, "maximum": 100}),
                _q("page", "1-based page.", {"type": "integer", "minimum": 1}),
                _q("kind", "Only this kind of hit.",
                   {"type": "string", "enum": ["entity", "article", "claim"]}),
                _q("type", "Only entities of this type."), _q("predicate", "Only claims of this "
                                                              "predicate.", _PREDICATE),
                _q("modality", "Only claims stated so.", _MODALITY),
                _q("article", "Only this article and its claims.")],
            "responses": {"200": _ok("A page of hits with facets.", "SearchResponse"),
                          **_ERRORS}}},
        "/api/suggest": {"get": {
            "summary": "Entity names starting with a prefix (autocomplete).",
            "operationId": "suggest",
            "parameters": [_q("q", "The prefix."),
                           _q("limit", "At most this many.", {"type": "integer"})],
            "responses": {"200": _ok("Suggestions.", {"type": "array", "items": {
                "type": "object", "properties": {
                    "label": {"type": "string"}, "iri": {"type": "string"},
                    "entity": {"type": "string"}, "type": {"type": "string"}}}})}}},
        "/api/stats": {"get": {
            "summary": "Counts of articles, claims, entities and triples.",
            "operationId": "stats",
            "responses": {"200": _ok("Counts.", {"type": "object"})}}},
        "/api/entity/{key}": {"get": {
            "summary": "An entity and its relations in both directions, with evidence.",
            "operationId": "entity",
            "parameters": [_q("key", "The entity key (the end of its IRI).", where="path"),
                           *_SELECTION, *_PAGING],
            "responses": {"200": _ok("The entity page's data.", "EntityPage"), **_ERRORS}}},
        "/api/relations": {"get": {
            "summary": "Relations of an entity, or one subject-predicate-object across "
                       "articles.",
            "operationId": "relations",
            "parameters": [
                _q("entity", "Entity name, key or IRI (all its relations)."),
                _q("direction", "Which way.", {"type": "string", "enum": ["both", "out", "in"]}),
                _q("subject", "With predicate and object: one relation."),
                _q("object", "With subject and predicate: one relation."),
                *_SELECTION, *_PAGING],
            "responses": {"200": _ok("Relations with evidence.", {"type": "object"}),
                          **_ERRORS}}},
        "/api/article/{article_id}": {"get": {
            "summary": "An article: text, claims, mentions, changes at the last replacement.",
            "operationId": "article",
            "parameters": [_q("article_id", "The article id.", where="path")],
            "responses": {"200": _ok("The article.", "Article"), **_ERRORS}}},
        "/api/articles": {
            "get": {"summary": "Every article, most recently ingested first.",
                    "operationId": "articles",
                    "responses": {"200": _ok("Articles.", {
                        "type": "array", "items": {"$ref": "#/components/schemas/ArticleSummary"}
                    })}},
            "post": {"summary": "Add or replace an article while the server runs; several "
                                "files in the field 'file' take the batch path and answer "
                                "200 with {articles: [one result per file]}.",
                     "operationId": "addArticle", "security": [{"bearer": []}],
                     "requestBody": {"required": True, "content": {
                         "multipart/form-data": {"schema": {
                             "type": "object", "required": ["file"], "properties": {
                                 "file": {"type": "string", "format": "binary",
                                          "description": ".txt, .md, .html or .json"},
                                 "id": {"type": "string",
                                        "description": "Article id (default: from the "
                                                       "file name)."}}}},
                         "application/json": {"schema": {
                             "$ref": "#/components/schemas/JsonArticle"}}}},
                     "responses": {
                         "201": _ok("Added.", "IngestResult"),
                         "200": _ok("Replaced, or unchanged.", "IngestResult"),
                         "422": {"$ref": "#/components/responses/Error"},
                         **_ERRORS, **_WRITE_ERRORS}}},
        "/api/articles/{article_id}": {"delete": {
            "summary": "Retract an article (its whole graph).", "operationId": "deleteArticle",
            "security": [{"bearer": []}],
            "parameters": [_q("article_id", "The article id.", where="path")],
            "responses": {"200": _ok("Deleted.", {"type": "object"}), **_ERRORS,
                          **_WRITE_ERRORS}}},
        "/api/claims": {"get": {
            "summary": "Claims in the contract's shape, filtered, sorted and paged (the "
                       "/claims page's filters); an unknown parameter or value is a 400.",
            "operationId": "claims",
            "parameters": [*_CLAIM_FILTERS,
                           _q("limit", "Claims per page (1-1000; default 100).",
                              {"type": "integer", "minimum": 1, "maximum": 1000}),
                           _q("offset", "Claims to skip.", {"type": "integer", "minimum": 0}),
                           _q("facets", "1: add each filter's values with their claim counts "
                              "(each counted under the other filters).",
                              {"type": "string", "enum": ["0", "1"]})],
            "responses": {"200": _ok("Claims.", {"type": "object", "properties": {
                "total": {"type": "integer"}, "offset": {"type": "integer"},
                "limit": {"type": "integer"},
                "claims": {"type": "array", "items": {"$ref": "#/components/schemas/Claim"}},
                "filters": {"type": "object", "description": "The filters applied.",
                            "additionalProperties": {"type": "array",
                                                     "items": {"type": "string"}}},
                "sort": {"type": "string"},
                "facets": {"type": "object", "description": "With facets=1.",
                           "additionalProperties": _FACET}}}),
                **_ERRORS}}},
        "/api/claims.csv": {"get": {
            "summary": "The same filtered, sorted page of claims as CSV: the `kg claims` "
                       "columns, the article's title, and the reader's words (relation, how "
                       "stated, the claim as a sentence).",
            "operationId": "claims_csv",
            "parameters": [*_CLAIM_FILTERS,
                           _q("limit", "Rows (1-10000; default 100).",
                              {"type": "integer", "minimum": 1, "maximum": 10000}),
                           _q("offset", "Rows to skip.", {"type": "integer", "minimum": 0})],
            "responses": {"200": _ok("CSV with a header row.", {"type": "string"}, "text/csv"),
                          **_ERRORS}}},
        "/api/claim/{claim_id}": {"get": {
            "summary": "One claim and the evidence for its relation in every article.",
            "operationId": "claim",
            "parameters": [_q("claim_id", "The hash at the end of the claim's IRI.",
                              where="path")],
            "responses": {"200": _ok("The claim.", "Claim"), **_ERRORS}}},
        "/api/graph": {"get": {
            "summary": "The neighbourhood of an entity as nodes and edges (the graph view).",
            "operationId": "graph",
            "parameters": [_q("entity", "Entity name, key or IRI.", required=True),
                           _q("depth", "Steps (1-2).", {"type": "integer", "minimum": 1,
                                                        "maximum": 2}), *_SELECTION],
            "responses": {"200": _ok("Nodes and edges.", {"type": "object", "properties": {
                "centre": {"type": "string"}, "truncated": {"type": "boolean"},
                "nodes": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "edges": {"type": "array", "items": {"$ref": "#/components/schemas/Edge"}}}}),
                **_ERRORS}}},
        "/api/path": {"get": {
            "summary": "Shortest paths between two entities over the claim graph.",
            "operationId": "path",
            "parameters": [_q("from", "Start entity.", required=True),
                           _q("to", "End entity.", required=True),
                           _q("k", "At most this many paths.", {"type": "integer"}),
                           _q("max_hops", "Longest path.", {"type": "integer"}), *_SELECTION],
            "responses": {"200": _ok("Paths, each hop with its claims.", {"type": "object"}),
                          **_ERRORS}}},
        **_curation_paths(),
        "/api/export": {
            method: {"summary": "Download part of the graph as a file, in one of the export "
                                "formats (the parameters of `kg export`).",
                     "description": _EXPORT_DESCRIPTION,
                     "operationId": f"export{method.title()}",
                     "parameters": _export_parameters(),
                     **({"requestBody": _export_form()} if method == "post" else {}),
                     "responses": {"200": _export_file(), **_ERRORS}}
            for method in ("get", "post")},
    }


_CURATOR: list[dict[str, list[str]]] = [{"bearer": []}]
_CURATOR_ERRORS = {"401": {"$ref": "#/components/responses/Error"}}
_RECORD = {"type": "object", "description": "A curation record (`kg.anchoring.Record`).",
           "properties": {"id": {"type": "string"}, "kind": {"type": "string", "enum": [
               "review", "flag", "note", "regrounding", "merge", "undo"]},
               "who": {"type": "string"}, "when": {"type": "string", "format": "date-time"},
               "note": {"type": "string"}, "verdict": {"type": "string"},
               "modality": _MODALITY, "reason": {"type": "string"},
               "anchor": {"type": "object"},
               "claims": {"type": "array", "items": {"type": "string"}},
               "orphaned": {"type": "boolean"}, "undoes": {"type": "string"},
               "undone_by": {"type": "string"}}}
_REVIEW = {"type": "object", "description": "Where a claim stands after curation.",
           "properties": {
               "state": {"type": ["string", "null"], "enum": [*domain.REVIEW_STATES, None],
                         "description": "null: as extracted."},
               "label": {"type": ["string", "null"]},
               "verdict": {"type": ["string", "null"]},
               "modality": {"type": ["string", "null"]},
               "extracted_modality": {"type": ["string", "null"]},
               "flags": {"type": "object", "additionalProperties": {"type": "integer"}},
               "records": {"type": "array", "items": _RECORD}}}


def _json_body(properties: dict, required: list[str]) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": required, "properties": properties}}}}


def _curation_paths() -> dict:
    """The curation API (issue 19, `webapp.curation_api`)."""
    claim_id = _q("claim_id", "The hash at the end of the claim's IRI.", where="path")
    record = _ok("The record.", {"type": "object", "properties": {"record": _RECORD}})
    note = {"type": "string", "description": "Why, in a sentence."}
    return {
        "/api/claims/{claim_id}": {"get": {
            "summary": "One claim (as /api/claim/{claim_id}) with its review and its "
                       "relation's belief.",
            "operationId": "claimWithReview", "parameters": [claim_id],
            "responses": {"200": _ok("The claim, its review and belief.", {"allOf": [
                {"$ref": "#/components/schemas/Claim"},
                {"type": "object", "properties": {"review": _REVIEW, "belief": {
                    "oneOf": [{"$ref": "#/components/schemas/Belief"}, {"type": "null"}]}}}]}),
                **_ERRORS}}},
        "/api/claims/{claim_id}/review": {"post": {
            "summary": "Confirm or reject a claim, or correct its modality (a curator).",
            "description": "A rejected claim keeps its node but gives no direct edge and is "
                           "not counted; a corrected modality is the claim's, the extractor's "
                           "kept as hkg:extractedModality. Both apply again at every "
                           "re-ingest of the article.",
            "operationId": "reviewClaim", "security": _CURATOR, "parameters": [claim_id],
            "requestBody": _json_body({
                "verdict": {"type": "string", "enum": ["confirmed", "rejected"]},
                "modality": _MODALITY, "note": note}, []),
            "responses": {"200": _ok("The record and the claim's review now.", {
                "type": "object", "properties": {"record": _RECORD, "review": _REVIEW}}),
                **_ERRORS, **_CURATOR_ERRORS}}},
        "/api/claims/{claim_id}/flag": {"post": {
            "summary": "Flag a claim as possibly wrong (anyone; rate-limited per client).",
            "description": "Anonymous: nothing about the reader is stored. A flag never "
                           "changes the claim; curators see it in the queue.",
            "operationId": "flagClaim", "parameters": [claim_id],
            "requestBody": _json_body({"reason": {"type": "string",
                                                  "enum": list(domain.FLAG_REASONS)}},
                                      ["reason"]),
            "responses": {"201": _ok("Flagged.", {"type": "object", "properties": {
                "record": {"type": "object"}, "state": {"type": ["string", "null"]},
                "flags": {"type": "object"}}}),
                "429": {"description": "Too many flags from this client; see Retry-After.",
                        "headers": {"Retry-After": {"schema": {"type": "integer"}}}},
                **_ERRORS}}},
        "/api/curation/undo/{record_id}": {"post": {
            "summary": "Undo a curation record (a curator): it stays, with no effect.",
            "operationId": "undoCuration", "security": _CURATOR,
            "parameters": [_q("record_id", "The record's id.", where="path")],
            "responses": {"200": record, **_ERRORS, **_CURATOR_ERRORS}}},
        "/api/curation/reground": {"post": {
            "summary": "Ground a name to an entity from now on (a curator); stored articles "
                       "naming the entity minted for it are extracted again.",
            "operationId": "reground", "security": _CURATOR,
            "requestBody": _json_body({
                "surface": {"type": "string"},
                "entity": {"type": "string", "description": "IRI, key or standard ID."},
                "type": _TYPE, "note": note}, ["surface", "entity"]),
            "responses": {"201": record, **_ERRORS, **_CURATOR_ERRORS}}},
        "/api/curation/merge": {"post": {
            "summary": "Merge a minted entity into another (a curator): each of its names "
                       "is regrounded.",
            "operationId": "mergeEntity", "security": _CURATOR,
            "requestBody": _json_body({"entity": {"type": "string"},
                                       "into": {"type": "string"}, "note": note},
                                      ["entity", "into"]),
            "responses": {"201": record, **_ERRORS, **_CURATOR_ERRORS}}},
        "/api/curation/note": {"post": {
            "summary": "A curator's note on a claim, an entity or an article.",
            "operationId": "addNote", "security": _CURATOR,
            "requestBody": _json_body({"iri": {"type": "string"}, "text": {"type": "string"}},
                                      ["iri", "text"]),
            "responses": {"201": record, **_ERRORS, **_CURATOR_ERRORS}}},
        "/api/curation/queue": {"get": {
            "summary": "Open flags and unmapped entities, most read first.",
            "operationId": "curationQueue",
            "parameters": [_q("limit", "Items (1-1000).", {"type": "integer"}),
                           _q("offset", "Items to skip.", {"type": "integer"})],
            "responses": {"200": _ok("The queue.", {"type": "object", "properties": {
                "limit": {"type": "integer"}, "offset": {"type": "integer"},
                "items": {"type": "array", "items": {"type": "object", "properties": {
                    "kind": {"type": "string", "enum": ["flag", "unmapped"]},
                    "iri": {"type": "string"}, "label": {"type": "string"},
                    "reach": {"type": "integer"}, "type": {"type": "string"},
                    "flags": {"type": "object"}}}}}}), **_ERRORS}}},
        "/api/curation/orphans": {"get": {
            "summary": "Claim curations whose claim no article states any more.",
            "operationId": "curationOrphans",
            "responses": {"200": _ok("Records.", {"type": "array", "items": _RECORD})}}},
        "/api/history": {"get": {
            "summary": "Ingests, replacements and curations of a claim, entity or article, "
                       "or of a relation, newest first.",
            "operationId": "history",
            "parameters": [_q("iri", "A claim, entity or article IRI."),
                           _q("subject", "A relation's subject IRI (with predicate, object)."),
                           _q("predicate", "Its predicate.", _PREDICATE),
                           _q("object", "Its object IRI.")],
            "responses": {"200": _ok("Events.", {"type": "array", "items": {
                "type": "object", "properties": {
                    "kind": {"type": "string"}, "when": {"type": "string"},
                    "who": {"type": "string"}, "article": {"type": "string"},
                    "added": {"type": "array", "items": {"type": "string"}},
                    "removed": {"type": "array", "items": {"type": "string"}},
                    "record": _RECORD}}}), **_ERRORS}}},
        "/api/curators": {
            "get": {"summary": "Curators who have a token (the admin token).",
                    "operationId": "listCurators", "security": _CURATOR,
                    "responses": {"200": _ok("Curators.", {"type": "array", "items": {
                        "type": "object", "properties": {
                            "name": {"type": "string"}, "created": {"type": "string"}}}}),
                        **_CURATOR_ERRORS, **_WRITE_ERRORS}},
            "post": {"summary": "Make a curator's token, shown once (the admin token).",
                     "operationId": "addCurator", "security": _CURATOR,
                     "requestBody": _json_body({"name": {"type": "string"}}, ["name"]),
                     "responses": {"201": _ok("The token.", {"type": "object", "properties": {
                         "name": {"type": "string"}, "token": {"type": "string"}}}),
                         **_ERRORS, **_CURATOR_ERRORS, **_WRITE_ERRORS}}},
        "/api/curators/{name}": {"delete": {
            "summary": "Revoke a curator's token (the admin token).",
            "operationId": "revokeCurator", "security": _CURATOR,
            "parameters": [_q("name", "The curator.", where="path")],
            "responses": {"200": _ok("Revoked.", {"type": "object"}), **_ERRORS,
                          **_CURATOR_ERRORS, **_WRITE_ERRORS}}},
    }


_EXPORT_DESCRIPTION = (
    "Give one scope: `entity` (with `depth`), `article`, `from` and `to` (the paths between "
    "two entities) or `construct` (a SPARQL CONSTRUCT naming relations); the filters apply to "
    "each. The answer is an attachment named after the selection "
    "(`ketamine-depth-2.ttl`). POST takes the same parameters form-encoded, for long "
    "CONSTRUCT queries. `svg` and `pack` hold a diagram, which is refused (`svg`) or left "
    "out of the pack above 250 entities.")


def _export_fields() -> dict[str, tuple[str, dict, bool]]:
    """Parameter name -> (description, schema, required): those of
    `kg.export.request.PARAMETERS`, with the registry's formats."""
    from kg.export import FORMATS
    from kg.export.request import PREDICATE_NAMES, TYPES
    from kg.subgraph import MAX_DEPTH

    def many(values) -> dict:
        return {"type": "array", "items": {"type": "string", "enum": list(values)}}

    formats = ", ".join(f"`{f.name}` ({f.label})" for f in FORMATS.values())
    return {
        "format": (f"The file format: {formats}.",
                   {"type": "string", "enum": list(FORMATS)}, True),
        "entity": ("Scope: the entity at the centre (name, key or IRI).", {"type": "string"},
                   False),
        "depth": ("Steps from the entity.",
                  {"type": "integer", "minimum": 1, "maximum": MAX_DEPTH, "default": 1}, False),
        "article": ("Scope: the relations one article states (its id).", {"type": "string"},
                    False),
        "from": ("Scope: the paths from this entity ...", {"type": "string"}, False),
        "to": ("... to this one.", {"type": "string"}, False),
        "construct": ("Scope: the relations a SPARQL CONSTRUCT returns (`?s hkg:treats ?o`), "
                      "with the claims that state them.", {"type": "string"}, False),
        "predicate": ("Only these relations (repeat, or comma-separate).",
                      many(PREDICATE_NAMES), False),
        "modality": ("Only claims stated so (repeat, or comma-separate).",
                     many(_MODALITY["enum"]), False),
        "type": ("Only entities of these types (repeat, or comma-separate).", many(TYPES),
                 False),
        "min_articles": ("Only relations stated by at least this many articles.",
                         {"type": "integer", "minimum": 1, "default": 1}, False),
    }


def _export_parameters() -> list[dict]:
    out = []
    for name, (description, schema, required) in _export_fields().items():
        parameter = _q(name, description, schema, required)
        if schema["type"] == "array":
            parameter.update(style="form", explode=True)
        out.append(parameter)
    return out


def _export_form() -> dict:
    fields = _export_fields()
    return {"required": False, "content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": [n for n, (_, _, req) in fields.items() if req],
        "properties": {n: {**schema, "description": description}
                       for n, (description, schema, _) in fields.items()}}}}}


def _export_file() -> dict:
    """The 200 answer: one media type per export format."""
    from kg.export import FORMATS

    return {"description": "The file, as an attachment named after the selection.",
            "headers": {"Content-Disposition": {
                "description": "`attachment; filename=<selection>.<extension>`",
                "schema": {"type": "string"}},
                "X-Export-Truncated": {
                    "description": "Present when a hub entity had more claims than one step "
                                   "fetches, so the selection was cut: `claims-per-step=<n>`.",
                    "schema": {"type": "string"}}},
            "content": {
                f.media_type.split(";")[0].strip(): {
                    "schema": {"type": "string", "contentMediaType": f.media_type,
                               "description": f"format={f.name}: {f.label}, .{f.extension}"}}
                for f in FORMATS.values()}}


def _belief_schemas() -> dict:
    """Belief per relation (issue 19, item 5; `kg.belief`)."""
    return {
        "Belief": {"type": "object", "description": "How well a relation is supported, from "
                   "0 to 1, with the counts behind it and a one-line why (docs/curation.md "
                   "gives the formula).", "properties": {
                       "value": {"type": "number", "minimum": 0, "maximum": 1},
                       "why": {"type": "string"},
                       "contested": {"type": "boolean",
                                     "description": "Some articles support it, others deny it."},
                       "articles": {"type": "integer"}, "supporting": {"type": "integer"},
                       "denying": {"type": "integer"}}},
        "ContestedRelation": {"allOf": [
            {"$ref": "#/components/schemas/Relation"},
            {"type": "object", "properties": {"belief": {"$ref": "#/components/schemas/Belief"}}}]},
    }


def _belief_paths() -> dict:
    return {
        "/api/contested": {"get": {
            "summary": "Relations some articles support and others deny, most articles "
                       "first, each with its belief and every claim (sentence, article, "
                       "modality).",
            "operationId": "contested",
            "parameters": [_q("limit", "Relations per page (1-100; default 20).",
                              {"type": "integer", "minimum": 1, "maximum": 100}),
                           _q("offset", "Relations to skip.", {"type": "integer", "minimum": 0})],
            "responses": {"200": _ok("A page of contested relations.", {
                "type": "object", "properties": {
                    "total": {"type": "integer"}, "offset": {"type": "integer"},
                    "limit": {"type": "integer"},
                    "relations": {"type": "array", "items": {
                        "$ref": "#/components/schemas/ContestedRelation"}}}}),
                **_ERRORS}}},
    }


def openapi_document(server: str = "") -> dict:
    """The OpenAPI 3.1 document; `server` is this server's base URL."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Health claims graph API", "version": "1",
                 "description": "What health articles claim, with the sentence, article and "
                                "modality (asserted, hedged, investigational, negated) of "
                                "every claim. Not medical advice."},
        "servers": [{"url": server or "/"}],
        "paths": {**_paths(), **_belief_paths()},
        "components": {
            "schemas": {**_schemas(), **_belief_schemas()},
            "responses": {"Error": {"description": "An error, as one line.",
                                    "content": {"application/json": {"schema": {
                                        "$ref": "#/components/schemas/Error"}}}}},
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "The token in <data>/admin-token (written by `kg serve`) "
                               "or KG_ADMIN_TOKEN."}}},
    }
