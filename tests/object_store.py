"""A real S3 API on localhost (moto's server, in a thread of the test process), for the
object-store tests: `s3_store` gives a fresh bucket's URL and points fsspec's S3 filesystem
(s3fs) at the server through the environment, as a user points it at an S3-compatible store
(`FSSPEC_S3_ENDPOINT_URL`, `AWS_*`; lib/storage.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import fsspec
import pytest


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_store(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """`s3://<a new bucket>`: empty, reachable by s3fs with the test's environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("FSSPEC_S3_ENDPOINT_URL", s3_endpoint)
    # fsspec reads FSSPEC_* when it is imported; the test's value must win over that
    monkeypatch.setitem(fsspec.config.conf, "s3", {"endpoint_url": s3_endpoint})
    fsspec.filesystem("s3").clear_instance_cache()
    bucket = f"crmwh-{uuid.uuid4().hex[:12]}"
    fsspec.filesystem("s3", skip_instance_cache=True).mkdir(bucket)
    return f"s3://{bucket}"
