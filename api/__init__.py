"""The programme's machine interfaces: the REST API (/api/v1/), its OpenAPI schema, the
Open311 GeoReport v2 endpoint (/open311/v2/) and the tokens and keys they accept.

This app sits on top of the domain apps and writes nothing of its own domain: every read
starts from the same selectors as the pages, every change calls the same services and
workflow functions (docs/api.md).
"""
