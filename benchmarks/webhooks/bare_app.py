"""The floor for benchmarks/webhooks.py: a FastAPI app with one POST route that only answers 200.

Served the way `baton run` serves Baton (core/runtime/runner.py): one uvicorn process, one worker,
uvicorn's default loop and HTTP implementation, access log off, log level warning.

    python benchmarks/webhooks/bare_app.py PORT
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI
from fastapi.responses import Response

app = FastAPI()


@app.post("/hooks/{connector}/{instance}")
async def deliver(connector: str, instance: str) -> Response:
    return Response(status_code=200)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
