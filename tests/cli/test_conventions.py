"""CLI conventions: --version, help [COMMAND], bundled short flags (-qj), `--`,
NO_COLOR and --color, colour of the action in check; the man pages and the
bash completion are made from the same option tables as --help (no drift,
and the files the build installs are what the program prints); the CLI
includes only the public header; one error -> exit mapping (out of memory
and I/O are 4, data problems 3, usage 2)."""
import glob
import os
import re
import subprocess
import sys
import tempfile

EXE = os.environ["EXPORTSCREEN"]
SRC = os.environ["ES_SOURCE_DIR"]
BUILD = os.environ["ES_BUILD_DIR"]
FAILS = []
DATA = tempfile.mkdtemp(prefix="es-conv-test-")


def run(args, stdin=None, env_extra=None):
    env = dict(os.environ)
    env["EXPORTSCREEN_DATA"] = DATA
    env.pop("NO_COLOR", None)
    env.update(env_extra or {})
    p = subprocess.run([EXE] + args, input=stdin, capture_output=True, env=env, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


# --version and version agree
rc, out, _ = run(["--version"])
check(rc == 0 and re.fullmatch(r"exportscreen \d+\.\d+\.\d+\n", out), "--version: %r" % out)
rc2, out2, _ = run(["version"])
check(out == out2, "--version == version")

# help, help COMMAND == COMMAND --help, unknown command is a usage error
rc, cmds, _ = run(["help", "--commands"])
commands = cmds.split()
check({"check", "filter", "fetch", "lists", "compare", "show", "version", "help"} <= set(commands), "commands %s" % commands)
rc, top, _ = run(["help"])
rc2, top2, _ = run(["--help"])
check(rc == 0 and top == top2 and all(c in top for c in commands), "help == --help, names every command")
for c in commands:
    rc, a, _ = run(["help", c])
    rc2, b, _ = run([c, "--help"])
    check(rc == 0 and rc2 == 0 and a == b and a.startswith("usage: exportscreen " + c), "help %s == %s --help" % (c, c))
rc, _, err = run(["help", "nosuch"])
check(rc == 2 and "unknown command 'nosuch'" in err, "help of an unknown command: exit 2")


def help_options(text):
    """(short, long, arg, help) of every option line --help prints"""
    opts = []
    for line in text.splitlines():
        m = re.match(r"^  (?:-(\w), )?--([a-z-]+)(?: (\S+))?\s+(.*)$", line)
        if m:
            opts.append(m.groups())
    return opts


def man_text(page):
    """roff without escapes: what a reader sees, modulo layout"""
    t = page.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
    return re.sub(r"\s+", " ", t)


# man pages: every option of --help, with its help text, in the page of its
# command, and the installed files equal what the program prints
for c in commands + [None]:
    args = ["help", "--man"] + ([c] if c else [])
    rc, page, _ = run(args)
    check(rc == 0 and page.startswith(".TH EXPORTSCREEN"), "man page of %s" % c)
    fname = os.path.join(BUILD, "man", "exportscreen%s.1" % ("-" + c if c else ""))
    with open(fname, encoding="utf-8") as f:
        check(f.read() == page, "%s is what 'help --man' prints (no drift)" % fname)
    _, h, _ = run(["help"] + ([c] if c else []))
    seen = man_text(page)
    for short, long_, arg, text in help_options(h):
        left = ("-%s, " % short if short else "") + "--" + long_ + (" " + arg if arg else "")
        check(left in seen, "man %s has %s" % (c, left))
        check(re.sub(r"\s+", " ", text) in seen, "man %s has the help of --%s" % (c, long_))
    if c:
        check(len(help_options(h)) >= 5, "help %s lists its and the global options" % c)
check(sorted(os.path.basename(p) for p in glob.glob(os.path.join(BUILD, "man", "*.1"))) ==
      sorted(["exportscreen.1"] + ["exportscreen-%s.1" % c for c in commands]), "one man page per command")

# bash completion: generated, installed file equal, names commands and options
rc, comp, _ = run(["help", "--bash-completion"])
with open(os.path.join(BUILD, "completion", "exportscreen"), encoding="utf-8") as f:
    check(f.read() == comp, "completion file is what the program prints")
check("complete -F _exportscreen exportscreen" in comp and "--threshold" in comp and "--allow-stale" in comp,
      "completion names options")
p = subprocess.run(["bash", "-n"], input=comp.encode(), capture_output=True)
check(p.returncode == 0, "completion is valid bash: %s" % p.stderr.decode())
script = comp + '\nCOMP_WORDS=(exportscreen ch); COMP_CWORD=1; _exportscreen; echo "${COMPREPLY[@]}"\n' \
    'COMP_WORDS=(exportscreen check --thr); COMP_CWORD=2; _exportscreen; echo "${COMPREPLY[@]}"\n'
p = subprocess.run(["bash", "-c", script], capture_output=True)
lines = p.stdout.decode().splitlines()
check(len(lines) == 2 and lines[0] == "check" and lines[1] == "--threshold", "completion completes: %s" % lines)

# bundled short flags: -qj == -q -j == --quiet --json; mixed with a value flag
rc, a, ea = run(["check", "-qj", "ATWA, Ali"])
rc2, b, eb = run(["-q", "check", "-j", "ATWA, Ali"])
check(rc == 1 and a == b and a.startswith('{"query"') and ea == "", "-qj bundles quiet and json (%r)" % ea)
rc, a, _ = run(["-jq", "check", "ATWA, Ali"])
check(rc == 2, "-j before the command is not a global flag (rc=%d)" % rc)
rc, out, err = run(["filter", "-qfjsonl", "--allow-stale"], stdin=b'{"order_id":"1","parties":[{"role":"buyer","name":"Alpen Netz GmbH","country":"DE"},{"role":"end_user","name":"Alpen Netz GmbH","country":"DE","type":"commercial"}],"items":[{"eccn":"EAR99"}],"destination":"DE"}\n')
check(rc == 0 and '"decision":"CLEAR"' in out and err == "", "-qfjsonl: quiet, format jsonl (rc=%d %s)" % (rc, err))
rc, _, err = run(["check", "-qz", "x"])
check(rc == 2 and "unknown option '-qz'" in err, "an unknown letter in a bundle is a usage error")

# "--" ends the options: a name that starts with a dash
rc, out, _ = run(["-q", "check", "-j", "--", "--json"])
check(rc == 0 and '"query":"--json"' in out, "-- then a name that looks like an option")

# colour: the action is coloured with --color always, never with NO_COLOR / never
rc, out, _ = run(["-q", "--color", "always", "check", "BANCO NACIONAL DE CUBA"])
check("\033[1;31mPROHIBITED" in out, "check colours the PROHIBITED action")
rc, out, _ = run(["-q", "--color", "always", "check", "Huawei Technologies Co Ltd"])
check("\033[1;35mLICENSE_REQUIRED" in out, "check colours LICENSE_REQUIRED")
rc, out, _ = run(["-q", "check", "BANCO NACIONAL DE CUBA"], env_extra={"NO_COLOR": "1"})
check("\033[" not in out, "NO_COLOR: no escape codes")
rc, out, _ = run(["-q", "--color=never", "check", "BANCO NACIONAL DE CUBA"])
check("\033[" not in out, "--color=never")
rc, _, err = run(["--color", "sometimes", "check", "x"])
check(rc == 2, "--color sometimes is a usage error")

# the CLI includes only the public header
for path in glob.glob(os.path.join(SRC, "src", "cli", "*.[ch]")):
    with open(path, encoding="utf-8") as f:
        incs = re.findall(r'^#include "([^"]+)"', f.read(), re.M)
    bad = [i for i in incs if i != "exportscreen.h" and not re.match(r"cli(_\w+)?\.h$", i)]
    check(not bad, "%s includes only exportscreen.h (and the CLI's own cli*.h): %s" % (os.path.basename(path), bad))

# one error -> exit mapping: a damaged list set is 3 for every command that reads lists
with tempfile.TemporaryDirectory() as t:
    lists = os.path.join(t, "lists")
    subprocess.run(["cp", "-r", os.path.join(SRC, "lists"), lists], check=True)
    os.remove(os.path.join(lists, "manifest.json"))
    for args in (["check", "x"], ["compare", "a", "b"], ["lists"], ["show", "ofac_sdn", "306"]):
        rc, _, err = run(args, env_extra={"EXPORTSCREEN_LISTS_DIR": lists})
        check(rc == 3 and "manifest.json" in err, "%s with no manifest: exit 3 (rc=%d)" % (args[0], rc))
    rc, _, _ = run(["filter"], stdin=b"", env_extra={"EXPORTSCREEN_LISTS_DIR": lists})
    check(rc == 3, "filter with no manifest: exit 3")

print("%d failure(s)" % len(FAILS))
subprocess.run(["rm", "-rf", DATA])
sys.exit(1 if FAILS else 0)
