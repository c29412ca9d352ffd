"""The public SPARQL query policy, shared by the web endpoint and `kg query`.

Two halves:

* `check_query` reads the query text with a small lexer *before* any SPARQL
  parser sees it: size, bracket nesting (pyoxigraph's parser overflows its
  stack and kills the process at ~3,000 nested brackets, measured), read-only
  (every update form is refused), and no outbound requests (SERVICE anywhere,
  LOAD, FROM / FROM NAMED outside this deployment's base IRI).  Neither
  pyoxigraph nor rdflib can switch SERVICE off, and rdflib fetches FROM
  graphs it does not hold, so the refusal has to come first.
* `QueryRunner` evaluates a checked query within `Limits`: a hard time limit,
  a row cap with truncation reported, a result size cap.  How the time limit
  is enforced depends on the backend:

  - embedded: in a pool of warm worker *processes* that each hold a
    read-only view of the store (`pyoxigraph.Store.read_only`, which works
    while this process holds the writer lock); a worker past its time is
    killed, so the work really stops.  A query runs past 1 s only while it
    holds one of fewer long-query slots than there are workers, so short
    queries always find a worker; each worker's memory is capped.  A
    worker reopens its view when the store's files change, so it never
    serves stale data for long.
  - memory: in a thread of this process (a process cannot share an rdflib
    store); past its time the thread gets an asynchronous exception, which
    stops rdflib's pure-Python evaluator at its next bytecode.
  - sparql: the time limit is the HTTP deadline of the request to the
    server; the server may keep working (configure its own timeout too).
"""
from .answers import Answer, write_ox
from .cancel import Cancel, QueryCancelled
from .catalogue import (DatasetCounts, Example, dataset_counts, examples, service_description,
                        void_description)
from .policy import (
                     CheckedQuery,
                     EngineBusy,
                     Limits,
                     LongQueriesBusy,
                     QueryOutOfMemory,
                     QueryTimeout,
                     QueryTooLarge,
                     UpdateRefused,
                     check_graph_iri,
                     check_query,
                     format_for,
)
from .runner import QueryRunner
from .syntax import QuerySyntaxError

__all__ = ["Answer", "Cancel", "CheckedQuery", "DatasetCounts", "EngineBusy", "Example",
           "Limits", "LongQueriesBusy", "QueryCancelled", "QueryOutOfMemory", "QueryRunner",
           "QuerySyntaxError", "QueryTimeout", "QueryTooLarge", "UpdateRefused",
           "check_graph_iri", "check_query", "dataset_counts", "examples", "format_for",
           "service_description", "void_description", "write_ox"]
