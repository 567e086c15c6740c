#!/usr/bin/env python3
"""Run a command on a new pseudo-terminal (its controlling terminal) and drive it.

    ptyrun.py [-t SECONDS] [STEP...] -- CMD [ARG...]

STEP is one of
    -e REGEX   wait until the output so far (after the last match) matches REGEX
    -s TEXT    send TEXT (\\r, \\n, \\t, \\x03... escapes are understood)
    -w SECONDS pause
After the steps, the output is read until the command exits. The whole output is written to
stdout (carriage returns removed); the exit status is the command's (128+N for a signal), or
124 when a step or the command timed out (the command is killed then, and what was read so
far is printed, with a line on stderr saying which step timed out).
"""
import codecs
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time


def main():
    args = sys.argv[1:]
    timeout = 30.0
    steps = []
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "-t":
            timeout = float(args.pop(0))
        elif a in ("-e", "-s", "-w"):
            steps.append((a, args.pop(0)))
        else:
            print(f"ptyrun: unknown option {a}", file=sys.stderr)
            return 2
    if not args or len(args) < 2:
        print("ptyrun: no command after --", file=sys.stderr)
        return 2
    cmd = args[1:]

    pid, fd = pty.fork()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            os.execvp(cmd[0], cmd)
        except OSError as e:
            os.write(2, f"ptyrun: cannot run {cmd[0]}: {e}\n".encode())
        os._exit(127)

    deadline = time.monotonic() + timeout
    out = bytearray()
    mark = 0  # expectations look at the output after the previous match
    eof = False

    def pump(wait):
        nonlocal eof
        if eof:
            return
        r, _, _ = select.select([fd], [], [], wait)
        if not r:
            return
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: every slave end is closed
            data = b""
        if data:
            out.extend(data)
        else:
            eof = True

    def give_up(why):
        print(f"ptyrun: {why}", file=sys.stderr)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        emit()
        return 124

    def emit():
        sys.stdout.write(out.decode("utf-8", "replace").replace("\r", ""))
        sys.stdout.flush()

    for kind, val in steps:
        if kind == "-e":
            rx = re.compile(val.encode())
            while True:
                m = rx.search(out, mark)
                if m:
                    mark = m.end()
                    break
                if eof:
                    return give_up(f"the command closed its terminal before /{val}/")
                if time.monotonic() > deadline:
                    return give_up(f"timed out waiting for /{val}/")
                pump(0.1)
        elif kind == "-s":
            data = codecs.decode(val, "unicode_escape").encode("latin-1")
            os.write(fd, data)
        elif kind == "-w":
            end = time.monotonic() + float(val)
            while time.monotonic() < end:
                pump(0.05)

    while not eof:
        if time.monotonic() > deadline:
            return give_up("timed out waiting for the command to end")
        pump(0.1)
    while True:
        wpid, st = os.waitpid(pid, os.WNOHANG)
        if wpid == pid:
            break
        if time.monotonic() > deadline:
            return give_up("the command closed its terminal but did not exit")
        time.sleep(0.05)
    emit()
    if os.WIFSIGNALED(st):
        return 128 + os.WTERMSIG(st)
    return os.WEXITSTATUS(st)


if __name__ == "__main__":
    sys.exit(main())
