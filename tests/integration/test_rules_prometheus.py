"""deploy/prometheus/sockcost-rules.yml and deploy/grafana/sockcost.json end
to end: a real Prometheus (1 s scrapes and rule evaluation) loads the rules
and scrapes a real sockcostd while a test process opens sockets steadily
towards its RLIMIT_NOFILE of 1024. SockcostFdExhaustionPredicted must fire
for it in /api/v1/alerts, and not for a process that sits still just under
the same limit. For speed the test loads a copy of the rules whose fd alert
looks back 15 s instead of 1 h, ahead 60 s instead of 4 h and waits 5 s
instead of 10 min; the expression is otherwise the shipped one.

Then every query of the dashboard (panels and variables, Grafana's
variables substituted: $__rate_interval by 1m, $node/$namespace/$service by
.* in =~ matchers) runs against the same Prometheus and must return series.
The sockcost_container_* panels need a sockcostd that exports those series."""
import json
import os
import re
import threading
import time
import urllib.error

import pytest
import yaml

from helpers import (Child, connect_pairs, hold_pairs, listener, netns_process, paced, proc_fd_count,
                     proc_nofile_soft)
from prometheus_helpers import Prometheus, require_tool
from sockcostd_helpers import Daemon

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "deploy", "prometheus", "sockcost-rules.yml")
DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "sockcost.json")
ALERT = "SockcostFdExhaustionPredicted"

LIMIT = 1024        # both test processes' soft RLIMIT_NOFILE
PAIRS_PER_S = 10    # the leaker's pace: 20 fds a second, the limit in about 50 s
LEAK_MAX_S = 80     # it stops opening after this long, whatever happens
STEADY_FDS = 1000   # the other process holds this many, and no more
FIRE_TIMEOUT_S = 60
# The shipped window, horizon and wait, and what the test puts in their place.
FAST = {"[1h]": "[15s]", "4 * 3600": "60"}
FAST_FOR = "5s"


def fast_rules(path):
    """A copy of the rules with the fd alert's durations shortened (FAST)."""
    with open(RULES) as f:
        doc = yaml.safe_load(f)
    rule = next(r for g in doc["groups"] for r in g["rules"] if r.get("alert") == ALERT)
    for old, new in FAST.items():
        assert old in rule["expr"], f"{ALERT} no longer has {old}: update FAST"
        rule["expr"] = rule["expr"].replace(old, new)
    rule["for"] = FAST_FOR
    with open(path, "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False)


def leaker(go_r):
    """A listener, one connection, and once told to go, PAIRS_PER_S more a second until EMFILE."""
    def setup():
        lst = listener()

        def leak():
            os.read(go_r, 1)
            held = []  # at the limit (EMFILE) it stays there
            paced(PAIRS_PER_S, LEAK_MAX_S, lambda: held.append(connect_pairs(lst, 1)))
        threading.Thread(target=leak, daemon=True).start()
        return lst, connect_pairs(lst, 1)
    return setup


def steady():
    """A connection and fds up to STEADY_FDS, held without change."""
    def setup():
        lst = listener()
        held = [lst, connect_pairs(lst, 1)]
        have = len(os.listdir("/proc/self/fd")) - 1  # less listdir's own
        held += [os.open("/dev/null", os.O_RDONLY) for _ in range(STEADY_FDS - have)]
        return held
    return setup


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_tool("prometheus")
    things = {}
    go_r, go_w = os.pipe()
    try:
        things["leaker"] = Child(leaker(go_r), name=b"sc-fd-leaker", nofile=LIMIT)
        things["steady"] = Child(steady(), name=b"sc-fd-steady", nofile=LIMIT)
        things["daemon"] = d = Daemon("--top-processes", "10000")
        rules = str(tmp_path_factory.mktemp("rules") / "sockcost-rules.yml")
        fast_rules(rules)
        things["prometheus"] = prom = Prometheus({"sockcostd": [f"127.0.0.1:{d.port}"]},
                                                 rule_files=[rules])
        leaker_pid = things["leaker"].pid
        prom.wait(lambda: prom.query(f'sockcost_process_open_fds{{pid="{leaker_pid}"}}'))
        os.write(go_w, b"g")  # Prometheus has its flat start: now it climbs
        yield things
    finally:
        os.close(go_r)
        os.close(go_w)
        for key in ("prometheus", "daemon", "leaker", "steady"):
            if key in things:
                things[key].stop()


def alerts(prom, pid):
    return [a for a in prom.get("/api/v1/alerts")["alerts"]
            if a["labels"].get("alertname") == ALERT and a["labels"].get("pid") == str(pid)]


def firing(stack):
    """The leaker's alert once firing (waited for once per module)."""
    if "firing" not in stack:
        prom, pid = stack["prometheus"], stack["leaker"].pid
        got = prom.wait(lambda: [a for a in alerts(prom, pid) if a["state"] == "firing"],
                        timeout=FIRE_TIMEOUT_S)
        stack["firing"] = got[0]
    return stack["firing"]


def test_fd_exhaustion_alert_fires(stack):
    prom, leak, still = stack["prometheus"], stack["leaker"], stack["steady"]
    alert = firing(stack)
    print(f"\n{ALERT} as /api/v1/alerts lists it:\n{json.dumps(alert, indent=2)}")
    labels = alert["labels"]
    assert labels["comm"] == "sc-fd-leaker" and labels["job"] == "sockcostd", labels
    assert labels["severity"] == "warning"
    assert float(alert["value"]) >= LIMIT  # the fds predicted 60 s ahead
    assert "sc-fd-leaker" in alert["annotations"]["summary"]
    assert alert["annotations"]["runbook"].startswith("1. ")
    # The still process sits as near its limit, but does not grow.
    assert alerts(prom, still.pid) == []

    # What the alert judged, against the kernel's own figures.
    for child in (leak, still):
        limit = prom.query(f'sockcost_process_max_fds{{pid="{child.pid}"}}')
        assert [float(s["value"][1]) for s in limit] == [proc_nofile_soft(child.pid)] == [LIMIT]
    before = proc_fd_count(leak.pid)
    fds = float(prom.query(f'sockcost_process_open_fds{{pid="{leak.pid}"}}')[0]["value"][1])
    after = proc_fd_count(leak.pid)
    # A sample is up to a scrape and a refresh old: 3 s of growth at most.
    assert before - 3 * 2 * PAIRS_PER_S <= fds <= after, (before, fds, after)
    fds = float(prom.query(f'sockcost_process_open_fds{{pid="{still.pid}"}}')[0]["value"][1])
    assert fds == proc_fd_count(still.pid) == STEADY_FDS


SUFFIX = re.compile(r"(@[0-9]+|\[[0-9]+\])$")
FLEET_COMM = "sc-fleet"
# In a namespace of its own, the same command on the same port: the service
# name sockcostd gives it ends in "@<netns inode>".
NS_TWIN = """
import socket, sys
open("/proc/self/comm", "w").write("%s")
port = %d
lst = socket.socket()
lst.bind(("127.0.0.1", port))
lst.listen(8)
c = socket.create_connection(("127.0.0.1", port))
s, _ = lst.accept()
print("ready", flush=True)
sys.stdin.read()
"""


def fleet_at(prom, at):
    """(the shipped fleet rule's rows, the node rows summed by name stripped here) at one instant."""
    with open(RULES) as f:
        expr = next(r["expr"] for g in yaml.safe_load(f)["groups"] for r in g["rules"]
                    if r.get("record") == "service:sockcost_service_connections:sum")
    fleet = {s["metric"]["service"]: float(s["value"][1]) for s in prom.query(expr, at=at)}
    want = {}
    for s in prom.query("sockcost_service_connections", at=at):
        name = s["metric"]["service"]
        while SUFFIX.search(name):
            name = SUFFIX.sub("", name)
        want[name] = want.get(name, 0) + float(s["value"][1])
    return fleet, want


def test_rules_evaluate_and_fleet_services_drop_node_suffixes(stack):
    """Every rule evaluates on real series (label_replace would refuse two
    equal label sets). A command on one port in the host's and in another
    network namespace is two node rows, one suffixed with that namespace's
    inode; the fleet rule makes them one row holding both, and every fleet
    row is the node rows stripped of their suffixes (here, independently)."""
    prom = stack["prometheus"]
    firing(stack)  # by then every rule has been evaluated many times
    rules = [r for g in prom.get("/api/v1/rules")["groups"] for r in g["rules"]]
    bad = [f"{r['name']}: {r.get('lastError')}" for r in rules if r["health"] != "ok"]
    assert rules and not bad, bad

    host, port = hold_pairs(1, FLEET_COMM.encode())
    try:
        with netns_process("sockcost-fleet", NS_TWIN % (FLEET_COMM, port)) as (twin, _):
            inode = os.stat(f"/proc/{twin.pid}/ns/net").st_ino
            base = f"{FLEET_COMM}:{port}"  # no regex metacharacters, so a matcher as is
            both = f'sockcost_service_connections{{service=~"{base}(@[0-9]+)?"}} > 0'
            rows = prom.wait(lambda: (lambda r: r if len(r) == 2 else None)(prom.query(both)),
                             timeout=60)
            names = sorted(s["metric"]["service"] for s in rows)
            assert f"{base}@{inode}" in names and base in names, (names, inode)
            # The host's services come and go with other tests: both sides at one
            # instant, a little in the past so the scrape of it has landed.
            time.sleep(2)
            at = time.time() - 1
            fleet, want = fleet_at(prom, at)
            node = {s["metric"]["service"]: float(s["value"][1]) for s in prom.query(both, at=at)}
            assert fleet == want, (fleet, want)
            assert fleet[base] == sum(node.values()) > 0, (fleet[base], node)
            print(f"\nnode rows {node} -> fleet row {base} = {fleet[base]:.0f}; "
                  f"{len(fleet)} fleet rows in all")
    finally:
        host.stop()


def grafana_queries(dash):
    """(where, PromQL) of every panel target and query variable, Grafana's variables left in."""
    out = []
    for var in dash["templating"]["list"]:
        if var["type"] != "query":
            continue
        m = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", var["query"]["query"])
        assert m, var["query"]
        out.append((f"variable {var['name']}", f"count by ({m.group(2)}) ({m.group(1)})"))
    for panel in dash["panels"]:
        for t in panel.get("targets", []):
            out.append((f"panel '{panel['title']}' {t['refId']}", t["expr"]))
    return out


def substitute(expr):
    # Multi-value variables become regexes: they may only appear in =~ matchers.
    for name in ("node", "namespace", "service"):
        uses = expr.count(f"${name}")
        assert expr.count(f'=~"${name}"') == uses, expr
        expr = expr.replace(f"${name}", ".*")
    expr = expr.replace("$__rate_interval", "1m")
    assert "$" not in expr, expr
    return expr


def test_dashboard_shape():
    with open(DASHBOARD) as f:
        dash = json.load(f)
    assert dash["schemaVersion"] >= 39
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert {"node", "namespace", "service"} <= set(variables)
    ds = {"type": "prometheus", "uid": "${datasource}"}
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    for p in dash["panels"]:
        if p["type"] == "row":
            continue
        assert p["datasource"] == ds, p["title"]
        assert p["targets"] and all(t["datasource"] == ds for t in p["targets"]), p["title"]
    for v in variables.values():
        if v["type"] == "query":
            assert v["datasource"] == ds, v["name"]


def test_dashboard_queries_return_series(stack):
    with open(DASHBOARD) as f:
        dash = json.load(f)
    firing(stack)  # the alerts panel lists it; by then every rate has its samples
    prom = stack["prometheus"]
    returned, empty, failed = [], [], []
    for where, expr in grafana_queries(dash):
        try:
            result = prom.query(substitute(expr))
        except urllib.error.HTTPError as e:
            failed.append(f"{where}: {e.read().decode()}")
            continue
        (returned if result else empty).append(f"{where}: {len(result)} series")
    print("\nreturned series:\n  " + "\n  ".join(returned) +
          "\nno series:\n  " + "\n  ".join(empty or ["(none)"]))
    assert not failed, "queries Prometheus refused:\n" + "\n".join(failed)
    assert not empty, "queries with no series:\n" + "\n".join(empty)
