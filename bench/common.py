"""What the bench/bench_*.sh scripts share on the Python side.

From the shell (bench/common.sh wraps these):
  python3 bench/common.py time [OPTIONS] NAME RUNS WARMUP CMD...
      time CMD (hyperfine or a subprocess + perf_counter loop, stdout discarded); print
      "NAME<TAB>median s<TAB>runs<TAB>user s<TAB>sys s" (user and sys: mean CPU seconds a run)
      --prog P      name the caller in messages
      --hyperfine   time with hyperfine (-N --style basic, its report on stderr), not the loop
      --quiet       the loop discards the command's stderr too
      --accept-1    exit status 1 is accepted (hyperfine -i; the exit codes are checked afterwards)
      --width N     name column width in the loop's one-line summary on stderr (default 10)
      --fresh FILE  before every run (warm-up runs included) FILE is removed and sync run, untimed;
                    FILE is removed at the end
  python3 bench/common.py peak [--status] [--anon] OUT CMD...
      run CMD once with stdout to OUT; print its max RSS in KB (mapped file pages included);
      --status: print the exit status first and accept any (else a failure is an error);
      --anon: also sample its RssAnon every 5 ms, and print the peak (KB) and the wall seconds after it

From the report code of a script (run by `report` in common.sh with bench/ on PYTHONPATH):
  import common
  common.read_medians(path), common.read_tsv(path), common.print_verdicts(verdicts, met),
  common.md_table(columns, fmt, rows), common.goals_block(goals, verdicts, met, problem),
  common.write_section(name, lines)
"""
import json
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")
FRESH = 'rm -f -- "$1" && sync'  # sh -c script: remove the previous output, write back what is dirty


def read_tsv(path):
    """The rows of a tab-separated file, as lists of strings."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f]


def read_medians(path):
    """The file time_cmd appends to: dicts name -> median s, runs, mean user s, mean sys s."""
    t, runs, usr, sy = {}, {}, {}, {}
    for name, med, n, u, s in read_tsv(path):
        t[name], runs[name], usr[name], sy[name] = float(med), int(n), float(u), float(s)
    return t, runs, usr, sy


def md_table(columns, fmt, rows):
    """A Markdown table: the column titles, the % format of a row ("| %s | %d | ... |") and the rows.
    The leading %s columns (names) are aligned left, the rest (figures) right."""
    cells = [c.strip() for c in fmt.strip().strip("|").split("|")]
    names = next((i for i, c in enumerate(cells) if c != "%s"), len(cells))
    return (["| %s |" % " | ".join(columns), "|%s|" % "|".join("---" if i < names else "---:" for i in range(len(columns)))]
            + [fmt % r for r in rows])


def print_verdicts(verdicts, met):
    """The verdicts on stdout (without Markdown's backquotes), then "all goals: met" or "all goals: NOT met"."""
    for v in verdicts:
        print(v.replace("`", ""))
    print("all goals: %s" % ("met" if met else "NOT met"))


def goals_block(goals, verdicts, met, problem=None):
    """How a section ends: the goals, a bullet for each verdict, the result (and PROBLEM, a failed
    check, after it), blank lines between."""
    result = "Result: %s." % ("all goals met" if met else "NOT all goals met") + (" " + problem if problem else "")
    return ["", goals, ""] + ["- %s." % v for v in verdicts] + ["", result, ""]


def write_section(name, lines, results=RESULTS):
    """Replace the "## NAME" section of bench/RESULTS.md with LINES (added at the end if missing),
    keeping the others."""
    section = "\n".join(lines)
    text = open(results, encoding="utf-8").read() if os.path.exists(results) else "# Benchmarks\n\n"
    m = re.search(r"^## %s[ \t]*$" % re.escape(name), text, flags=re.M)
    if m:
        nxt = re.search(r"^## ", text[m.end():], flags=re.M)
        end = m.end() + nxt.start() if nxt else len(text)
        text = text[:m.start()] + section + ("\n" if nxt else "") + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(results + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(results + ".tmp", results)


def _options(argv, flags, valued):
    """Leading --options of argv: returns (dict, the rest)."""
    opts = {}
    while argv and argv[0].startswith("--"):
        o = argv.pop(0)
        if o in flags:
            opts[o] = True
        elif o in valued:
            opts[o] = argv.pop(0)
        else:
            sys.exit("common.py: unknown option %s" % o)
    return opts, argv


def _time(argv):
    opts, argv = _options(argv, {"--hyperfine", "--quiet", "--accept-1"}, {"--prog", "--width", "--fresh"})
    prog, fresh = opts.get("--prog", "bench"), opts.get("--fresh")
    name, runs, warm, cmd = argv[0], int(argv[1]), int(argv[2]), argv[3:]
    ok = (0, 1) if "--accept-1" in opts else (0,)
    if "--hyperfine" in opts:
        with tempfile.TemporaryDirectory() as d:
            js = os.path.join(d, "h.json")
            hf = ["hyperfine", "-N"] + (["-i"] if "--accept-1" in opts else []) + [
                "--style", "basic", "--warmup", str(warm), "--runs", str(runs), "--export-json", js]
            if fresh:
                hf += ["--prepare", shlex.join(["sh", "-c", FRESH, "sh", fresh])]
            rc = subprocess.run(hf + ["-n", name, shlex.join(cmd)], stdout=sys.stderr).returncode
            if rc != 0:  # its own exit status, as when the shell ran it
                print("%s: %s: hyperfine failed (exit status %d)" % (prog, name, rc), file=sys.stderr)
                sys.exit(rc)
            r = json.load(open(js))["results"][0]
        bad = [c for c in (r.get("exit_codes") or []) if c not in ok]
        if bad:
            sys.exit("%s: %s: exit status %s in a timed run" % (prog, name, bad[0]))
        med, usr, sy = r["median"], r["user"], r["system"]
    else:
        err = subprocess.DEVNULL if "--quiet" in opts else None

        def run():
            if fresh:
                subprocess.run(["sh", "-c", FRESH, "sh", fresh], check=True)
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=err).returncode
            t = time.perf_counter() - t
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            if rc not in ok:
                sys.exit("%s: %s: exit status %d in a timed run" % (prog, name, rc))
            return t, r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime
        for _ in range(warm):
            run()
        ts = [run() for _ in range(runs)]
        w = [x[0] for x in ts]
        med, usr, sy = statistics.median(w), statistics.mean(x[1] for x in ts), statistics.mean(x[2] for x in ts)
        print("  %-*s median %.4f s  min %.4f  max %.4f" % (int(opts.get("--width", 10)), name, med, min(w), max(w)),
              file=sys.stderr)
    if fresh:
        subprocess.run(["rm", "-f", "--", fresh], check=True)
    print("%s\t%r\t%d\t%r\t%r" % (name, med, runs, usr, sy))


def _peak(argv):
    opts, argv = _options(argv, {"--status", "--anon"}, set())
    out, cmd = argv[0], argv[1:]
    anon = 0
    t = time.perf_counter()
    with open(out, "wb") as f:
        p = subprocess.Popen(cmd, stdout=f)
        if "--anon" in opts:
            status = "/proc/%d/status" % p.pid
            while p.poll() is None:
                try:
                    for line in open(status):
                        if line.startswith("RssAnon:"):
                            anon = max(anon, int(line.split()[1]))
                except (OSError, ValueError):
                    pass
                time.sleep(0.005)
        else:
            p.wait()
    secs = time.perf_counter() - t
    if p.returncode != 0 and "--status" not in opts:
        sys.exit("exit status %d" % p.returncode)
    fields = [str(p.returncode)] if "--status" in opts else []
    fields.append(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
    if "--anon" in opts:
        fields += [str(anon), "%.3f" % secs]
    print("\t".join(fields))


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("time", "peak"):
        sys.exit("usage: common.py time|peak ... (see the docstring)")
    {"time": _time, "peak": _peak}[sys.argv[1]](sys.argv[2:])
