"""``serve --workers N``: N uvicorn workers, each accepting on a listening socket of its own.

uvicorn's multiprocess mode hands all workers one listening socket. A worker's event loop
accepts every connection waiting when it wakes, so the keep-alive connections a client pool (or
a load balancer) opens together all land on whichever worker woke first, and the others idle for
as long as those connections live: 16 of 16 connections on one of two workers, measured with
``tests/app/test_workers.py`` and the benchmark's 16 clients. Here each worker gets its own
socket bound to the same address with ``SO_REUSEPORT``; the kernel spreads new connections
over the sockets by a hash of each connection's addresses.

uvicorn's supervisor still runs the workers (health pings, SIGINT/SIGTERM, SIGHUP restarts,
SIGTTIN/SIGTTOU): only where it starts a worker does a worker get its own socket. The parent
keeps each socket open, so a worker that dies is replaced on the same socket and the
connections queued on it meanwhile are served by the replacement.
"""

from __future__ import annotations

import logging
import socket
import sys

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

logger = logging.getLogger("uvicorn.error")


def spreads_connections() -> bool:
    """Whether the kernel spreads connections over ``SO_REUSEPORT`` sockets: Linux does; macOS
    and the BSDs accept the option without balancing, so there uvicorn's shared socket stays."""
    return sys.platform == "linux"


def _bound(config: Config, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as error:
        sock.close()
        logger.error("cannot listen on %s port %d: %s", config.host, config.port, error)
        raise SystemExit(STARTUP_FAILURE) from error
    return sock


def _worker_socket(config: Config) -> socket.socket:
    sock = _bound(config, reuse_port=True)
    sock.set_inheritable(True)  # the worker (spawned) receives it
    return sock


class SpreadWorkers(Multiprocess):
    """uvicorn's supervisor with one ``SO_REUSEPORT`` socket per worker slot."""

    def __init__(self, config: Config) -> None:
        super().__init__(config, sockets=[])
        # SO_REUSEPORT sockets of one user share a port, so a second ``serve`` started by
        # mistake would quietly share this one's. A plain bind first refuses a port in use,
        # as uvicorn does.
        _bound(config, reuse_port=False).close()
        self.slots: list[socket.socket] = []

    def _start(self, slot: int) -> Process:
        while len(self.slots) <= slot:
            self.slots.append(_worker_socket(self.config))
        process = Process(self.config, [self.slots[slot]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self._start(slot) for slot in range(self.processes_num)]

    def keep_subprocess_alive(self) -> None:
        for slot, process in enumerate(self.processes):
            if self.should_exit.is_set():
                return  # stopping: the workers are being terminated on purpose
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # gone or hung
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                # It failed before serving (app, TLS, settings): a replacement would too.
                logger.error("worker %s failed to start; stopping", process.pid)
                self.should_exit.set()
                return
            logger.info("worker %s died; starting another on its socket", process.pid)
            self.processes[slot] = self._start(slot)

    def restart_all(self) -> None:
        """Replace each worker in turn, the new one serving before the old one stops."""
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._start(slot)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                logger.error("worker %s was not ready in time; restart stopped", new.pid)
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def handle_ttin(self) -> None:
        logger.info("Received SIGTTIN, adding a worker.")
        self.processes.append(self._start(len(self.processes)))
        self.processes_num = len(self.processes)

    def handle_ttou(self) -> None:
        if len(self.processes) <= 1:
            logger.info("Received SIGTTOU with one worker left; keeping it.")
            return
        logger.info("Received SIGTTOU, removing a worker.")
        process = self.processes.pop()
        process.terminate()
        process.join()
        self.slots.pop().close()  # its socket leaves the group with it
        self.processes_num = len(self.processes)
