#!/usr/bin/env python3
"""Peak memory and liveness of `nnzero serve` under hostile clients (issue 26, item 1).

    python3 docs/lab/harnesses/server_load.py NNZERO_BINARY [--files 1024] [--address-space MIB]

Starts `NNZERO serve` on a tiny model under `ulimit -n FILES` (and `ulimit -v`, as on a Pi with
little memory, if given) for each scenario, and reports
the server's peak resident memory (VmHWM) and how `/api/state` answers meanwhile:

  stalled   200 connections each declaring a 10 MiB body, sending 9 MiB of it, then stalling
  uploads   100 connections each sending a whole 10 MiB body as fast as they can
  idle      1,100 connections that send nothing (and 100 more with half a header)
  answers   250 connections each asking a 784-400-10 model for /api/weights?count=400 (about
            2 MB of JSON) and never reading it (each with a small receive buffer)

Prints one line a scenario. Needs nothing beyond Python's standard library.
"""
import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time

MIB = 1 << 20


def status_of(sock_file):
    try:
        return int(sock_file.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def get_state(port, timeout=10.0):
    """(status or None, seconds) of GET /api/state on a new connection."""
    t = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        s.settimeout(timeout)
        s.sendall(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = s.recv(64)
        s.close()
        return status_of(data), time.monotonic() - t
    except OSError:
        return None, time.monotonic() - t


def vm(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024  # MiB
    return 0


LIMITS = ""


def start(binary, model, files, port):
    cmd = ["sh", "-c", f'ulimit -n {files} {LIMITS}&& exec "$0" "$@"', binary, "serve", "--model",
           model, "--web", f"127.0.0.1:{port}"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if get_state(port, 0.5)[0] == 200:
            return p
        time.sleep(0.1)
    p.kill()
    sys.exit("the server did not start")


def probes(port, n=5):
    out = [get_state(port) for _ in range(n)]
    ok = sum(1 for s, _ in out if s == 200)
    slowest = max(t for _, t in out)
    return f"/api/state {ok}/{n} answered 200, slowest {slowest:.2f} s"


def upload(port, declared, send, results, hold):
    """Sends a header declaring `declared` bytes and `send` of them; keeps the socket in `hold`."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.settimeout(30)
        hold.append(s)
        s.sendall(b"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Length: %d\r\n\r\n" % declared)
        chunk = b"\0" * MIB
        sent = 0
        while sent < send:
            s.sendall(chunk[: min(MIB, send - sent)])
            sent += min(MIB, send - sent)
        results.append(("sent", None))
        if declared == send:
            results.append(("status", status_of(s.recv(64))))
    except OSError as e:
        results.append(("refused", str(e)))


def scenario_uploads(binary, model, files, port, count, declared, send, label):
    p = start(binary, model, files, port)
    hold, results = [], []
    threads = [threading.Thread(target=upload, args=(port, declared, send, results, hold))
               for _ in range(count)]
    for t in threads:
        t.start()
    time.sleep(3)
    live = probes(port)
    for t in threads:
        t.join(timeout=60)
    peak = vm(p.pid, "VmHWM")
    alive = p.poll() is None
    statuses = {}
    for kind, v in results:
        if kind == "status":
            statuses[v] = statuses.get(v, 0) + 1
        elif kind == "refused":
            statuses["cut off"] = statuses.get("cut off", 0) + 1
    for s in hold:
        s.close()
    p.kill()
    p.wait()
    print(f"{label}: peak RSS {peak} MiB; {live}; server up: {alive}; answers {statuses}",
          flush=True)


def measure_and_stop(p, port, hold):
    """Probes /api/state, reads the peak memory, then closes `hold` and stops the server."""
    live = probes(port)
    peak = vm(p.pid, "VmHWM")
    alive = p.poll() is None
    for s in hold:
        s.close()
    p.kill()
    p.wait()
    return f"peak RSS {peak} MiB; {live}; server up: {alive}"


def scenario_idle(binary, model, files, port, count, half):
    p = start(binary, model, files, port)
    hold = []
    for i in range(count + half):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            if i >= count:
                s.sendall(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            hold.append(s)
        except OSError:
            pass
    time.sleep(1)
    print(f"idle: {len(hold)} connections opened; {measure_and_stop(p, port, hold)}", flush=True)


def scenario_answers(binary, model, files, port, count):
    p = start(binary, model, files, port)
    hold = []
    for _ in range(count):
        try:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.settimeout(2)
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /api/weights?count=400 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            hold.append(s)
        except OSError:
            pass
    time.sleep(10)
    print(f"answers: {len(hold)} connections asked; {measure_and_stop(p, port, hold)}",
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--files", type=int, default=1024)
    ap.add_argument("--port", type=int, default=18931)
    ap.add_argument("--address-space", type=int, metavar="MIB")
    ap.add_argument("--only", help="run only this scenario")
    args = ap.parse_args()
    global LIMITS
    if args.address_space:
        LIMITS = f"&& ulimit -v {args.address_space * 1024} "
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    d = tempfile.mkdtemp()
    model = os.path.join(d, "m.nnz")
    subprocess.run([args.binary, "train", "--limit", "100", "--epochs", "1", "--hidden", "10",
                    "--save", model], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    # 400 hidden nodes for the answers: 400 weight tiles to ask for.
    wide = os.path.join(d, "wide.nnz")
    subprocess.run([args.binary, "train", "--limit", "100", "--epochs", "1", "--hidden", "400",
                    "--save", wide], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    b, f, port = args.binary, args.files, args.port
    runs = {
        "stalled": lambda: scenario_uploads(b, model, f, port, 200, 10 * MIB, 9 * MIB,
                                            "stalled"),
        "uploads": lambda: scenario_uploads(b, model, f, port + 1, 100, 10 * MIB, 10 * MIB,
                                            "uploads"),
        "idle": lambda: scenario_idle(b, model, f, port + 2, 1100, 100),
        "answers": lambda: scenario_answers(b, wide, f, port + 3, 250),
    }
    for name, run in runs.items():
        if args.only in (None, name):
            run()


if __name__ == "__main__":
    main()
