"""deploy/prometheus/sockcost-rules.yml under promtool (no root, no BPF):
`promtool check rules` accepts it, and `promtool test rules` runs
sockcost-rules.test.yml, where each alert has input series that fire it
and series that must not. The runbook annotation is static text kept once,
in the rules file: this test adds it to every expected alert before
promtool compares (promtool compares every annotation)."""
import os
import shutil
import subprocess

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RULES = os.path.join(ROOT, "deploy", "prometheus", "sockcost-rules.yml")
TESTS = os.path.join(HERE, "sockcost-rules.test.yml")


def promtool():
    path = shutil.which("promtool")
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but promtool is not installed (Debian package prometheus; make deps)")
    pytest.skip("promtool not installed (Debian package prometheus; make deps)")


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def alerts():
    """{alert name: rule} of the rules file."""
    return {r["alert"]: r for g in load(RULES)["groups"] for r in g["rules"] if "alert" in r}


def test_check_rules():
    r = subprocess.run([promtool(), "check", "rules", RULES], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout, r.stdout


def test_every_alert_has_runbook_and_severity():
    for name, rule in alerts().items():
        notes = rule.get("annotations", {})
        for key in ("summary", "description", "runbook"):
            assert notes.get(key, "").strip(), f"{name}: no {key}"
        # Static, so the unit test below may add it to expectations as it is.
        assert "{{" not in notes["runbook"], name
        assert rule.get("labels", {}).get("severity") in ("info", "warning", "critical"), name


def test_unit_tests(tmp_path):
    tests = load(TESTS)
    runbooks = {name: rule["annotations"]["runbook"] for name, rule in alerts().items()}
    tested = {}
    for case in tests["tests"]:
        for check in case.get("alert_rule_test", []):
            fired = check.get("exp_alerts") or []
            tested.setdefault(check["alertname"], set()).add(bool(fired))
            for alert in fired:
                alert["exp_annotations"]["runbook"] = runbooks[check["alertname"]]
    # Every alert is seen firing and seen held back.
    assert tested == {name: {True, False} for name in runbooks}, tested

    shutil.copy(RULES, tmp_path / "sockcost-rules.yml")
    with open(tmp_path / "tests.yml", "w") as f:
        yaml.safe_dump(tests, f, sort_keys=False)
    r = subprocess.run([promtool(), "test", "rules", "tests.yml"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout, r.stdout
