"""Property-based fuzzing of the transport-free core (hypothesis).

Whatever a server, a connection form or a DAG author sends, the core either returns a typed value or raises
one of the errors it documents (``DatameerError`` subclasses, ``ValueError``); identifiers become exactly
one URL path segment that decodes back to what was given. The profile and the strategies are in support.py.
"""
