"""The hook against a misbehaving HTTP server of our own (:mod:`tests.hostile.server`), on both transports.

Memory and time are proven cheaply: by the error a call raises (which says how much it read, or that it
gave up at the deadline) and by generous "did not hang" bounds, never by measuring RSS.
"""
