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
    def __init__(self, base, name, argv, env, cols=80, rows=24):
        """Runs argv with exactly the environment env (env -i) in a cols x rows pane; the
        tmux configuration goes to base/<name>.tmux.conf."""
        self.name = name
        self.conf = os.path.join(base, name + ".tmux.conf")
        with open(self.conf, "w") as f:
            f.write("set -g status off\nset -g remain-on-exit on\n"
                    "set -g default-terminal screen\nset -g history-limit 0\n")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
        cmd = "exec env -i " + " ".join(shlex.quote("%s=%s" % kv) for kv in sorted(env.items()))
        cmd += " " + " ".join(shlex.quote(a) for a in argv)
        self.tmux("new-session", "-d", "-s", "p", "-x", str(cols), "-y", str(rows), cmd)
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
        self.tmux("send-keys", "-t", "p", *keys)

    def type(self, text):
        """Literal text, as typed."""
        self.tmux("send-keys", "-t", "p", "-l", text)

    def screen(self):
        """The pane with its attribute escapes (capture-pane -e)."""
        self.last = self.tmux("capture-pane", "-p", "-e", "-t", "p")
        return self.last

    def text(self):
        """The pane as a person reads it."""
        self.shown = SGR.sub("", self.screen())
        return self.shown

    def wait_for(self, what, timeout=15):
        """Polls until what (a substring, a compiled regex, or a function of the text)
        shows; returns the text, or None."""
        end = time.time() + timeout
        while True:
            s = self.text()
            if callable(what):
                hit = what(s)
            elif isinstance(what, str):
                hit = what in s
            else:
                hit = what.search(s) is not None
            if hit:
                return s
            if time.time() >= end:
                return None
            time.sleep(0.1)

    def dead(self):
        """Whether the program has ended. (Its exit status, #{pane_dead_status}, is not
        reliable: tmux 3.3a was seen to leave an ended program unreaped, a zombie, with the
        pane marked dead and no status; run the program under sh and print $? instead.)"""
        return self.tmux("display-message", "-p", "-t", "p", "#{pane_dead}",
                         check=False).strip() == "1"

    def kill(self):
        """Ends the tmux server and removes its socket (tmux leaves it behind)."""
        sock = self.tmux("display-message", "-p", "#{socket_path}", check=False).strip()
        self.tmux("kill-server", check=False)
        if sock.startswith("/") and os.path.basename(sock) == self.name:
            try:
                os.unlink(sock)
            except OSError:
                pass
