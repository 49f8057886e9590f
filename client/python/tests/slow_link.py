"""SlowLink: a TCP relay on 127.0.0.1:0 in front of a server (the fake
gateway) that holds the first bytes the server sends on each connection for
`delay` seconds before passing them on: the slow round trip of a distant or
busy gateway, seen by the client as a slow TCP + TLS + HTTP/2 handshake.
Everything else is relayed as it comes, half-closes included.

Each connection gets its own upstream connection and one thread per
direction; stop() closes every connection, cuts a held delay short and joins
every thread. (The C++ SDK's twin: client/cpp/testing/slow_link.h.)
"""

from __future__ import annotations

import selectors
import socket
import threading
from typing import List, Tuple


class SlowLink:
    def __init__(self, upstream_port: int, delay: float) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self._delay = delay
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._sockets: List[socket.socket] = []
        self._threads: List[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._wake_read, self._wake_write = socket.socketpair()
        self.target = "127.0.0.1:%d" % self._listener.getsockname()[1]
        self.connections = 0
        self._acceptor = threading.Thread(target=self._accept_loop, name="slow-link-accept")
        self._acceptor.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake_write.send(b"x")
        self._acceptor.join()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:  # wakes the pumps blocked in recv or sendall
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join()
        for sock in sockets + [self._listener, self._wake_read, self._wake_write]:
            sock.close()

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while True:
                ready: List[Tuple[selectors.SelectorKey, int]] = selector.select()
                if any(key.fileobj is self._wake_read for key, _ in ready):
                    return
                client, _ = self._listener.accept()
                try:
                    server = socket.create_connection(self._upstream)
                except OSError:
                    client.close()  # the client sees the server's refusal as a reset
                    continue
                pumps = [
                    threading.Thread(target=self._pump, args=(client, server, False)),
                    threading.Thread(target=self._pump, args=(server, client, True)),
                ]
                with self._lock:
                    self.connections += 1
                    self._sockets += [client, server]
                    self._threads += pumps
                for pump in pumps:
                    pump.start()

    def _pump(self, source: socket.socket, sink: socket.socket, delay_first: bool) -> None:
        hold = delay_first
        try:
            while True:
                data = source.recv(16 << 10)
                if not data:
                    break
                if hold:
                    hold = False
                    self._stopping.wait(self._delay)
                sink.sendall(data)
        except OSError:
            pass
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass
