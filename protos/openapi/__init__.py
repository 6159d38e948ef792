"""The OpenAPI 3.1 document of the JSON/REST API, generated from the descriptor set.

`python -m protos.openapi DESCRIPTORS OUT.json` writes it; `make generate` runs that on
`clients/descriptors/helpdesk.binpb`. The document describes what Envoy's JSON transcoder really
serves (see `schemas` for the JSON mapping and `operations` for the routes).
"""

from protos.openapi.document import build_document

__all__ = ["build_document"]
