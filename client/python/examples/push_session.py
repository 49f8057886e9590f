"""Starts a session, pushes payloads once a second, then streams a 50 MB one.

Restart the gateway while it runs: the retry policy (RETRY.md) rides it out,
resending each payload with the same id and bytes; the observer prints the
attempts that failed. Usage: python push_session.py HOST:PORT API_KEY
"""
import json
import sys
import time

import session_ingest as si


def report(a: si.Attempt) -> None:
    if a.code != a.code.OK:
        then = "final" if a.backoff is None else f"retry in {a.backoff:.2f}s"
        print(f"  {a.rpc} payload {a.payload_id} attempt {a.attempt}: {a.code.name} {a.details!r}, {then}")


with si.Client(sys.argv[1], sys.argv[2], observer=report) as client:
    session = client.start_session(environment="example")
    print("session", session.id)
    for n in range(1, 11):
        events = json.dumps([{"type": 3, "timestamp": int(time.time() * 1000), "data": {"n": n}}]).encode()
        print("payload", session.push({"events": events}).payload_id, "stored")
        time.sleep(1)
    big = json.dumps([{"type": 3, "timestamp": 0, "data": {"text": "x" * 1000}}] * 49_000).encode()
    result = session.push({"events": big}, has_session_unloaded=True)
    print(f"payload {result.payload_id}: {result.total_bytes} bytes streamed in {result.chunk_count} chunks")
