"""tmuxpane.py: one program in a detached tmux session on a private tmux server (-L, a name
of its own), so a test never touches anyone's tmux. Keys go in with send-keys; the screen
comes back with capture-pane -e (the attribute escapes tmux keeps for each cell), or as a
person reads it, without them. remain-on-exit keeps a program's last screen and its exit
status readable after it ends.
"""

import os
import re
import shlex
import subprocess
import time

SGR = re.compile(r"\x1b\[[0-9;:]*m")


class Pane:
    def __init__(self, base, name, argv, env, cols=80, rows=24, session="p", raw=False):
        """Runs argv with exactly the environment env (env -i) in a cols x rows pane; the
        tmux configuration goes to base/<name>.tmux.conf. With raw, everything the program
        writes is also kept in base/<name>.raw (pipe-pane): tmux obeys some sequences (OSC,
        C1) without showing them, so only the raw copy can prove they were never sent."""
        self.name = name
        self.session = session
        self.conf = os.path.join(base, name + ".tmux.conf")
        # No status line: the pane is the whole window. remain-on-exit: a program that ends
        # leaves its last screen to read (and pane_dead says so).
        with open(self.conf, "w") as f:
            f.write("set -g status off\nset -g remain-on-exit on\n"
                    "set -g default-terminal screen\nset -g history-limit 0\n")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
        self.env["LANG"] = "C.UTF-8"
        self.env.pop("LC_ALL", None)
        cmd = "exec env -i " + " ".join(shlex.quote("%s=%s" % kv) for kv in sorted(env.items()))
        cmd += " " + " ".join(shlex.quote(a) for a in argv)
        self.tmux("new-session", "-d", "-s", session, "-x", str(cols), "-y", str(rows), cmd)
        pid, self.socket = self.tmux("display-message", "-p", "-t", session,
                                     "#{pane_pid} #{socket_path}").strip().split(" ", 1)
        self.pid = int(pid)
        self.raw = None
        if raw:
            self.raw = os.path.join(base, name + ".raw")
            open(self.raw, "wb").close()
            self.tmux("pipe-pane", "-O", "-t", session, "cat >>" + shlex.quote(self.raw))
        self.last = self.shown = ""

    def tmux(self, *args, check=True):
        r = subprocess.run(["tmux", "-u", "-L", self.name, "-f", self.conf] + list(args),
                           env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30)
        if check and r.returncode != 0:
            raise RuntimeError("tmux %s: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
        return r.stdout.decode("utf-8", errors="replace")

    def keys(self, *keys):
        """tmux key names: 'Enter', 'Tab', 'Escape', 'q', ..."""
        self.tmux("send-keys", "-t", self.session, *keys)

    def type(self, text):
        """Literal text, as typed."""
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def screen(self):
        """The pane with its attribute escapes (capture-pane -e)."""
        self.last = self.tmux("capture-pane", "-p", "-e", "-t", self.session)
        return self.last

    def text(self):
        """The pane as a person reads it."""
        self.shown = SGR.sub("", self.screen())
        return self.shown

    def lines(self):
        return self.text().split("\n")

    def wait_for(self, what, timeout=15, gone=False):
        """Polls until what (a substring, a compiled regex, or a function of the text)
        shows (or, with gone, no longer shows); returns the text, or None."""
        end = time.time() + timeout
        while True:
            s = self.text()
            if callable(what):
                hit = what(s)
            elif isinstance(what, str):
                hit = what in s
            else:
                hit = what.search(s) is not None
            if bool(hit) != gone:
                return s
            if time.time() >= end:
                return None
            time.sleep(0.1)

    def dead(self):
        """Whether the program has ended. (Its exit status, #{pane_dead_status}, is not
        reliable: tmux 3.3a was seen to leave an ended program unreaped, a zombie, with the
        pane marked dead and no status; run the program under sh and print $? instead.)"""
        return self.tmux("display-message", "-p", "-t", self.session, "#{pane_dead}",
                         check=False).strip() == "1"

    def alive(self):
        return self.tmux("display-message", "-p", "-t", self.session, "#{pane_dead}",
                         check=False).strip() == "0"

    def resize(self, cols, rows):
        self.tmux("resize-window", "-t", self.session, "-x", str(cols), "-y", str(rows))

    def size(self):
        out = self.tmux("display-message", "-p", "-t", self.session,
                        "#{pane_width} #{pane_height}")
        return tuple(int(x) for x in out.split())

    def exit_status(self, timeout=5):
        """The program's exit status once it has ended, else None. tmux marks the pane dead
        when its terminal closes and learns the status when it reaps the child; tmux 3.3a
        is sometimes not told (the child stays a zombie), so the status is also read where
        the kernel keeps it for a zombie (/proc/PID/stat, field 52)."""
        end = time.time() + timeout
        while True:
            out = self.tmux("display-message", "-p", "-t", self.session,
                            "#{pane_dead} #{pane_dead_status}", check=False).split()
            if len(out) == 2 and out[0] == "1":
                return int(out[1])
            try:
                with open("/proc/%d/stat" % self.pid) as f:
                    st = f.read().rsplit(")", 1)[1].split()
                if st[0] == "Z" and len(st) >= 50:
                    return (int(st[49]) >> 8) & 0xff if int(st[49]) & 0x7f == 0 else -1
            except (OSError, ValueError):
                pass
            if time.time() >= end:
                return None
            time.sleep(0.05)

    def title(self):
        return self.tmux("display-message", "-p", "-t", self.session, "#{pane_title}").strip()

    def buffers(self):
        """tmux paste buffers: an OSC 52 the program passed on would have made one."""
        return self.tmux("list-buffers", check=False).strip()

    def kill(self):
        """Ends the tmux server and removes its socket (tmux leaves it behind)."""
        sock = self.tmux("display-message", "-p", "#{socket_path}", check=False).strip()
        self.tmux("kill-server", check=False)
        if sock.startswith("/") and os.path.basename(sock) == self.name:
            try:
                os.unlink(sock)
            except OSError:
                pass
