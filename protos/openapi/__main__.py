"""`python -m protos.openapi DESCRIPTORS OUT`: writes the OpenAPI document of a descriptor set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from protos.openapi.document import build_document


def render(descriptors: Path) -> str:
    """The document as stable, diff-friendly JSON text."""
    return json.dumps(build_document(descriptors.read_bytes()), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("descriptors", type=Path, help="a FileDescriptorSet with imports and source info")
    parser.add_argument("output", type=Path, help="where to write the OpenAPI JSON document")
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(args.descriptors))


if __name__ == "__main__":
    main()
