"""The API's ceiling: a bare FastAPI app returning a constant JSON body, served like `claims serve`.

Usage: .venv/bin/python bench/bare_app.py --port 8765 [--log-level warning]
Same server settings as `claims serve` (uvicorn.run, one process, default loop and HTTP implementation:
uvloop and httptools, both dependencies), so the ratio of our endpoint to this one is the cost of our code,
not of the server.
"""

from __future__ import annotations

import argparse

BODY = {"id": "c-000000000000", "statement": "DeepSeek GPU count: about 50,000 GPUs", "status": "disputed"}


def create_bare_app():  # type: ignore[no-untyped-def]
    """A FastAPI app with one route, GET /api/bare, returning a constant JSON body."""
    from fastapi import FastAPI  # noqa: PLC0415

    app = FastAPI()

    @app.get("/api/bare")
    def bare() -> dict[str, str]:
        return BODY

    return app


def main() -> None:
    import uvicorn  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    uvicorn.run(create_bare_app(), host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
