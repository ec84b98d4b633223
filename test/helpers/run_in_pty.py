"""Runs a command in a pseudo-terminal of a given size, as a person's terminal would.

usage: python3 run_in_pty.py COLS ROWS COMMAND [ARG...]

Bytes the command writes to the terminal come out on this script's stdout, unchanged; bytes written to
this script's stdin are typed into the terminal (so "\x03" is Ctrl-C: the terminal's line discipline turns
it into SIGINT for the command, exactly as at a keyboard). SIGHUP to this script closes the terminal, as
closing its window does: the kernel then hangs up the command (SIGHUP to its process group). Exits with
the command's exit code, or 128 + the signal number when a signal ended it. Used by
test/helpers/terminal.ts.
"""
import errno
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios

cols, rows, command = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]

pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class HangUp(Exception):
    pass


def hang_up(_signum, _frame):
    raise HangUp()


def relay():
    """Copies the terminal's output to stdout and stdin to the terminal until the command closes it."""
    stdin_open = True
    out = sys.stdout.buffer
    while True:
        readers = [fd] + ([0] if stdin_open else [])
        try:
            ready, _, _ = select.select(readers, [], [])
        except InterruptedError:
            continue
        if 0 in ready:
            data = os.read(0, 1024)
            if data:
                os.write(fd, data)
            else:
                stdin_open = False
        if fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                data = b""
            if not data:
                return
            out.write(data)
            out.flush()


signal.signal(signal.SIGHUP, hang_up)
try:
    relay()
except HangUp:
    os.close(fd)

_, status = os.waitpid(pid, 0)
if os.WIFSIGNALED(status):
    sys.exit(128 + os.WTERMSIG(status))
sys.exit(os.WEXITSTATUS(status))
