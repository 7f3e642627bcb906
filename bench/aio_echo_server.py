"""A tiny grpc.aio server with DiagnosticsService.Echo only, to compare the aio model with the
synchronous thread-pool model in the same harness (bench/compare_servers.py).

Standalone::

    PYTHONPATH=client:service .venv/bin/python bench/aio_echo_server.py --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio

import harness  # noqa: F401  (import paths)
import grpc
from knownparty_client._generated import diagnostics_pb2, diagnostics_pb2_grpc


class AioDiagnostics(diagnostics_pb2_grpc.DiagnosticsServiceServicer):
    async def Echo(self, request, context):
        return diagnostics_pb2.EchoResponse(payload=request.payload)


async def start(listen: str = "127.0.0.1:0") -> tuple[grpc.aio.Server, int]:
    server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    diagnostics_pb2_grpc.add_DiagnosticsServiceServicer_to_server(AioDiagnostics(), server)
    port = server.add_insecure_port(listen)
    if port == 0:
        raise RuntimeError(f"could not listen on {listen}")
    await server.start()
    return server, port


async def _main(seconds: float) -> None:
    server, port = await start()
    print(f"aio echo server on 127.0.0.1:{port} for {seconds:g} s", flush=True)
    try:
        await server.wait_for_termination(timeout=seconds)
    finally:
        await server.stop(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="grpc.aio echo server on 127.0.0.1 for a bounded time")
    parser.add_argument("--seconds", type=float, default=60.0)
    asyncio.run(_main(parser.parse_args().seconds))
