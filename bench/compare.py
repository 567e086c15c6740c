#!/usr/bin/env python3
"""Report of bench/compare.sh: Markdown tables and a PNG plot from its raw data.

  compare.py DATA_DIR OUT.md OUT.png

DATA_DIR holds what compare.sh wrote: meta.txt, notes.txt, exec.tsv, exec-cold.tsv, lc-dir.tsv, lc-zfs.tsv
(NAME ROUND MICROSECONDS STATUS, from bench/interleave), steps/NAME.steps (STEP MICROSECONDS),
mem.tsv, fleet.tsv, scale.tsv (BACKEND N NAME ROUND MICROSECONDS STATUS), scale-create.tsv.
A ratio A/B is the median over rounds of A's time / B's time in the same round (both ran
side by side, so the machine's drift cancels); a ratio below 1 means iocage is cheaper.
"""
import collections
import os
import statistics
import sys


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.split() if "\t" not in line else line.rstrip("\n").split("\t")
                for line in f if line.strip()]


FAILED = []  # notes on failed runs, for the report


def runs(path, what=None):
    """NAME ROUND US STATUS -> {name: {round: ms}} (successful runs only), order of names.
    Failed runs are left out and counted in FAILED."""
    out, fails, total = collections.OrderedDict(), collections.Counter(), collections.Counter()
    for row in read_tsv(path):
        if len(row) != 4:
            continue
        name, rnd, us, st = row[0], int(row[1]), int(row[2]), int(row[3])
        out.setdefault(name, {})
        total[name] += 1
        if st == 0:
            out[name][rnd] = us / 1000.0
        else:
            fails[name] += 1
    errlog = os.path.splitext(path)[0] + ".err"
    last = ""
    if fails and os.path.exists(errlog):
        lines = [l.strip() for l in open(errlog) if l.strip()]
        last = lines[-1] if lines else ""
    for name, k in fails.items():
        FAILED.append("%s%s: %d of %d timed runs failed, left out%s" % (
            (what + ", ") if what else "", name, k, total[name], (" (last error: %s)" % last) if last else ""))
    return out


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * (len(xs) - 1)))))
    return xs[k]


def ratio(a, b):
    """median of per-round ratios of two {round: value} maps."""
    rs = [a[r] / b[r] for r in a if r in b and b[r] > 0]
    return (statistics.median(rs), len(rs)) if rs else (float("nan"), 0)


def fmt(x, d=2):
    if x != x:  # nan
        return "-"
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    return "%.*f" % (d, x)


def fx(x):
    return "-" if x != x else "%.2fx" % x


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    d, out_md, out_png = argv
    meta = collections.OrderedDict()
    with open(os.path.join(d, "meta.txt")) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    notes = []
    if os.path.exists(os.path.join(d, "notes.txt")):
        notes = [l.strip() for l in open(os.path.join(d, "notes.txt")) if l.strip()]

    md = []
    headline = []  # (label, ratio, n)
    plot_ratios = []  # (label, ratio)
    w = md.append
    w("# iocage beside its peers, %s" % meta.get("date", "?"))
    w("")
    w("Made by `bench/compare.sh` (`make bench`): iocage and the established tools measured in one "
      "run, on the same busybox rootfs, timed commands interleaved round by round. Medians in ms "
      "unless said; a ratio is the median of per-round ratios iocage / peer (below 1: iocage "
      "is cheaper). The machine is a shared VM whose speed drifts: compare within this run only, "
      "and take final numbers on a quiet machine.")
    w("")
    w("- machine: %s; %s" % (meta.get("machine", "?"), meta.get("fs", "")))
    w("- iocage: %s" % meta.get("iocage", "?"))
    for k in ("lxc", "crun", "bwrap", "podman", "zfs"):
        if k in meta:
            w("- %s: %s" % (k, meta[k]))
    w("- rootfs: %s" % meta.get("rootfs", "?"))
    w("- settings: %s" % meta.get("settings", "?"))
    loads = [(k[5:], v) for k, v in meta.items() if k.startswith("load_")]
    w("- load average (1, 5, 15 min) at each part: " +
      "; ".join("%s %s" % (k, v) for k, v in loads))
    w("")
    w("![cost vs number of jails; ratios vs peers](%s)" % os.path.basename(out_png))
    w("")

    # ---- 1. exec, back to back and after a rest
    for tsv, title, what in (("exec.tsv", "exec true into a running jail", "exec true"),
                             ("exec-cold.tsv", "exec true after a rest",
                              "exec true after a rest")):
        ex = runs(os.path.join(d, tsv), "exec")
        if ex:
            w("## %s" % title)
            w("")
            if tsv == "exec-cold.tsv":
                w("The same commands, the machine resting 250 ms before each: what one command costs "
                  "alone (a cgroup move by cgroup.procs then waits for an RCU grace period).")
                w("")
            zfs = "iocage-zfs" in ex
            w("| command | n | min | median | p90 | iocage (dir) / it |%s" % (" iocage (zfs) / it |" if zfs else ""))
            w("|---|---|---|---|---|---|%s" % ("---|" if zfs else ""))
            base = ex.get("iocage-dir", {})
            order = ["iocage-dir", "iocage-zfs", "setns-floor", "nsenter", "lxc-attach", "crun-exec"]
            ex = collections.OrderedDict(sorted(ex.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
            labels = {"iocage-dir": "`iocage exec J /bin/true` (dir)",
                      "iocage-zfs": "`iocage exec J /bin/true` (zfs)",
                      "setns-floor": "setns floor (floor.c: setns 5 ns + chroot + fork + exec)",
                      "nsenter": "`nsenter -a -t INIT true` (into the iocage jail)",
                      "lxc-attach": "`lxc-attach -n C -- true`",
                      "crun-exec": "`crun exec C true`"}
            for name, xs in ex.items():
                v = list(xs.values())
                r = ratio(base, xs)[0] if not name.startswith("iocage") else float("nan")
                rz = ratio(ex["iocage-zfs"], xs)[0] if zfs and not name.startswith("iocage") else float("nan")
                w("| %s | %d | %s | %s | %s | %s |%s" % (labels.get(name, name), len(v), fmt(min(v) if v else float("nan")),
                                                        fmt(med(v)), fmt(pct(v, 90)), fx(r), (" %s |" % fx(rz)) if zfs else ""))
                if name not in ("iocage-dir", "iocage-zfs"):
                    headline.append(("%s: iocage / %s" % (what, name), r))
                    plot_ratios.append(("%s / %s" % ("exec" if tsv == "exec.tsv" else "exec rested", name), r))
            w("")

    # ---- 2. lifecycle
    lc_rows = []
    for be, peers in (("dir", ("lxc-overlay", "crun-overlay")), ("zfs", ("lxc-zfs",))):
        lc = runs(os.path.join(d, "lc-%s.tsv" % be), "lifecycle")
        if not lc:
            continue
        me = lc.get("iocage-%s" % be, {})
        for name, xs in lc.items():
            steps = collections.OrderedDict()
            sp = os.path.join(d, "steps", name + ".steps")
            for row in read_tsv(sp):
                if len(row) == 2:
                    steps.setdefault(row[0], []).append(int(row[1]) / 1000.0)
            r = ratio(me, xs)[0] if not name.startswith("iocage") else float("nan")
            lc_rows.append((be, name, list(xs.values()), steps, r))
            if not name.startswith("iocage"):
                headline.append(("lifecycle (%s): iocage / %s" % (be, name), r))
                plot_ratios.append(("lifecycle / %s" % name, r))
    if lc_rows:
        w("## lifecycle: thin create -> start -> exec true -> stop -> destroy")
        w("")
        w("Whole lifecycle timed as one `bash lc-*.sh` process (iocage: `bench/lc-iocage.sh`; "
          "peers: `../shared/peers/lc-lxc.sh`, `lc-crun.sh`); steps from the same runs. crun's "
          "create step is `crun create`, its clone step the overlay mount; LXC on zfs: a "
          "`zfs clone` and a dir: config on it (LXC's zfs backend needs the zfs kernel module). "
          "Payload of the peers: `sleep 1000` as init; iocage: its own init, default exec_start.")
        w("")
        w("| backend | tool | n | total | clone (thin create) | create | start | exec | stop | destroy | iocage / it |")
        w("|---|---|---|---|---|---|---|---|---|---|---|")
        for be, name, v, steps, r in lc_rows:
            cells = [fmt(med(steps[s])) if s in steps else "-"
                     for s in ("clone", "create", "start", "exec", "stop", "destroy")]
            w("| %s | %s | %d | %s | %s | %s |" % (be, name, len(v), fmt(med(v)), " | ".join(cells), fx(r)))
        w("")

    # ---- 3. memory
    mem = [r for r in read_tsv(os.path.join(d, "mem.tsv")) if len(r) == 7]
    if mem:
        w("## host memory per idle running container")
        w("")
        w("N idle containers per tool, payload `sleep 1000` in each (iocage: started by "
          "`exec_start`). Kept: the processes the tool keeps per container besides the "
          "payload, their RSS and PSS (smaps_rollup) per container. Kernel: growth of "
          "SUnreclaim + KernelStack + PageTables per container (namespaces, cgroups, mounts, "
          "task structs and stacks of every process of the container, payload included; "
          "approximate on a busy machine). PSS + kernel is what the host pays per container "
          "beyond the payload's own pages.")
        w("")
        w("| tool | kept per container | N | processes | RSS KiB | PSS KiB | kernel KiB | PSS + kernel KiB |")
        w("|---|---|---|---|---|---|---|---|")
        io = None
        for tool, what, n, procs, rss, pss, growth in mem:
            if tool == "payload":
                continue
            w("| %s | %s | %s | %s | %s | %s | %s | %d |" % (tool, what, n, procs, rss, pss, growth, int(pss) + int(growth)))
            if tool == "iocage":
                io = (int(pss), int(pss) + int(growth))
        for tool, what, n, procs, rss, pss, growth in mem:
            if tool == "payload":
                w("")
                w("For scale, the payload (%s): RSS %s KiB, PSS %s KiB." % (what, rss, pss))
        w("")
        if io:
            for tool, what, n, procs, rss, pss, growth in mem:
                if tool in ("iocage", "payload"):
                    continue
                if int(pss) > 0:
                    headline.append(("memory PSS per container: iocage / %s" % tool, io[0] / int(pss)))
                    plot_ratios.append(("PSS / %s" % tool, io[0] / int(pss)))
                tot = int(pss) + int(growth)
                if tot > 0 and io[1] > 0:
                    headline.append(("memory PSS + kernel per container: iocage / %s" % tool, io[1] / tot))
                    plot_ratios.append(("PSS+kernel / %s" % tool, io[1] / tot))

    # ---- 4. fleet
    fl = [r for r in read_tsv(os.path.join(d, "fleet.tsv")) if len(r) == 6]
    if fl:
        by = collections.defaultdict(dict)  # (tool, mode, action) -> {round: s}
        cnt = collections.defaultdict(list)
        for tool, mode, rnd, action, us, c in fl:
            by[(tool, mode, action)][int(rnd)] = int(us) / 1e6
            cnt[(tool, mode, action)].append(int(c))
        w("## starting and stopping a fleet of jails")
        w("")
        w("seq: one command per jail, one after the other; par: the same commands through "
          "`xargs -P` (see settings); ALL: `iocage start ALL` / `stop ALL`. LXC: `lxc-start -d` "
          "/ `lxc-stop -k` on overlay snapshots; crun: `crun run -d` / `crun delete -f` on a "
          "shared read-only rootfs (crun has no storage of its own). Seconds, median of rounds; "
          "up = containers running after the start (left after the stop).")
        w("")
        w("| tool | mode | start s | up | stop s | left | iocage / it (start, stop) |")
        w("|---|---|---|---|---|---|---|")
        for (tool, mode, action) in sorted(by, key=lambda k: ({"iocage": 0}.get(k[0], 1), k[0], k[1])):
            if action != "start":
                continue
            st, sp = by[(tool, mode, "start")], by.get((tool, mode, "stop"), {})
            rr = "-"
            if tool != "iocage" and ("iocage", mode, "start") in by:
                a = ratio(by[("iocage", mode, "start")], st)[0]
                b = ratio(by[("iocage", mode, "stop")], sp)[0]
                rr = "%s, %s" % (fx(a), fx(b))
                how = "one by one" if mode == "seq" else "in parallel"
                headline.append(("start %s %s: iocage / %s" % (meta.get("fleet_n", "N"), how, tool), a))
                headline.append(("stop %s %s: iocage / %s" % (meta.get("fleet_n", "N"), how, tool), b))
                plot_ratios.append(("start %s / %s" % (mode, tool), a))
                plot_ratios.append(("stop %s / %s" % (mode, tool), b))
            w("| %s | %s | %s | %s | %s | %s | %s |" % (
                tool, mode, fmt(med(list(st.values())), 3), min(cnt[(tool, mode, "start")]),
                fmt(med(list(sp.values())), 3), max(cnt[(tool, mode, "stop")] or [0]), rr))
        w("")

    # ---- 5. scale
    sc = [r for r in read_tsv(os.path.join(d, "scale.tsv")) if len(r) == 6]
    curves = collections.OrderedDict()  # label -> [(n, median)]
    if sc:
        tab = collections.defaultdict(lambda: collections.defaultdict(dict))  # (be, n) -> name -> {r: ms}
        bad = collections.Counter()
        for be, n, name, rnd, us, st in sc:
            if int(st) == 0:
                tab[(be, int(n))][name][int(rnd)] = int(us) / 1000.0
            else:
                bad["%s with %s jails (%s)" % (name, n, be)] += 1
        for k, v in bad.items():
            FAILED.append("list: %s: %d timed runs failed, left out" % (k, v))
        created = {(r[0], int(r[1])): (int(r[2]), int(r[3])) for r in read_tsv(os.path.join(d, "scale-create.tsv")) if len(r) == 4}
        w("## list and get -r with N jails")
        w("")
        w("`iocage list` and `iocage get -r boot` with N thin jails (stopped) on each backend; "
          "for reference `lxc-ls -f` with as many LXC containers (directories with a config, "
          "never started) and one `zfs list -r -o name` of the jails' datasets on the pool. Median ms; "
          "create: the `create -c count=K` that brought the count to N, ms per jail.")
        w("")
        w("| backend | N | list | get -r boot | lxc-ls -f | zfs list -r | list / lxc-ls -f | list / zfs list -r | create ms/jail |")
        w("|---|---|---|---|---|---|---|---|---|")
        for (be, n) in sorted(tab, key=lambda k: (k[0], k[1])):
            t = tab[(be, n)]
            cell = lambda k: fmt(med(list(t[k].values()))) if k in t else "-"
            r = ratio(t["iocage-list"], t["lxc-ls-f"])[0] if "lxc-ls-f" in t and "iocage-list" in t else float("nan")
            rz = ratio(t["iocage-list"], t["zfs-list"])[0] if "zfs-list" in t and "iocage-list" in t else float("nan")
            cr = created.get((be, n))
            w("| %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                be, n, cell("iocage-list"), cell("iocage-get-r"), cell("lxc-ls-f"), cell("zfs-list"), fx(r), fx(rz),
                fmt(cr[1] / 1000.0 / cr[0]) if cr else "-"))
            for k, lab in (("iocage-list", "iocage list (%s)" % be), ("iocage-get-r", "iocage get -r (%s)" % be),
                           ("lxc-ls-f", "lxc-ls -f"), ("zfs-list", "zfs list -r (zfs-fuse)")):
                if k in t:
                    curves.setdefault(lab, []).append((n, med(list(t[k].values()))))
            if r == r:
                headline.append(("list with %d jails (%s): iocage / lxc-ls -f" % (n, be), r))
            if rz == rz:
                headline.append(("list with %d jails (zfs): iocage / one zfs list -r" % n, rz))
        w("")
        for lab in list(curves):
            # lxc-ls -f appears once per N (measured in the dir group only)
            curves[lab] = sorted(set(curves[lab]))
        big = [(be, n) for (be, n) in tab if n == max(k[1] for k in tab if k[0] == be)]
        for be, n in sorted(big):
            t = tab[(be, n)]
            if "lxc-ls-f" in t:
                plot_ratios.append(("list %d / lxc-ls -f" % n, ratio(t["iocage-list"], t["lxc-ls-f"])[0]))
            if "zfs-list" in t:
                plot_ratios.append(("list %d (zfs) / zfs list -r" % n, ratio(t["iocage-list"], t["zfs-list"])[0]))

    # ---- headline and notes, placed after the preamble
    head = ["## headline ratios (iocage / peer, median of per-round ratios)", "",
            "| comparison | ratio |", "|---|---|"]
    head += ["| %s | %s |" % (k, fx(v)) for k, v in headline]
    head.append("")
    notes += FAILED
    if notes:
        head += ["## skipped and notes", ""] + ["- %s" % n for n in notes] + [""]
    i = md.index("![cost vs number of jails; ratios vs peers](%s)" % os.path.basename(out_png))
    md[i + 2:i + 2] = head
    with open(out_md, "w") as f:
        f.write("\n".join(md).rstrip("\n") + "\n")

    plot(out_png, curves, plot_ratios, meta)
    return 0


def plot(path, curves, ratios, meta):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.stderr.write("compare.py: no matplotlib (python3-matplotlib): no plot\n")
        return
    fig, (a, b) = plt.subplots(1, 2, figsize=(14, 6.5))
    styles = {"dir": "-", "zfs": "--"}
    for lab, pts in curves.items():
        if not pts:
            continue
        xs, ys = zip(*pts)
        ls = ":" if "lxc" in lab or "zfs list" in lab else styles["zfs" if "(zfs)" in lab else "dir"]
        a.plot(xs, ys, ls, marker="o", label=lab)
    a.set_xscale("log")
    a.set_yscale("log")
    ns = sorted({n for pts in curves.values() for n, _ in pts})
    if ns:
        a.set_xticks(ns)
        a.set_xticklabels([str(n) for n in ns])
        a.minorticks_off()
    a.set_xlabel("jails (containers)")
    a.set_ylabel("median ms per command")
    a.set_title("cost vs number of jails")
    a.grid(True, which="both", alpha=0.3)
    a.legend(fontsize=8)
    ratios = [(l, r) for l, r in ratios if r == r and r > 0]
    if ratios:
        labels = [l for l, _ in ratios][::-1]
        vals = [r for _, r in ratios][::-1]
        colors = ["tab:green" if v < 1 else "tab:red" for v in vals]
        b.barh(range(len(vals)), vals, color=colors)
        b.set_yticks(range(len(vals)))
        b.set_yticklabels(labels, fontsize=8)
        b.set_xscale("log")
        b.axvline(1.0, color="black", lw=1)
        for i, v in enumerate(vals):
            b.text(v, i, " %.2f" % v, va="center", fontsize=7)
        b.set_xlabel("iocage / peer (log; < 1: iocage cheaper)")
        b.set_title("ratios vs peers (median of per-round ratios)")
        b.grid(True, axis="x", which="both", alpha=0.3)
    fig.suptitle("iocage beside its peers, %s; %s" % (meta.get("date", "?"), meta.get("machine", "")), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
