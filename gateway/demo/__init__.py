"""`acorn demo`: the gateway, a worker, a simulated retailer (AS2, Amazon-style X12) and a simulated internal system.

Layout: ``setup`` prepares the data directory (keys, partner profile, database, login, token), ``retailer`` and
``internal`` are the two simulated counterparts, ``replies`` builds the internal system's answers, ``processes``
starts and stops `acorn serve` and `acorn worker`, ``progress`` reads the order cycle from the store and
``runner`` ties them together. See docs/demo.md.
"""
